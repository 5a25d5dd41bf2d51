/**
 * The merged location configuration of every module the request path runs, for one level (a
 * location, or a server's own when no location matches): what r->loc_conf holds in nginx.
 */
import { compileComplexValue, type ComplexValue } from './complex-value.js';
import type { ConfLevel } from './conf-level.js';
import type { VariableTable } from './variable-table.js';
import { compileProxyLocConf, type ProxyContext, type ProxyLocConf } from './proxy-conf.js';
import { compileHeadersConf, type HeadersConf } from './headers-conf.js';
import { compileAccessConf, type AccessConf } from './access-conf.js';
import { compileRealIpConf, type RealIpConf } from './realip-conf.js';
import { compileAccessLogs, type AccessLog, type LogBufferConf, type LogFormat } from './log-conf.js';
import { compileErrorLogs, errorLogTargets, type ErrorLogTarget } from './error-log-conf.js';
import { compileAuthRequestConf, type AuthRequestConf } from './auth-request-conf.js';
import { compileAuthBasicConf, type AuthBasicConf } from './auth-basic-conf.js';
import { compileLimitConnConf, compileLimitReqConf, type LimitConnConf, type LimitReqConf } from './limit-conf.js';
import { compileCoreLocConf, type CoreLocConf } from './http-core-conf.js';

export interface HttpLocConf {
  readonly core: CoreLocConf;
  /** ngx_http_index_module: `index` files in order (default `index.html`). */
  readonly index: readonly string[];
  /** `rewrite_log`: rewrite results logged at notice level. */
  readonly rewriteLog: boolean;
  /** `uninitialized_variable_warn` (on). */
  readonly uninitializedVariableWarn: boolean;
  /**
   * A content handler of this level that ngts cannot run yet (its directive name), or null. An
   * `if` or `limit_except` block inherits its location's, as nginx's modules merge their pass
   * into nameless levels.
   */
  readonly unsupported: string | null;
  /**
   * ngx_http_stub_status_module: `stub_status` is this level's content handler (an `if` block
   * without a handler of its own keeps its location's).
   */
  readonly stubStatus: boolean;
  /** `error_page` entries of the nearest level that has any (inherited whole). */
  readonly errorPages: readonly ErrorPage[];
  /** ngx_http_realip_module (null: no set_real_ip_from). */
  readonly realIp: RealIpConf | null;
  /** ngx_http_log_module: the access logs in force ([] for off or none). */
  readonly accessLogs: readonly AccessLog[];
  /** `error_log` of the nearest level inside http that has any; null: the main context's. */
  readonly errorLogs: readonly ErrorLogTarget[] | null;
  /** ngx_http_limit_req_module / ngx_http_limit_conn_module (null: no limits). */
  readonly limitReq: LimitReqConf | null;
  readonly limitConn: LimitConnConf | null;
  /** ngx_http_auth_basic_module (null: none). */
  readonly authBasic: AuthBasicConf | null;
  /** ngx_http_auth_request_module (null: none or off). */
  readonly authRequest: AuthRequestConf | null;
  /** ngx_http_access_module: allow/deny of the nearest level with any, or null. */
  readonly access: AccessConf | null;
  /** `satisfy` (all). */
  readonly satisfyAny: boolean;
  /** ngx_http_try_files_module (not inherited: a level has its own or none). */
  readonly tryFiles: TryFilesConf | null;
  /** ngx_http_headers_filter_module: add_header, expires. */
  readonly headers: HeadersConf;
  /** ngx_http_proxy_module; `pass` is null where there is no proxy_pass. */
  readonly proxy: ProxyLocConf;
  /**
   * `limit_except` of a location (ngx_http_core_limit_except): the methods it lets through with
   * this configuration, and the configuration of its block, which every other method gets
   * (ngx_http_update_location_config). Null elsewhere: nested locations and `if` blocks do not
   * inherit it.
   */
  readonly limitExcept: LimitExcept | null;
}

export interface LimitExcept {
  /** The methods listed (upper case); GET brings HEAD. */
  readonly methods: ReadonlySet<string>;
  /** The block's level, merged from its location's as nginx merges a nameless location. */
  readonly conf: HttpLocConf;
  /** Where the block is (for `ngts route`). */
  readonly file: string;
  readonly line: number;
}

/** `try_files`: the candidates, then the fallback URI, `@name` or `=code`. */
export interface TryFilesConf {
  readonly candidates: readonly { readonly name: ComplexValue; readonly testDir: boolean }[];
  readonly fallback: { readonly code: number } | { readonly uri: ComplexValue };
}

// ngx_http_try_files: a candidate ending in `/` tests for a directory (and loses the slash).
function compileTryFiles(level: ConfLevel, vars: VariableTable): TryFilesConf | null {
  const d = level.ownFirst('try_files');
  if (!d) return null;
  const args = d.args.map((a) => a.value);
  const last = args[args.length - 1] ?? '';
  const candidates = args.slice(0, -1).map((a) => {
    const testDir = a.endsWith('/');
    return { name: compileComplexValue(testDir ? a.slice(0, -1) : a, vars), testDir };
  });
  const fallback = last.startsWith('=') ? { code: Number(last.slice(1)) } : { uri: compileComplexValue(last, vars) };
  return Object.freeze({ candidates: Object.freeze(candidates), fallback });
}

/**
 * What compiling a level's location configuration needs besides the level: the proxy module's
 * context (variables, upstreams, conf_prefix, the TLS settings and the check's state), and what
 * the other modules read or collect.
 */
export interface LocConfContext extends ProxyContext {
  readonly prefix: string;
  readonly logFormats: ReadonlyMap<string, LogFormat>;
  /** Collects every access_log path without variables, to be opened at start-up. */
  readonly logPaths: Set<string>;
  /** The buffer of each buffered access_log path. */
  readonly logBuffers: Map<string, LogBufferConf>;
  /** Collects every error_log path of the http block, to be opened at start-up. */
  readonly errorLogPaths: Set<string>;
}

/** One status of an `error_page` directive (ngx_http_err_page_t). */
export interface ErrorPage {
  readonly status: number;
  /** -1: keep the error status; 0 (`=`): the redirected request's status; else `=CODE`. */
  readonly overwrite: number;
  /** The URI, `@name` or URL. */
  readonly value: ComplexValue;
  /** For a constant `/uri?args`, the args split off at compile time. */
  readonly args: string;
}

const DEFAULT_INDEX: readonly string[] = Object.freeze(['index.html']);
/** The directive compileIndex reads (ConfLevel.merged; test/compile/merged-conf.test.ts). */
export const INDEX_DIRECTIVES: ReadonlySet<string> = new Set(['index']);

/** ngx_http_index_module's list, made for the levels with `index`: the levels below share it. */
function compileIndex(level: ConfLevel): readonly string[] {
  return level.merged(INDEX_DIRECTIVES, (l) => {
    const lines = l.inherited('index');
    return lines.length === 0 ? DEFAULT_INDEX : Object.freeze(lines.flatMap((d) => d.args.map((a) => a.value)));
  });
}

const NO_ERROR_PAGES: readonly ErrorPage[] = Object.freeze([]);

/** Compiles the `error_page` directives of the nearest level that has any. */
function compileErrorPages(level: ConfLevel, vars: VariableTable): readonly ErrorPage[] {
  const lines = level.inherited('error_page');
  if (lines.length === 0) return NO_ERROR_PAGES;
  const out: ErrorPage[] = [];
  for (const d of lines) {
    const values = d.args.map((a) => a.value);
    let n = 1;
    let overwrite = -1;
    const eq = values[values.length - 2] ?? '';
    if (eq.startsWith('=')) {
      n = 2;
      overwrite = eq.length > 1 ? Number(eq.slice(1)) : 0;
    }
    let uri = values[values.length - 1] ?? '';
    let args = '';
    if (!uri.includes('$') && uri.startsWith('/')) {
      const q = uri.indexOf('?');
      if (q >= 0) {
        args = uri.slice(q + 1);
        uri = uri.slice(0, q);
      }
    }
    const value = compileComplexValue(uri, vars);
    for (const code of values.slice(0, values.length - n)) {
      const status = Number(code);
      let ow = overwrite;
      if (ow === -1 && (status === 494 || status === 495 || status === 496 || status === 497)) ow = 400;
      out.push({ status, overwrite: ow, value, args });
    }
  }
  return Object.freeze(out);
}

/** Content handler directives ngts does not run yet. */
const NOT_YET = ['fastcgi_pass', 'uwsgi_pass', 'scgi_pass', 'grpc_pass', 'memcached_pass', 'empty_gif'];

/** The directives that set a level's content handler (clcf->handler); the last one written wins. */
const HANDLER_SETTERS = new Set(['proxy_pass', 'fastcgi_pass', 'uwsgi_pass', 'scgi_pass', 'grpc_pass', 'memcached_pass', 'stub_status', 'empty_gif']);

// ngx_http_set_stub_status: clcf->handler of the level itself, which merging does not pass to
// nested locations. An `if` level without a handler keeps r->content_handler from its location
// (ngx_http_update_location_config only replaces it with a handler of the `if`'s own).
function compileStubStatus(level: ConfLevel): boolean {
  if (level.kind !== 'location' && level.kind !== 'if' && level.kind !== 'server') return false;
  for (let l: ConfLevel | null = level; l; l = l.parent) {
    const list = l.directives;
    for (let i = list.length - 1; i >= 0; i--) if (HANDLER_SETTERS.has(list[i]!.name)) return list[i]!.name === 'stub_status';
    if (l.kind !== 'if') return false;
  }
  return false;
}

function unsupportedHandler(level: ConfLevel): string | null {
  for (let l: ConfLevel | null = level; l; l = l.parent) {
    for (const name of NOT_YET) if (l.own(name).length) return name;
    if (!l.nameless) return null;
  }
  return null;
}

/**
 * Every log file the lines of `level` itself name, whether or not a request at some level will
 * write to it: nginx opens a file for each access_log and error_log line as it reads it
 * (ngx_conf_open_file), also one overridden at every level below or written next to
 * `access_log off`, and a file it cannot open stops the start (and -t). Paths with variables are
 * opened per request, syslog: and memory: are no files.
 */
export function registerLogFiles(level: ConfLevel, cx: LocConfContext): void {
  for (const d of level.own('access_log')) {
    const path = d.args[0]?.value ?? '';
    if (path !== 'off' && !path.startsWith('syslog:') && !path.includes('$')) cx.logPaths.add(path);
  }
  for (const t of errorLogTargets(level)) cx.errorLogPaths.add(t.path);
}

/** Compiles the location configuration of `level` with nginx's inheritance. */
export function compileLocConf(level: ConfLevel, cx: LocConfContext): HttpLocConf {
  const { prefix, vars } = cx;
  registerLogFiles(level, cx);
  return Object.freeze({
    core: compileCoreLocConf(level, prefix, vars),
    index: compileIndex(level),
    rewriteLog: level.value('rewrite_log') === 'on',
    uninitializedVariableWarn: level.value('uninitialized_variable_warn') !== 'off',
    unsupported: level.kind === 'location' || level.nameless ? unsupportedHandler(level) : null,
    stubStatus: compileStubStatus(level),
    errorPages: compileErrorPages(level, vars),
    realIp: compileRealIpConf(level),
    accessLogs: collectBuffers(compileAccessLogs(level, cx.logFormats, vars), cx),
    errorLogs: compileErrorLogs(level),
    limitReq: compileLimitReqConf(level),
    limitConn: compileLimitConnConf(level),
    access: compileAccessConf(level),
    authBasic: compileAuthBasicConf(level, vars, cx.confPrefix),
    authRequest: compileAuthRequestConf(level, vars),
    satisfyAny: level.value('satisfy') === 'any',
    tryFiles: level.kind === 'location' || level.kind === 'server' ? compileTryFiles(level, vars) : null,
    headers: compileHeadersConf(level, vars),
    proxy: compileProxyLocConf(level, cx),
    limitExcept: level.kind === 'location' ? compileLimitExcept(level, cx) : null,
  });
}

function compileLimitExcept(level: ConfLevel, cx: LocConfContext): LimitExcept | null {
  const d = level.ownFirst('limit_except');
  if (d === undefined || d.block === null) return null;
  const methods = new Set(d.args.map((a) => a.value.toUpperCase()));
  if (methods.has('GET')) methods.add('HEAD');
  const conf = compileLocConf(level.child('limit_except', d), cx);
  return Object.freeze({ methods, conf, file: d.span.file, line: d.terminator.line });
}

// The files themselves are registered by registerLogFiles, for every line; a buffer belongs to
// the log that writes with it.
function collectBuffers(logs: readonly AccessLog[], cx: LocConfContext): readonly AccessLog[] {
  for (const l of logs) if (l.script === null && l.buffer !== null) cx.logBuffers.set(l.path, l.buffer);
  return logs;
}
