/**
 * ngx_http_proxy_module's location configuration (ngx_http_proxy_pass, ngx_http_proxy_merge_loc_conf,
 * ngx_http_proxy_init_headers): where `proxy_pass` sends the request, the headers it sets, and
 * the inherited proxy_* settings.
 */
import { compilePcre } from '../config/regex.js';
import { fullName } from '../config/source.js';
import { countVariables, parseNumber, parseSize, parseUrl } from '../config/values.js';
import { compileComplexValue, type ComplexValue } from './complex-value.js';
import type { ConfLevel } from './conf-level.js';
import { implicitUpstream, type UpstreamConf, type UpstreamIndex } from './upstreams.js';
import type { VariableTable } from './variable-table.js';
import type { Directive } from '../config/ast.js';
import { checkedProxyUrl } from '../config/modules/ngx_http_proxy_module.js';

/**
 * Where proxy_pass sends the request. A URL with variables is evaluated per request
 * (ngx_http_proxy_eval): then `variables` is set, `upstream` is null and the fields that describe
 * the URL (https, hostHeader, port, uri, location) are those of nothing yet.
 */
export interface ProxyPass {
  /** The upstream of a constant URL; null with variables. */
  readonly upstream: UpstreamConf | null;
  readonly https: boolean;
  /** `http://` or `https://` as written (u->schema, shown in error log lines). */
  readonly schema: string;
  /** `$proxy_host`: the host (and port when not the default) as written, `localhost` for unix. */
  readonly hostHeader: string;
  /** `$proxy_port`. */
  readonly port: string;
  /** The URI part of the proxy_pass URL; null when it has none (the request URI goes as it came). */
  readonly uri: string | null;
  /** The location name the URI part replaces (empty in regex, named and `if` locations). */
  readonly location: string;
  /** The URL as written (plcf->url), the pattern of `proxy_redirect default`. */
  readonly url: string;
  /** The URL with variables, or null for a constant one. */
  readonly variables: ComplexValue | null;
  /** The upstreams a host evaluated per request is looked up among (ngx_http_upstream_init_request). */
  readonly upstreams: UpstreamIndex;
}

/**
 * The proxy_ssl_* settings for https upstreams (ngx_http_proxy_set_ssl,
 * ngx_http_upstream_ssl_init_connection). nginx sends no SNI and verifies nothing unless told.
 */
export interface ProxySslConf {
  /** `proxy_ssl_server_name` (off): send the name as SNI. */
  readonly serverName: boolean;
  /** `proxy_ssl_name`: the name to send and verify; by default the upstream's host. */
  readonly name: ComplexValue | null;
  /** `proxy_ssl_verify` (off). */
  readonly verify: boolean;
  /** `proxy_ssl_verify_depth` (1). */
  readonly verifyDepth: number;
  /** `proxy_ssl_trusted_certificate`, absolute (relative to the configuration's directory). */
  readonly trustedCertificate: string | null;
  /** `proxy_ssl_crl`, absolute: revocation lists checked for every certificate of the chain. */
  readonly crl: string | null;
  /** `proxy_ssl_protocols`: TLS versions allowed (TLSv1 to TLSv1.3 by default). */
  readonly protocols: readonly string[];
  /** `proxy_ssl_ciphers` (DEFAULT): OpenSSL's list for TLS 1.2 and below. */
  readonly ciphers: string;
  /** `proxy_ssl_certificate` and `_key` without variables, absolute; null when not set. */
  readonly certificate: string | null;
  readonly certificateKey: string | null;
  /** `proxy_ssl_password_file`, absolute: the passwords tried on an encrypted key, in order. */
  readonly passwordFile: string | null;
  /** `proxy_ssl_session_reuse` (on): each peer's last session is offered again. */
  readonly sessionReuse: boolean;
}

/**
 * One proxy_redirect rule (ngx_http_proxy_rewrite_t): a prefix compared byte for byte, or a regex
 * whose match replaces the whole value; the replacement may use variables and the regex captures.
 */
export type ProxyRedirect =
  | { readonly kind: 'prefix'; readonly pattern: ComplexValue; readonly replacement: ComplexValue }
  | {
      readonly kind: 'regex';
      readonly re: RegExp;
      readonly names: readonly { readonly name: string; readonly index: number }[];
      readonly replacement: ComplexValue;
    };

/** One header the upstream request gets from proxy_set_header or nginx's defaults. */
export interface ProxyHeader {
  readonly name: string;
  readonly value: ComplexValue;
}

export interface ProxyLocConf {
  readonly pass: ProxyPass | null;
  /** proxy_redirect rules for Location and Refresh; null when off or there are none. */
  readonly redirects: readonly ProxyRedirect[] | null;
  /** The merged list: the level's proxy_set_header entries, then nginx's defaults not overridden. */
  readonly headers: readonly ProxyHeader[];
  /** Lower-cased names of `headers`: client headers with these names are not passed. */
  readonly headerNames: ReadonlySet<string>;
  readonly httpVersion: '1.0' | '1.1';
  readonly passRequestHeaders: boolean;
  readonly passRequestBody: boolean;
  readonly setBody: ComplexValue | null;
  readonly method: ComplexValue | null;
  /** proxy_ignore_headers, lower-cased (X-Accel-Redirect is the one ngts acts on). */
  readonly ignoreHeaders: ReadonlySet<string>;
  /** Lower-cased names of upstream response headers not passed to the client. */
  readonly hideHeaders: ReadonlySet<string>;
  readonly connectTimeout: number;
  readonly readTimeout: number;
  readonly sendTimeout: number;
  readonly buffering: boolean;
  readonly requestBuffering: boolean;
  readonly interceptErrors: boolean;
  /** proxy_ignore_client_abort: off closes the upstream connection when the client goes away. */
  readonly ignoreClientAbort: boolean;
  /** proxy_next_upstream conditions (error, timeout, invalid_header, http_502, …, off). */
  readonly nextUpstream: ReadonlySet<string>;
  readonly nextUpstreamTries: number;
  readonly bufferSize: number;
  readonly ssl: ProxySslConf;
}

// ngx_http_proxy_headers: the upstream request's headers unless proxy_set_header names them.
const DEFAULT_HEADERS: readonly [string, string][] = [
  ['Host', '$proxy_host'],
  ['Connection', 'close'],
  ['Content-Length', '$proxy_internal_body_length'],
  ['Transfer-Encoding', '$proxy_internal_chunked'],
  ['TE', ''],
  ['Keep-Alive', ''],
  ['Expect', ''],
  ['Upgrade', ''],
];

// ngx_http_proxy_hide_headers: upstream response headers nginx never passes by default.
const DEFAULT_HIDE = ['date', 'server', 'x-pad', 'x-accel-expires', 'x-accel-redirect', 'x-accel-limit-rate', 'x-accel-buffering', 'x-accel-charset'];

export interface ProxyContext {
  readonly vars: VariableTable;
  readonly upstreams: ReadonlyMap<string, UpstreamConf>;
  /** Collects the upstreams proxy_pass uses, by upstreamKey. */
  readonly used: Map<string, UpstreamConf>;
  /** The main file's directory with a slash: where proxy_ssl_* files are looked for. */
  readonly confPrefix: string;
  /**
   * Collects, in configuration order, the proxy_ssl_* settings of every level whose own
   * proxy_pass may go over TLS (https://, or a URL with variables): ngx_http_proxy_set_ssl reads
   * their files while merging, so a missing one stops nginx at start-up.
   */
  readonly tls: ProxySslConf[];
  /** The check's global state: its parse of each proxy_pass URL (checkedProxyUrl). */
  readonly checkState: ReadonlyMap<string, unknown>;
}

/** The key under which an upstream's peers are kept: its name, or `host:port` when implicit. */
export function upstreamKeyOf(u: UpstreamConf): string {
  return u.explicit ? u.name : u.servers[0]!.text;
}


/** Compiles the proxy configuration of a location (or `if`) level. */
export function compileProxyLocConf(level: ConfLevel, cx: ProxyContext): ProxyLocConf {
  const { headers, headerNames } = mergedHeaders(level.inherited('proxy_set_header'), cx);
  const next = level.get('proxy_next_upstream');
  const ignore = level.get('proxy_ignore_headers');
  const setBody = level.value('proxy_set_body');
  const method = level.value('proxy_method');
  const pass = compilePass(level, cx);
  const ssl = compileSsl(level, cx);
  if (pass !== null && (pass.https || pass.variables !== null) && level.ownFirst('proxy_pass') !== undefined) cx.tls.push(ssl);
  return Object.freeze({
    pass,
    redirects: mergeRedirects(level, cx).list,
    headers,
    headerNames,
    httpVersion: level.value('proxy_http_version') === '1.1' ? '1.1' : '1.0',
    passRequestHeaders: level.flag('proxy_pass_request_headers', true),
    passRequestBody: level.flag('proxy_pass_request_body', true),
    setBody: setBody === undefined ? null : compileComplexValue(setBody, cx.vars),
    method: method === undefined ? null : compileComplexValue(method, cx.vars),
    hideHeaders: hiddenHeaders(level),
    ignoreHeaders: ignore === undefined ? EMPTY_SET : argSet(ignore, true),
    connectTimeout: level.msec('proxy_connect_timeout', 60_000),
    readTimeout: level.msec('proxy_read_timeout', 60_000),
    sendTimeout: level.msec('proxy_send_timeout', 60_000),
    buffering: level.flag('proxy_buffering', true),
    requestBuffering: level.flag('proxy_request_buffering', true),
    interceptErrors: level.flag('proxy_intercept_errors', false),
    ignoreClientAbort: level.flag('proxy_ignore_client_abort', false),
    nextUpstream: next === undefined ? DEFAULT_NEXT_UPSTREAM : argSet(next),
    nextUpstreamTries: Number(level.value('proxy_next_upstream_tries') ?? 0) || 0,
    bufferSize: parseSize(level.value('proxy_buffer_size') ?? '') ?? 4096,
    ssl,
  });
}

// The lists below are made once per directive (or header lines) they come from: as in nginx's merge, levels that inherit a list share it (10,000 locations made
// 10,000 of each). They are frozen or never changed after, so sharing them is safe.
const EMPTY_SET: ReadonlySet<string> = new Set();
const DEFAULT_NEXT_UPSTREAM: ReadonlySet<string> = new Set(['error', 'timeout']);
const argSets = new WeakMap<Directive, ReadonlySet<string>>();
const lowerCasedSets = new WeakMap<Directive, ReadonlySet<string>>();
const headerLists = new WeakMap<VariableTable, Map<string, MergedHeaders>>();

/** A directive's arguments as a set, lower-cased for header names: made once per directive. */
function argSet(d: Directive, lowerCase = false): ReadonlySet<string> {
  const cache = lowerCase ? lowerCasedSets : argSets;
  let set = cache.get(d);
  if (set === undefined) cache.set(d, (set = new Set(d.args.map((a) => (lowerCase ? a.value.toLowerCase() : a.value)))));
  return set;
}

type MergedHeaders = { readonly headers: readonly ProxyHeader[]; readonly headerNames: ReadonlySet<string> };

/**
 * ngx_http_proxy_init_headers: the level's proxy_set_header lines, then the defaults they leave.
 * Kept per variable table, whose slots the compiled values name (one configuration may be
 * compiled more than once, each time with its own table), by the lines' text: locations that
 * write the same lines (`proxy_set_header Host $host;` in each) share one list.
 */
function mergedHeaders(lines: readonly Directive[], cx: ProxyContext): MergedHeaders {
  let cache = headerLists.get(cx.vars);
  if (cache === undefined) headerLists.set(cx.vars, (cache = new Map()));
  let key = '';
  for (let i = 0; i < lines.length; i++) key += `${lines[i]!.args[0]?.value ?? ''}\0${lines[i]!.args[1]?.value ?? ''}\0`;
  let made = cache.get(key);
  if (made !== undefined) return made;
  const merged: [string, string][] = lines.map((d) => [d.args[0]?.value ?? '', d.args[1]?.value ?? '']);
  for (const [name, value] of DEFAULT_HEADERS) {
    if (!merged.some(([n]) => n.toLowerCase() === name.toLowerCase())) merged.push([name, value]);
  }
  made = { headers: Object.freeze(merged.map(([name, value]) => ({ name, value: compileComplexValue(value, cx.vars) }))), headerNames: new Set(merged.map(([n]) => n.toLowerCase())) };
  cache.set(key, made);
  return made;
}

/** The directives hiddenHeaders reads (ConfLevel.merged; test/compile/merged-conf.test.ts). */
export const HIDE_HEADER_DIRECTIVES: ReadonlySet<string> = new Set(['proxy_hide_header', 'proxy_pass_header']);

/**
 * nginx's hidden headers, with proxy_hide_header's added and proxy_pass_header's removed: made for
 * the levels that write either, shared by the levels below that write neither.
 */
function hiddenHeaders(level: ConfLevel): ReadonlySet<string> {
  return level.merged(HIDE_HEADER_DIRECTIVES, (l) => {
    const made = new Set(DEFAULT_HIDE);
    for (const d of l.inherited('proxy_hide_header')) made.add((d.args[0]?.value ?? '').toLowerCase());
    for (const d of l.inherited('proxy_pass_header')) made.delete((d.args[0]?.value ?? '').toLowerCase());
    return made;
  });
}

// nginx 1.22's default proxy_ssl_protocols: TLSv1 TLSv1.1 TLSv1.2 (TLSv1.3 only when listed).
const DEFAULT_PROTOCOLS = ['TLSv1', 'TLSv1.1', 'TLSv1.2'];

// A proxy_ssl_* file: ngx_conf_full_name with the configuration prefix; null with variables.
function sslFile(level: ConfLevel, name: string, cx: ProxyContext): string | null {
  const v = level.value(name);
  if (v === undefined || countVariables(v) > 0) return null;
  return fullName(cx.confPrefix, v);
}

/**
 * Every directive compileSsl reads: a level that writes none of them shares the proxy_ssl_* settings
 * of the level around it (ConfLevel.merged), and with them its client TLS context
 * (upstream-ssl.ts keeps one per settings object). test/compile/merged-conf.test.ts holds this list
 * to what the compile reads.
 */
export const PROXY_SSL_DIRECTIVES: ReadonlySet<string> = new Set([
  'proxy_ssl_name',
  'proxy_ssl_protocols',
  'proxy_ssl_server_name',
  'proxy_ssl_verify',
  'proxy_ssl_verify_depth',
  'proxy_ssl_trusted_certificate',
  'proxy_ssl_crl',
  'proxy_ssl_ciphers',
  'proxy_ssl_certificate',
  'proxy_ssl_certificate_key',
  'proxy_ssl_password_file',
  'proxy_ssl_session_reuse',
]);

function compileSsl(level: ConfLevel, cx: ProxyContext): ProxySslConf {
  return level.merged(PROXY_SSL_DIRECTIVES, (l) => compileSslOf(l, cx));
}

function compileSslOf(level: ConfLevel, cx: ProxyContext): ProxySslConf {
  const name = level.value('proxy_ssl_name');
  const protocols = level.get('proxy_ssl_protocols');
  return Object.freeze({
    serverName: level.flag('proxy_ssl_server_name', false),
    name: name === undefined ? null : compileComplexValue(name, cx.vars),
    verify: level.flag('proxy_ssl_verify', false),
    verifyDepth: parseNumber(level.value('proxy_ssl_verify_depth') ?? '') ?? 1,
    trustedCertificate: sslFile(level, 'proxy_ssl_trusted_certificate', cx),
    crl: sslFile(level, 'proxy_ssl_crl', cx),
    protocols: Object.freeze(protocols === undefined ? DEFAULT_PROTOCOLS : protocols.args.map((a) => a.value)),
    ciphers: level.value('proxy_ssl_ciphers') ?? 'DEFAULT',
    certificate: sslFile(level, 'proxy_ssl_certificate', cx),
    certificateKey: sslFile(level, 'proxy_ssl_certificate_key', cx),
    passwordFile: sslFile(level, 'proxy_ssl_password_file', cx),
    sessionReuse: level.flag('proxy_ssl_session_reuse', true),
  });
}

// ngx_http_proxy_pass: not inherited by nested locations, but `if` and `limit_except` blocks
// (nginx's nameless locations) take their location's.
// Made once per level: proxy_redirect's default rule reads it again.
function compilePass(level: ConfLevel, cx: ProxyContext): ProxyPass | null {
  return level.memo(passOf, () => passOf(level, cx));
}

function passOf(level: ConfLevel, cx: ProxyContext): ProxyPass | null {
  let at: ConfLevel | null = level;
  let d = undefined;
  while (at) {
    d = at.ownFirst('proxy_pass');
    if (d !== undefined || !at.nameless) break;
    at = at.parent;
  }
  if (d === undefined || at === null) return null;
  const url = d.args[0]?.value ?? '';
  const upstreams: UpstreamIndex = { explicit: cx.upstreams, proxied: cx.used };
  if (countVariables(url) > 0) {
    // ngx_http_proxy_pass with variables: nothing about the URL is known before the request.
    return { upstream: null, https: false, schema: '', hostHeader: '', port: '', uri: null, location: '', url, variables: compileComplexValue(url, cx.vars), upstreams };
  }
  const lower = url.toLowerCase();
  const https = lower.startsWith('https://');
  const rest = url.slice(https ? 8 : 7);
  const port = https ? 443 : 80;
  const parsed = checkedProxyUrl(cx.checkState, rest, port) ?? parseUrl(rest, { defaultPort: port, uriPart: true });
  if (!parsed.ok) return null;
  const u = parsed.url;
  const a = u.address;
  const unix = a.family === 'unix';
  const host = a.family === 'unix' ? a.path : a.family === 'name' ? a.host : a.addr;
  // An upstream block of that name (without a port) wins over a host name.
  // ngx_http_upstream_add compares names without regard to case.
  let named: UpstreamConf | undefined;
  if (u.noPort) {
    named = cx.upstreams.get(u.host);
    const lower = u.host.toLowerCase();
    if (named === undefined) for (const [name, up] of cx.upstreams) if (name.toLowerCase() === lower) named = up;
  }
  // ngx_http_upstream_add: proxy_pass directives naming the same host:port share one implicit upstream.
  let upstream = named ?? implicitUpstream(host, u.port, unix, d.span.file, d.terminator.line);
  const shared = cx.used.get(upstreamKeyOf(upstream));
  if (shared) upstream = shared;
  else cx.used.set(upstreamKeyOf(upstream), upstream);
  const hostHeader = unix ? 'localhost' : u.noPort || u.port === (https ? 443 : 80) ? u.host : `${u.host}:${u.portText}`;
  // The location a URI part replaces: none in regex, named and `if` locations.
  const block = at.kind === 'location' ? at.block : null;
  const mod = block && block.args.length > 1 ? block.args[0]?.value : '';
  const name = block ? (block.args[block.args.length - 1]?.value ?? '') : '';
  const location = block && mod !== '~' && mod !== '~*' && !name.startsWith('@') ? name : '';
  return {
    upstream,
    https,
    schema: url.slice(0, https ? 8 : 7),
    hostHeader,
    port: unix ? '' : u.noPort || u.port === (https ? 443 : 80) ? (https ? '443' : '80') : u.portText,
    uri: u.uri === '' ? null : u.uri,
    location,
    url,
    variables: null,
    upstreams,
  };
}

type RedirectMerge = { readonly redirect: boolean; readonly list: readonly ProxyRedirect[] | null };

/**
 * ngx_http_proxy_merge_loc_conf for proxy_redirect, from the http level down to `level`: `off`
 * turns rewriting off for the levels below too; a level without rules takes its parent's list;
 * a level left without any that has its own proxy_pass gets the default rule (so a nested location
 * with proxy_pass keeps its parent's default rule, made from the parent's URL).
 */
function mergeRedirects(level: ConfLevel, cx: ProxyContext): RedirectMerge {
  // Made once per level: every location below a server reads the server's and the http level's.
  return level.memo(mergeRedirectsOf, () => mergeRedirectsOf(level, cx));
}

function mergeRedirectsOf(level: ConfLevel, cx: ProxyContext): RedirectMerge {
  const prev: RedirectMerge = level.parent === null ? { redirect: true, list: null } : mergeRedirects(level.parent, cx);
  const own = level.own('proxy_redirect');
  const ownPass = level.kind === 'location' || level.nameless ? level.ownFirst('proxy_pass') : undefined;
  let redirect = prev.redirect;
  let list: ProxyRedirect[] | null = null;
  if (own.length > 0) {
    if (own[0]!.args.length === 1 && own[0]!.args[0]!.value === 'off') redirect = false;
    else {
      redirect = true;
      list = [];
      for (const d of own) {
        const [from = '', to] = d.args.map((a) => a.value);
        if (to === undefined) {
          const rule = ownPass === undefined ? null : defaultRedirect(level, ownPass.args[0]?.value ?? '', cx);
          if (rule !== null) list.push(rule);
          continue;
        }
        list.push(redirectRule(from, to, cx));
      }
    }
  }
  if (!redirect) return { redirect, list: null };
  if (list !== null) return { redirect, list: Object.freeze(list) };
  if (prev.list !== null) return { redirect, list: prev.list };
  const rule = ownPass === undefined ? null : defaultRedirect(level, ownPass.args[0]?.value ?? '', cx);
  if (rule !== null) return { redirect, list: Object.freeze([rule]) };
  return { redirect, list: null };
}

// The rule of `proxy_redirect default`: the URL becomes the location's name, or, without a URI
// part, `URL/` becomes `/`.
function defaultRedirect(level: ConfLevel, url: string, cx: ProxyContext): ProxyRedirect | null {
  const pass = compilePass(level, cx);
  // plcf->url stays empty for a URL with variables: no default rule (-t refuses an explicit one).
  if (pass !== null && pass.variables !== null) return null;
  if (pass !== null && pass.uri !== null) {
    return { kind: 'prefix', pattern: compileComplexValue(url, cx.vars), replacement: compileComplexValue(pass.location, cx.vars) };
  }
  return { kind: 'prefix', pattern: compileComplexValue(url + '/', cx.vars), replacement: compileComplexValue('/', cx.vars) };
}

function redirectRule(from: string, to: string, cx: ProxyContext): ProxyRedirect {
  const replacement = compileComplexValue(to, cx.vars);
  if (from.startsWith('~')) {
    const caseless = from.startsWith('~*');
    const r = compilePcre(from.slice(caseless ? 2 : 1), caseless);
    if (r.ok) return { kind: 'regex', re: r.re, names: r.names.map((name) => ({ name, index: cx.vars.index(name).index })), replacement };
    // -t refuses an invalid regex; one JavaScript cannot run never matches.
    return { kind: 'regex', re: /(?!)/, names: [], replacement };
  }
  return { kind: 'prefix', pattern: compileComplexValue(from, cx.vars), replacement };
}
