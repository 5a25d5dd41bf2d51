/**
 * nginx's builtin variables (ngx_http_core_variables in src/http/ngx_http_variables.c) and the
 * evaluation of complex values. Values are latin1 strings (one char per byte), as everything on
 * the request path.
 */
import { realpathSync } from 'node:fs';
import { hostname } from 'node:os';
import ipaddr from 'ipaddr.js';
import { randomBytes } from 'node:crypto';
import type { ComplexValue } from '../../compile/complex-value.js';
import type { BuiltinResolver, VariableGetter, VariableSetter } from '../../compile/variable-table.js';
import { NGINX_VERSION } from '../product.js';
import { escapeUri, httpArg } from './normalize-uri.js';
import type { HttpRequest } from './request.js';
import { documentRoot, mapUriToPath } from './document-root.js';
import { connectionsVariable } from './connection-stats.js';
import { asciiLower } from './ascii.js';

const HOSTNAME = hostname();

function pad(n: number, w = 2): string {
  return String(n).padStart(w, '0');
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

function tzOffset(d: Date, sep: string): string {
  const off = -d.getTimezoneOffset();
  const sign = off < 0 ? '-' : '+';
  const a = Math.abs(off);
  return sign + pad(Math.floor(a / 60)) + sep + pad(a % 60);
}

/** `$time_local`: `22/Nov/2026:06:21:48 +0000`. */
export function timeLocal(d: Date = new Date()): string {
  return `${pad(d.getDate())}/${MONTHS[d.getMonth()]}/${d.getFullYear()}:${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())} ${tzOffset(d, '')}`;
}

/** `$time_iso8601`: `2026-11-22T06:21:48+00:00`. */
export function timeIso8601(d: Date = new Date()): string {
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}${tzOffset(d, ':')}`;
}

/** Seconds with milliseconds, as nginx prints `%T.%03M`. */
function secMsec(ms: number): string {
  return `${Math.floor(ms / 1000)}.${pad(ms % 1000, 3)}`;
}

// ngx_http_variable_unknown_header in 1.22: the first header of that name (`_` stands for `-`).
function headerVar(name: string): VariableGetter {
  return (r) => {
    for (const h of r.head.headers) {
      if (h.name.length !== name.length) continue;
      if (h.name.toLowerCase().replace(/-/g, '_') === name) return h.value;
    }
    return undefined;
  };
}

// ngx_http_variable_headers_internal: known multi-value headers joined with their separator.
function joinedHeader(header: string, sep: string): VariableGetter {
  return (r) => {
    const values = r.head.headers.filter((h) => h.name.toLowerCase() === header).map((h) => h.value);
    return values.length ? values.join(sep) : undefined;
  };
}

// ngx_http_parse_multi_header_lines (1.22) for Cookie: the first Cookie header that has `name`.
function cookieVar(name: string): VariableGetter {
  return (r) => {
    for (const h of r.head.headers) {
      if (h.name.toLowerCase() !== 'cookie') continue;
      const v = findCookie(h.value, name);
      if (v !== undefined) return v;
    }
    return undefined;
  };
}

/**
 * nginx 1.22's cookie scan: at the start of each `;`/`,`-separated part, the name (any case), spaces,
 * `=`, spaces, then the value up to the next `;` (a `,` does not end it). A part whose name is not
 * followed by `=` is skipped from the character after the name on.
 */
function findCookie(value: string, name: string): string | undefined {
  if (name.length > value.length) return undefined;
  const end = value.length;
  let start = 0;
  while (start < end) {
    if (asciiLower(value.slice(start, start + name.length)) === name) {
      start += name.length;
      while (start < end && value[start] === ' ') start++;
      if (start < end && value[start++] === '=') {
        while (start < end && value[start] === ' ') start++;
        let last = start;
        while (last < end && value[last] !== ';') last++;
        return value.slice(start, last);
      }
    }
    while (start < end) {
      const ch = value[start++];
      if (ch === ';' || ch === ',') break;
    }
    while (start < end && value[start] === ' ') start++;
  }
  return undefined;
}

function sentHeader(name: string): VariableGetter {
  switch (name) {
    case 'content_type':
      return (r) => r.headersOut.contentType || undefined;
    case 'content_length':
      return (r) => (r.headersOut.contentLength >= 0 ? String(r.headersOut.contentLength) : undefined);
    case 'location':
      return (r) => r.headersOut.location ?? undefined;
    case 'connection':
      return (r) => (r.headerSent ? (r.keepalive ? 'keep-alive' : 'close') : undefined);
    case 'transfer_encoding':
      return (r) => (r.chunked ? 'chunked' : undefined);
  }
  return (r) => {
    for (const [n, v] of r.headersOut.headers) if (n.toLowerCase().replace(/-/g, '_') === name) return v;
    return undefined;
  };
}

// $binary_remote_addr: 4 bytes for IPv4, 16 for IPv6, the text for unix: (as sockaddr bytes go).
function binaryAddr(r: HttpRequest): string {
  const a = r.remoteAddress;
  if (r.remoteFamily === 'inet') return String.fromCharCode(...a.split('.').map(Number));
  if (r.remoteFamily === 'inet6') {
    try {
      return String.fromCharCode(...ipaddr.parse(a).toByteArray());
    } catch {
      return a;
    }
  }
  return a;
}

const STATIC: Record<string, { get: VariableGetter; set?: VariableSetter; noCache?: boolean }> = {
  // Empty only for a request refused before its line was read: nginx has no $uri then.
  uri: { get: (r) => r.uri || undefined, noCache: true },
  document_uri: { get: (r) => r.uri || undefined, noCache: true },
  // Not found for a request refused before its URI was read (ngx_http_variable_request).
  request_uri: { get: (r) => r.head.unparsedUri || undefined },
  // ngx_http_variable_request_set: `set $args` changes the request's arguments.
  args: {
    get: (r) => r.args,
    set: (r, v) => {
      r.args = v;
    },
    noCache: true,
  },
  query_string: { get: (r) => r.args, noCache: true },
  is_args: { get: (r) => (r.args.length ? '?' : ''), noCache: true },
  // Not found for a request refused before its line was read (no r->request_line).
  request: { get: (r) => r.head.requestLine || undefined },
  request_method: { get: (r) => r.head.method },
  // ngx_http_variable_request: not found when the request line gave no protocol (HTTP/0.9, refused).
  server_protocol: { get: (r) => r.head.httpProtocol || undefined },
  scheme: { get: (r) => (r.conn.ssl ? 'https' : 'http') },
  https: { get: (r) => (r.conn.ssl ? 'on' : '') },
  host: { get: (r) => r.head.host || r.server.coreSrv.serverName },
  hostname: { get: () => HOSTNAME },
  server_name: { get: (r) => r.server.coreSrv.serverName },
  server_addr: { get: (r) => r.conn.localAddress },
  server_port: { get: (r) => (r.conn.family === 'unix' ? '' : String(r.conn.localPort)) },
  remote_addr: { get: (r) => r.remoteAddress },
  remote_port: { get: (r) => (r.remoteFamily === 'unix' || r.remotePort <= 0 ? '' : String(r.remotePort)) },
  binary_remote_addr: { get: binaryAddr },
  // ngx_http_variable_content_length: the header, else content_length_n once known.
  content_length: {
    get: (r) => {
      const h = r.header('Content-Length');
      if (h !== undefined) return h;
      const n = (r.parent ?? r).contentLengthN;
      return n >= 0 ? String(n) : undefined;
    },
    noCache: true,
  },
  content_type: { get: (r) => r.header('Content-Type') },
  http_cookie: { get: joinedHeader('cookie', '; ') },
  http_x_forwarded_for: { get: joinedHeader('x-forwarded-for', ', ') },
  cookie: { get: joinedHeader('cookie', '; ') },
  connection: { get: (r) => String(r.conn.id) },
  connection_requests: { get: (r) => String(r.conn.requests) },
  pipe: { get: (r) => (r.pipeline ? 'p' : '.') },
  nginx_version: { get: () => NGINX_VERSION },
  pid: { get: () => String(process.pid) },
  msec: { get: () => secMsec(Date.now()), noCache: true },
  time_local: { get: () => timeLocal(), noCache: true },
  time_iso8601: { get: () => timeIso8601(), noCache: true },
  request_time: { get: (r) => secMsec(Math.max(0, Date.now() - r.startTime)), noCache: true },
  request_id: { get: () => randomBytes(16).toString('hex') },
  // ngx_http_variable_status: the status, else 009 for an HTTP/0.9 request, else 000.
  status: { get: (r) => (r.headersOut.status ? pad(r.headersOut.status, 3) : r.head.httpVersion === 9 ? '009' : '000'), noCache: true },
  body_bytes_sent: { get: (r) => String(Math.max(0, r.bytesSent - r.headBytes)), noCache: true },
  bytes_sent: { get: (r) => String(r.bytesSent), noCache: true },
  request_length: { get: (r) => String(r.head.requestLength + r.bodyBytesRead), noCache: true },
  document_root: { get: (r) => documentRoot(r), noCache: true },
  request_filename: { get: (r) => documentPath(r), noCache: true },
  realpath_root: { get: realpathRoot, noCache: true },
  request_completion: { get: (r) => (r.completed ? 'OK' : '') },
  remote_user: { get: (r) => r.remoteUser ?? basicAuthUser(r) },
  // Set once a handler read the body into memory (proxy_pass with request buffering).
  request_body: { get: (r) => (r.requestBody === null ? undefined : r.requestBody.toString('latin1')), noCache: true },
  limit_req_status: { get: (r) => r.limitReqStatus ?? undefined, noCache: true },
  limit_conn_status: { get: (r) => r.limitConnStatus ?? undefined, noCache: true },
  limit_rate: { get: () => '0' },
  // ngx_http_stub_status_module: NGX_HTTP_VAR_NOCACHEABLE, read at each use.
  connections_active: { get: connectionsVariable('active'), noCache: true },
  connections_reading: { get: connectionsVariable('reading'), noCache: true },
  connections_writing: { get: connectionsVariable('writing'), noCache: true },
  connections_waiting: { get: connectionsVariable('waiting'), noCache: true },
};

// ngx_http_variable_realpath_root: realpath(3) of root (or alias); nginx logs a failure at crit
// and the variable comes out empty.
function realpathRoot(r: HttpRequest): string | undefined {
  try {
    return realpathSync.native(Buffer.from(documentRoot(r), 'latin1'), { encoding: 'buffer' }).toString('latin1');
  } catch {
    return undefined;
  }
}

const BASE64 = /^[A-Za-z0-9+/]*$/;

// ngx_http_auth_basic_user: the user of `Authorization: Basic …`, when it decodes (nginx's strict
// base64: the first `=` ends the data, any other byte outside the alphabet fails) and has a `:`
// after a non-empty name.
function basicAuthUser(r: HttpRequest): string | undefined {
  const value = r.header('Authorization');
  if (value === undefined || value.length < 6 || value.slice(0, 6).toLowerCase() !== 'basic ') return undefined;
  let encoded = value.slice(6).replace(/^ +/, '');
  if (encoded.length === 0) return undefined;
  const eq = encoded.indexOf('=');
  if (eq >= 0) encoded = encoded.slice(0, eq);
  if (!BASE64.test(encoded) || encoded.length % 4 === 1) return undefined;
  const auth = Buffer.from(encoded, 'base64').toString('latin1');
  const colon = auth.indexOf(':');
  if (colon <= 0) return undefined;
  return auth.slice(0, colon);
}

function documentPath(r: HttpRequest): string | undefined {
  return mapUriToPath(r) ?? undefined;
}

/** The getter of a builtin or prefix variable, or null when `name` is neither. */
export const resolveBuiltin: BuiltinResolver = (name) => {
  const s = STATIC[name];
  if (s) return { get: s.get, ...(s.set === undefined ? {} : { set: s.set }), noCache: s.noCache ?? false };
  if (name.startsWith('http_')) return { get: headerVar(name.slice(5)), noCache: false };
  if (name.startsWith('sent_http_')) return { get: sentHeader(name.slice(10)), noCache: true };
  if (name.startsWith('cookie_')) return { get: cookieVar(name.slice(7)), noCache: false };
  if (name.startsWith('arg_')) {
    const arg = name.slice(4);
    return { get: (r) => httpArg(r.args, arg), noCache: true };
  }
  return null;
};

/** The value of variable slot `index` for `r` (cached unless the variable is not cacheable). */
export function getVariable(r: HttpRequest, index: number): string | undefined {
  const slot = r.values[index];
  const def = r.variables[index]!;
  if (def.settable) {
    // A `set` variable: its slot, once assigned; before that its builtin getter, if any.
    if (slot !== NOT_EVALUATED) return slot;
    if (def.get === null) {
      // ngx_http_rewrite_var: warns, and the empty value it returns is cached (one warning).
      r.uninitialized(def.name);
      r.values[index] = '';
      return '';
    }
  } else if (slot !== NOT_EVALUATED && !def.noCache) return slot;
  if (def.get === null) return serverNameCapture(r, def.name);
  const v = def.get(r);
  if (!def.noCache) r.values[index] = v;
  return v;
}

/** Marks a slot that was never computed (distinct from a computed "not found"). */
export const NOT_EVALUATED: unique symbol = Symbol('not evaluated');

/**
 * A variable no module defines is a named capture of some regex (the configuration check saw to
 * that). Those of the server name are set when the server is chosen (ngx_http_regex_exec in
 * ngx_http_find_virtual_server), before any later match can overwrite the slot: reading them
 * from the server name's match while the slot is untouched gives the same value.
 */
function serverNameCapture(r: HttpRequest, name: string): string | undefined {
  const groups = r.vs.captures?.groups;
  if (groups === undefined) return undefined;
  for (const key in groups) if (key.toLowerCase() === name) return groups[key];
  return undefined;
}

/** The capture `n` of the request's last regex match ('' when it did not take part). */
export function getCapture(r: HttpRequest, n: number): string {
  const m = r.captures;
  if (m === null) return '';
  return m[n] ?? '';
}

/**
 * r->quoted_uri || r->plus_in_uri: the request's path (before `?` or `#`) had a `%` escape or a
 * `+`. Captures of the decoded URI then lose that encoding, so the rewrite module escapes them
 * again where they land in arguments or redirects.
 */
export function uriWasEncoded(r: HttpRequest): boolean {
  const raw = r.head.unparsedUri;
  for (let i = 0; i < raw.length; i++) {
    const c = raw.charCodeAt(i);
    if (c === 0x3f /* ? */ || c === 0x23 /* # */) return false;
    if (c === 0x25 /* % */ || c === 0x2b /* + */) return true;
  }
  return false;
}

/**
 * Evaluates a complex value for `r`. With `escapeCaptures` (the script engine's e->quote or
 * e->is_args), captures are escaped with NGX_ESCAPE_ARGS when the request URI was encoded
 * (ngx_http_script_copy_capture_code).
 */
export function evaluate(r: HttpRequest, cv: ComplexValue, escapeCaptures = false): string {
  if (cv.constant !== null) return cv.constant;
  const escape = escapeCaptures && cv.maxCapture > 0 && uriWasEncoded(r);
  let out = '';
  // An index loop: this runs for every evaluated value of every request.
  const parts = cv.parts;
  for (let i = 0; i < parts.length; i++) {
    const p = parts[i]!;
    if (p.kind === 'text') out += p.text;
    else if (p.kind === 'var') out += getVariable(r, p.index) ?? '';
    else out += escape ? escapeUri(getCapture(r, p.n), 'args') : getCapture(r, p.n);
  }
  return out;
}
