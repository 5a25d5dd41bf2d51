/**
 * nginx's builtin variables (ngx_http_core_variables in src/http/ngx_http_variables.c) and the
 * evaluation of complex values. Values are latin1 strings (one char per byte), as everything on
 * the request path.
 */
import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import type { ComplexValue } from '../../compile/complex-value.js';
import type { BuiltinResolver, VariableGetter } from '../../compile/variable-table.js';
import { NGINX_VERSION } from '../product.js';
import { httpArg } from './normalize-uri.js';
import type { HttpRequest } from './request.js';

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

// ngx_http_parse_multi_header_lines for Cookie: `name=value` pairs separated by `;` or `,`.
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

function findCookie(value: string, name: string): string | undefined {
  let start = 0;
  const end = value.length;
  while (start < end) {
    const lower = value.slice(start, start + name.length).toLowerCase();
    if (lower === name && value[start + name.length] === '=' && (start === 0 || ' ;,'.includes(value[start - 1]!))) {
      const vStart = start + name.length + 1;
      let vEnd = vStart;
      while (vEnd < end && value[vEnd] !== ';' && value[vEnd] !== ',') vEnd++;
      return value.slice(vStart, vEnd);
    }
    while (start < end && value[start] !== ';' && value[start] !== ',') start++;
    while (start < end && (value[start] === ' ' || value[start] === ';' || value[start] === ',')) start++;
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

function binaryAddr(r: HttpRequest): string {
  const a = r.conn.remoteAddress;
  if (r.conn.family === 'inet') return String.fromCharCode(...a.split('.').map(Number));
  return a;
}

const STATIC: Record<string, { get: VariableGetter; noCache?: boolean }> = {
  uri: { get: (r) => r.uri, noCache: true },
  document_uri: { get: (r) => r.uri, noCache: true },
  request_uri: { get: (r) => r.head.unparsedUri },
  args: { get: (r) => r.args, noCache: true },
  query_string: { get: (r) => r.args, noCache: true },
  is_args: { get: (r) => (r.args.length ? '?' : ''), noCache: true },
  request: { get: (r) => r.head.requestLine },
  request_method: { get: (r) => r.head.method },
  server_protocol: { get: (r) => r.head.httpProtocol },
  scheme: { get: (r) => (r.conn.ssl ? 'https' : 'http') },
  https: { get: (r) => (r.conn.ssl ? 'on' : '') },
  host: { get: (r) => r.head.host || r.server.coreSrv.serverName },
  hostname: { get: () => HOSTNAME },
  server_name: { get: (r) => r.server.coreSrv.serverName },
  server_addr: { get: (r) => r.conn.localAddress },
  server_port: { get: (r) => (r.conn.family === 'unix' ? '' : String(r.conn.localPort)) },
  remote_addr: { get: (r) => r.conn.remoteAddress },
  remote_port: { get: (r) => (r.conn.family === 'unix' ? '' : String(r.conn.remotePort)) },
  binary_remote_addr: { get: binaryAddr },
  content_length: { get: (r) => r.header('Content-Length') },
  content_type: { get: (r) => r.header('Content-Type') },
  http_cookie: { get: joinedHeader('cookie', '; ') },
  http_x_forwarded_for: { get: joinedHeader('x-forwarded-for', ', ') },
  cookie: { get: joinedHeader('cookie', '; ') },
  connection: { get: (r) => String(r.conn.id) },
  connection_requests: { get: (r) => String(r.conn.requests) },
  nginx_version: { get: () => NGINX_VERSION },
  pid: { get: () => String(process.pid) },
  msec: { get: () => secMsec(Date.now()), noCache: true },
  time_local: { get: () => timeLocal(), noCache: true },
  time_iso8601: { get: () => timeIso8601(), noCache: true },
  request_time: { get: (r) => secMsec(Math.max(0, Date.now() - r.startTime)), noCache: true },
  request_id: { get: () => randomBytes(16).toString('hex') },
  status: { get: (r) => (r.headersOut.status ? pad(r.headersOut.status, 3) : '000'), noCache: true },
  body_bytes_sent: { get: (r) => String(Math.max(0, r.bytesSent - r.headBytes)), noCache: true },
  bytes_sent: { get: (r) => String(r.bytesSent), noCache: true },
  request_length: { get: (r) => String(r.head.requestLength + r.bodyBytesRead), noCache: true },
  document_root: { get: (r) => r.conf.core.root, noCache: true },
  request_filename: { get: (r) => documentPath(r), noCache: true },
  realpath_root: { get: (r) => r.conf.core.root, noCache: true },
  request_completion: { get: (r) => (r.completed ? 'OK' : '') },
  remote_user: { get: (r) => r.remoteUser ?? undefined },
  request_body: { get: () => undefined },
  limit_rate: { get: () => '0' },
};

function documentPath(r: HttpRequest): string {
  const core = r.conf.core;
  if (!core.alias) return core.root + r.uri;
  if (core.aliasLength < 0) return core.root;
  return core.root + r.uri.slice(core.aliasLength);
}

/** The getter of a builtin or prefix variable, or null when `name` is neither. */
export const resolveBuiltin: BuiltinResolver = (name) => {
  const s = STATIC[name];
  if (s) return { get: s.get, noCache: s.noCache ?? false };
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
      r.uninitialized(def.name);
      return undefined;
    }
  } else if (slot !== NOT_EVALUATED && !def.noCache) return slot;
  if (def.get === null) return undefined;
  const v = def.get(r);
  if (!def.noCache) r.values[index] = v;
  return v;
}

/** Marks a slot that was never computed (distinct from a computed "not found"). */
export const NOT_EVALUATED: unique symbol = Symbol('not evaluated');

/** The capture `n` of the request's last regex match ('' when it did not take part). */
export function getCapture(r: HttpRequest, n: number): string {
  const m = r.captures;
  if (m === null) return '';
  return m[n] ?? '';
}

/** Evaluates a complex value for `r`. */
export function evaluate(r: HttpRequest, cv: ComplexValue): string {
  if (cv.constant !== null) return cv.constant;
  let out = '';
  for (const p of cv.parts) {
    if (p.kind === 'text') out += p.text;
    else if (p.kind === 'var') out += getVariable(r, p.index) ?? '';
    else out += getCapture(r, p.n);
  }
  return out;
}
