/**
 * ngx_http_core_module's server and location configuration, merged as nginx merges it
 * (ngx_http_core_merge_srv_conf, ngx_http_core_merge_loc_conf) into frozen objects the request
 * path reads directly.
 */
import { parseNumber, parseOffset, parseSize, parseTime } from '../config/values.js';
import type { RequestReadConfig } from '../runtime/http/parse-request.js';
import type { ServerTokens } from '../runtime/http/special-response.js';
import { directivesOf } from '../config/checks/expanded.js';
import { fullName } from '../config/source.js';
import type { ConfLevel } from './conf-level.js';
import { compileComplexValue, type ComplexValue } from './complex-value.js';
import { compileResolverConf, type ResolverConf } from './resolver-conf.js';
import type { VariableTable } from './variable-table.js';

/** The server-level directives of the core module (ngx_http_core_srv_conf_t). */
export interface CoreSrvConf {
  readonly read: RequestReadConfig;
  /** `client_header_timeout` in ms. */
  readonly clientHeaderTimeout: number;
  /** The first server_name, for `server_name_in_redirect` and `$server_name`. */
  readonly serverName: string;
}

/** The location-level directives of the core module (ngx_http_core_loc_conf_t). */
export interface CoreLocConf {
  readonly serverTokens: ServerTokens;
  readonly msiePadding: boolean;
  readonly msieRefresh: boolean;
  /** `keepalive_timeout` in ms; 0 disables keep-alive. */
  readonly keepaliveTimeout: number;
  /** The optional second `keepalive_timeout` argument: the `Keep-Alive: timeout=` seconds. */
  readonly keepaliveHeader: number;
  readonly keepaliveRequests: number;
  /** `keepalive_time` in ms (1h). */
  readonly keepaliveTime: number;
  /** `keepalive_disable`: msie6 (default) and/or safari. */
  readonly keepaliveDisable: { readonly msie6: boolean; readonly safari: boolean };
  /** `client_max_body_size` in bytes; 0 means unlimited. */
  readonly clientMaxBodySize: number;
  readonly clientBodyTimeout: number;
  readonly sendTimeout: number;
  readonly defaultType: string;
  /** Extension (lower-case) → MIME type, from the nearest `types` blocks. */
  readonly types: ReadonlyMap<string, string>;
  readonly absoluteRedirect: boolean;
  readonly serverNameInRedirect: boolean;
  readonly portInRedirect: boolean;
  readonly lingeringClose: 'on' | 'off' | 'always';
  readonly lingeringTime: number;
  readonly lingeringTimeout: number;
  readonly resetTimedoutConnection: boolean;
  readonly logNotFound: boolean;
  readonly etag: boolean;
  readonly chunkedTransferEncoding: boolean;
  readonly ifModifiedSince: 'off' | 'exact' | 'before';
  readonly recursiveErrorPages: boolean;
  /** `max_ranges`: -1 for unlimited (the default), 0 turns ranges off. */
  readonly maxRanges: number;
  /** `root` or `alias`, absolute (a relative path resolves against the prefix). */
  readonly root: string;
  /** True for `alias`: the location's name is cut from the URI before the path is appended. */
  readonly alias: boolean;
  /** For `alias` in a prefix location: how many bytes of the URI the alias replaces. */
  readonly aliasLength: number;
  /** `root`/`alias` with variables: evaluated per request (then made absolute against `prefix`). */
  readonly rootValue: ComplexValue | null;
  /** The prefix, for roots with variables that evaluate to a relative path (ngx_get_full_name). */
  readonly prefix: string;
  /** `resolver` with `resolver_timeout` (null: none, requests that need one get 502). */
  readonly resolver: ResolverConf | null;
}

/** nginx's built-in `types` when no level has a `types` block (ngx_http_core_default_types). */
const DEFAULT_TYPES: ReadonlyMap<string, string> = new Map([
  ['html', 'text/html'],
  ['gif', 'image/gif'],
  ['jpg', 'image/jpeg'],
]);


function sec(v: string | undefined, dflt: number): number {
  return v === undefined ? dflt : (parseTime(v, true) ?? dflt);
}

/** Compiles the core server configuration of a server level. */
export function compileCoreSrvConf(server: ConfLevel, serverName: string): CoreSrvConf {
  const buffers = server.get('large_client_header_buffers');
  const num = parseNumber(buffers?.args[0]?.value ?? '') ?? 4;
  const size = parseSize(buffers?.args[1]?.value ?? '') ?? 8192;
  const read: RequestReadConfig = Object.freeze({
    clientHeaderBufferSize: parseSize(server.value('client_header_buffer_size') ?? '') ?? 1024,
    largeClientHeaderBuffers: Object.freeze({ num, size }),
    ignoreInvalidHeaders: server.flag('ignore_invalid_headers', true),
    underscoresInHeaders: server.flag('underscores_in_headers', false),
    mergeSlashes: server.flag('merge_slashes', true),
  });
  return Object.freeze({ read, clientHeaderTimeout: server.msec('client_header_timeout', 60_000), serverName });
}

/**
 * Every directive compileCoreLocConf reads, at its level or one around it. A level that writes
 * none of them shares the core conf of the level around it (ConfLevel.merged); one missing here
 * would make a level that writes only it take its parent's value. test/compile/merged-conf.test.ts
 * records what the compile reads and holds this list to it.
 */
export const CORE_LOC_DIRECTIVES: ReadonlySet<string> = new Set([
  'server_tokens',
  'msie_padding',
  'msie_refresh',
  'keepalive_timeout',
  'keepalive_requests',
  'keepalive_time',
  'keepalive_disable',
  'client_max_body_size',
  'client_body_timeout',
  'send_timeout',
  'default_type',
  'types',
  'absolute_redirect',
  'server_name_in_redirect',
  'port_in_redirect',
  'lingering_close',
  'lingering_time',
  'lingering_timeout',
  'reset_timedout_connection',
  'log_not_found',
  'etag',
  'chunked_transfer_encoding',
  'if_modified_since',
  'recursive_error_pages',
  'max_ranges',
  'root',
  'alias',
  'resolver',
  'resolver_timeout',
]);

/**
 * The core location configuration of a level (http, server, location, if, limit_except), shared
 * with the level around it when this one sets none of CORE_LOC_DIRECTIVES. (`internal`, which is
 * not inherited, is the location's own: LocationConf.internal.)
 */
export function compileCoreLocConf(level: ConfLevel, prefix: string, vars: VariableTable): CoreLocConf {
  return level.merged(CORE_LOC_DIRECTIVES, (l) => compileCore(l, prefix, vars));
}

function compileCore(level: ConfLevel, prefix: string, vars: VariableTable): CoreLocConf {
  const tokens = level.value('server_tokens');
  const keepalive = level.get('keepalive_timeout');
  const disable = level.get('keepalive_disable');
  const disableArgs = disable ? disable.args.map((a) => a.value) : ['msie6'];
  const lingering = level.value('lingering_close');
  const ims = level.value('if_modified_since');
  return Object.freeze({
    serverTokens: tokens === 'off' || tokens === 'build' ? tokens : 'on',
    msiePadding: level.flag('msie_padding', true),
    msieRefresh: level.flag('msie_refresh', false),
    keepaliveTimeout: keepalive ? (parseTime(keepalive.args[0]?.value ?? '', false) ?? 75_000) : 75_000,
    keepaliveHeader: keepalive ? sec(keepalive.args[1]?.value, 0) : 0,
    keepaliveRequests: parseNumber(level.value('keepalive_requests') ?? '') ?? 1000,
    keepaliveTime: level.msec('keepalive_time', 3_600_000),
    keepaliveDisable: Object.freeze({
      msie6: disableArgs.includes('msie6'),
      safari: disableArgs.includes('safari'),
    }),
    clientMaxBodySize: parseOffset(level.value('client_max_body_size') ?? '') ?? 1024 * 1024,
    clientBodyTimeout: level.msec('client_body_timeout', 60_000),
    sendTimeout: level.msec('send_timeout', 60_000),
    defaultType: level.value('default_type') ?? 'text/plain',
    types: compileTypes(level),
    absoluteRedirect: level.flag('absolute_redirect', true),
    serverNameInRedirect: level.flag('server_name_in_redirect', false),
    portInRedirect: level.flag('port_in_redirect', true),
    lingeringClose: lingering === 'off' || lingering === 'always' ? lingering : 'on',
    lingeringTime: level.msec('lingering_time', 30_000),
    lingeringTimeout: level.msec('lingering_timeout', 5_000),
    resetTimedoutConnection: level.flag('reset_timedout_connection', false),
    logNotFound: level.flag('log_not_found', true),
    etag: level.flag('etag', true),
    chunkedTransferEncoding: level.flag('chunked_transfer_encoding', true),
    ifModifiedSince: ims === 'off' || ims === 'before' ? ims : 'exact',
    recursiveErrorPages: level.flag('recursive_error_pages', false),
    maxRanges: parseNumber(level.value('max_ranges') ?? '') ?? -1,
    ...compileRoot(level, prefix, vars),
    prefix,
    resolver: compileResolverConf(level),
  });
}

/**
 * The `types` of the nearest level that has any `types` block; several blocks at one level add
 * up, and a later extension entry replaces an earlier one (nginx warns about duplicates).
 */
function compileTypes(level: ConfLevel): ReadonlyMap<string, string> {
  const blocks = level.inherited('types');
  if (blocks.length === 0) return DEFAULT_TYPES;
  const map = new Map<string, string>();
  for (const b of blocks) {
    for (const s of directivesOf(b.block ?? [], level.includes)) {
      // In a types block each line is `type ext ext ...;` (ngx_http_core_type).
      const type = s.name;
      for (const a of s.args) map.set(a.value.toLowerCase(), type);
    }
  }
  return map;
}

/**
 * `root` and `alias` (ngx_http_core_root): the nearest level with either wins; `alias` is only
 * valid in a location and replaces that location's name. Default: `html` under the prefix.
 */
function compileRoot(level: ConfLevel, prefix: string, vars: VariableTable): { root: string; alias: boolean; aliasLength: number; rootValue: ComplexValue | null } {
  for (let l: ConfLevel | null = level; l; l = l.parent) {
    const root = l.ownFirst('root');
    const alias = l.ownFirst('alias');
    const d = root ?? alias;
    if (!d) continue;
    const value = d.args[0]?.value ?? '';
    if (d === alias) {
      const args = l.block?.args ?? [];
      const name = args[args.length - 1]?.value ?? '';
      // A regex location's alias is the whole path (nginx's NGX_MAX_SIZE_T_VALUE): -1.
      const regex = args.length > 1 && (args[0]?.value === '~' || args[0]?.value === '~*');
      const full = value.startsWith('$') ? value : fullName(prefix, value);
      return { root: full, alias: true, aliasLength: regex ? -1 : name.length, rootValue: value.includes('$') ? compileComplexValue(full, vars) : null };
    }
    // ngx_http_core_root strips one trailing slash before making the path absolute: `root /;` is "".
    // A value starting with `$` is made absolute per request instead.
    const stripped = value.endsWith('/') ? value.slice(0, -1) : value;
    const full = value.startsWith('/') || value.startsWith('$') ? stripped : fullName(prefix, stripped);
    return { root: full, alias: false, aliasLength: 0, rootValue: value.includes('$') ? compileComplexValue(full, vars) : null };
  }
  return { root: fullName(prefix, 'html'), alias: false, aliasLength: 0, rootValue: null };
}
