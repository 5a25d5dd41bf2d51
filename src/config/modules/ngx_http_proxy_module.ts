/**
 * ngx_http_proxy_module (src/http/modules/ngx_http_proxy_module.c): proxy_pass and everything that
 * shapes the request to and the response from the upstream. Cache and buffer tuning is accepted
 * without effect.
 *
 * proxy_pass reads the enclosing location's modifier from `cx.level.get('location:modifier')`
 * ('~', '~*', '@', …), which the dispatcher sets on entering a location and passes down.
 */
import type { Context, DirectiveSpec, ModuleSpec, Setter } from '../registry/types.js';
import { upstreamAdd } from './ngx_http_upstream_module.js';
import { cacheValidSlot, cachePathSlot, storeAndCache } from './upstream-slots.js';
import {
  accessSlot,
  bufsSlot,
  complexValueSlot,
  ignoredOnLinux,
  isDuplicate,
  pathSlot,
} from './setters.js';
import { countVariables, parseAddrPort, parseUrl } from '../values.js';
import { PROXY_SSL_VERIFY_ON } from '../checks/proxy-ssl.js';

const M = 'ngx_http_proxy_module';
const MAIN: readonly Context[] = ['HTTP_MAIN'];
const MSL: readonly Context[] = ['HTTP_MAIN', 'HTTP_SRV', 'HTTP_LOC'];

/** What proxy_pass left at this level, for proxy_redirect default. */
interface ProxyPass {
  readonly variables: boolean;
}

const PROXY_PASS = 'ngx_http_proxy_module:proxy_pass';

/**
 * The proxy_pass URLs this configuration's check has read (the text after the scheme, and the
 * default port), with what ngx_parse_url made of them: a configuration passes to a few upstreams
 * from many locations (bench/parse-check.mjs: 9,000 times `http://app`). The results are
 * read-only. Kept in the check's global state, not the module's: a server that reloads for days
 * with changing URLs does not keep every URL it ever read.
 */
const PARSED_URLS = 'ngx_http_proxy_module:parsed urls';
type ParsedUrls = Map<string, ReturnType<typeof parseUrl>>;

/**
 * What the check's ngx_parse_url made of a proxy_pass URL (`rest`: the text after the scheme;
 * `port`: the scheme's default), for the compile to use rather than parse it again; undefined when
 * the check read no such URL.
 */
export function checkedProxyUrl(global: ReadonlyMap<string, unknown>, rest: string, port: number): ReturnType<typeof parseUrl> | undefined {
  return (global.get(PARSED_URLS) as ParsedUrls | undefined)?.get(`${port} ${rest}`);
}

/**
 * ngx_http_proxy_pass: `http://` or `https://` (any case) and an upstream address, or a value with
 * variables. A URI part is refused where nginx cannot replace the matched location prefix: regex
 * and named locations, `if` and `limit_except` blocks.
 */
const proxyPass: Setter = (cx, args) => {
  if (cx.level.has(PROXY_PASS)) {
    cx.fail('is duplicate');
    return;
  }
  const url = args[0]?.value ?? '';
  if (countVariables(url) > 0) {
    cx.level.set(PROXY_PASS, { variables: true } satisfies ProxyPass);
    return;
  }
  const lower = url.slice(0, 8).toLowerCase();
  let add: number;
  let port: number;
  if (lower.startsWith('http://')) {
    add = 7;
    port = 80;
  } else if (lower === 'https://') {
    add = 8;
    port = 443;
  } else {
    cx.error('invalid URL prefix');
    return;
  }
  const rest = url.slice(add);
  const key = `${port} ${rest}`;
  let parsedUrls = cx.global.get(PARSED_URLS) as ParsedUrls | undefined;
  if (parsedUrls === undefined) cx.global.set(PARSED_URLS, (parsedUrls = new Map()));
  let u = parsedUrls.get(key);
  if (u === undefined) parsedUrls.set(key, (u = parseUrl(rest, { uriPart: true, defaultPort: port })));
  if (!u.ok) {
    cx.error(`${u.err} in upstream "${rest}"`);
    return;
  }
  if (!upstreamAdd(cx, { host: u.url.host, port: u.url.port, noPort: u.url.noPort }, false)) return;
  cx.level.set(PROXY_PASS, { variables: false } satisfies ProxyPass);
  const modifier = cx.level.get('location:modifier');
  const noUri =
    modifier === '~' || modifier === '~*' || modifier === '@' || cx.context === 'HTTP_LIF' || cx.context === 'HTTP_LMT';
  if (noUri && u.url.uri !== '') {
    cx.error(
      '"proxy_pass" cannot have URI part in location given by regular expression, ' +
        'or inside named location, or inside "if" statement, or inside "limit_except" block',
    );
  }
};

/**
 * ngx_http_proxy_redirect: `default`, `off`, or `redirect replacement` (several may be given).
 * Regex syntax is PCRE's and is not checked here.
 */
const proxyRedirect: Setter = (cx, args) => {
  const key = 'ngx_http_proxy_module:redirect';
  const state = cx.level.get(key);
  if (state === 'off') {
    cx.fail('is duplicate');
    return;
  }
  const first = args[0]?.value ?? '';
  if (args.length === 1) {
    if (first === 'off') {
      if (state === 'list') {
        cx.fail('is duplicate');
        return;
      }
      cx.level.set(key, 'off');
      return;
    }
    if (first !== 'default') {
      cx.error(`invalid parameter "${first}"`);
      return;
    }
  }
  cx.level.set(key, 'list');
  if (args.length === 1) {
    const pass = cx.level.get(PROXY_PASS) as ProxyPass | undefined;
    if (pass?.variables === true) {
      cx.error('"proxy_redirect default" cannot be used with "proxy_pass" directive with variables');
      return;
    }
    if (pass === undefined) cx.error('"proxy_redirect default" should be placed after the "proxy_pass" directive');
  }
};

/**
 * ngx_http_proxy_cookie_domain, _path and _flags: `off` alone, or rewrite rules that add up. A
 * lone argument other than `off` is refused.
 */
const proxyCookieRule: Setter = (cx, args) => {
  const key = `ngx_http_proxy_module:${cx.directive.name}`;
  const state = cx.level.get(key);
  if (state === 'off') {
    cx.fail('is duplicate');
    return;
  }
  if (args.length === 1) {
    const v = args[0]?.value ?? '';
    if (v !== 'off') {
      cx.error(`invalid parameter "${v}"`);
      return;
    }
    if (state === 'list') {
      cx.fail('is duplicate');
      return;
    }
    cx.level.set(key, 'off');
    return;
  }
  cx.level.set(key, 'list');
};

// The store/cache pair, cache paths and cache validity are the setters fastcgi, uwsgi and scgi
// share (upstream-slots.ts), bound to this module.
const { store: proxyStore, cache: proxyCache } = storeAndCache('proxy', M);
const proxyCachePath = cachePathSlot(M);

/**
 * ngx_http_upstream_bind_set_slot: `off`, or an address (variables allowed) and `transparent`,
 * which Linux supports.
 */
const proxyBind: Setter = (cx, args) => {
  if (isDuplicate(cx, `bind:${cx.directive.name}`)) return;
  const v = args[0]?.value ?? '';
  if (args.length === 1 && v === 'off') return;
  if (countVariables(v) === 0 && parseAddrPort(v) === null) {
    cx.error(`invalid address "${v}"`);
    return;
  }
  const option = args[1];
  if (option !== undefined && option.value !== 'transparent') cx.error(`invalid parameter "${option.value}"`);
};

/** ngx_http_proxy_cache_key and ngx_http_proxy_ssl_password_file: once per level. */
const oncePerLevel: Setter = (cx) => {
  isDuplicate(cx, `once:${cx.directive.name}`);
};

const NEXT_UPSTREAM = [
  'error', 'timeout', 'invalid_header', 'non_idempotent', 'http_500', 'http_502', 'http_503', 'http_504',
  'http_403', 'http_404', 'http_429', 'updating', 'off',
];

const SSL_PROTOCOLS = ['SSLv2', 'SSLv3', 'TLSv1', 'TLSv1.1', 'TLSv1.2', 'TLSv1.3'];

const IGNORE_HEADERS = [
  'X-Accel-Redirect', 'X-Accel-Expires', 'X-Accel-Limit-Rate', 'X-Accel-Buffering', 'X-Accel-Charset',
  'Expires', 'Cache-Control', 'Set-Cookie', 'Vary',
];

const directives: readonly DirectiveSpec[] = [
  {
    name: 'proxy_pass',
    module: M,
    contexts: ['HTTP_LOC', 'HTTP_LIF', 'HTTP_LMT'],
    args: [1],
    slot: { kind: 'none' },
    set: proxyPass,
    effect: 'runtime',
  },
  { name: 'proxy_redirect', module: M, contexts: MSL, args: [1, 2], slot: { kind: 'none' }, set: proxyRedirect, effect: 'runtime' },
  {
    name: 'proxy_cookie_domain',
    module: M,
    contexts: MSL,
    args: [1, 2],
    slot: { kind: 'none' },
    set: proxyCookieRule,
    effect: 'runtime',
  },
  {
    name: 'proxy_cookie_path',
    module: M,
    contexts: MSL,
    args: [1, 2],
    slot: { kind: 'none' },
    set: proxyCookieRule,
    effect: 'runtime',
  },
  {
    name: 'proxy_cookie_flags',
    module: M,
    contexts: MSL,
    args: [1, 2, 3, 4],
    slot: { kind: 'none' },
    set: proxyCookieRule,
    effect: 'runtime',
  },
  { name: 'proxy_store', module: M, contexts: MSL, args: [1], slot: { kind: 'none' }, set: proxyStore, effect: 'none' },
  { name: 'proxy_store_access', module: M, contexts: MSL, args: [1, 2, 3], slot: { kind: 'none' }, set: accessSlot, effect: 'none' },
  { name: 'proxy_buffering', module: M, contexts: MSL, args: 'FLAG', slot: { kind: 'flag' }, effect: 'none' },
  { name: 'proxy_request_buffering', module: M, contexts: MSL, args: 'FLAG', slot: { kind: 'flag' }, effect: 'runtime' },
  { name: 'proxy_ignore_client_abort', module: M, contexts: MSL, args: 'FLAG', slot: { kind: 'flag' }, effect: 'runtime' },
  { name: 'proxy_bind', module: M, contexts: MSL, args: [1, 2], slot: { kind: 'none' }, set: proxyBind, effect: 'runtime' },
  { name: 'proxy_socket_keepalive', module: M, contexts: MSL, args: 'FLAG', slot: { kind: 'flag' }, effect: 'none' },
  { name: 'proxy_connect_timeout', module: M, contexts: MSL, args: [1], slot: { kind: 'msec' }, effect: 'runtime' },
  { name: 'proxy_send_timeout', module: M, contexts: MSL, args: [1], slot: { kind: 'msec' }, effect: 'runtime' },
  {
    name: 'proxy_send_lowat',
    module: M,
    contexts: MSL,
    args: [1],
    slot: { kind: 'size' },
    // Linux has no settable SO_SNDLOWAT: ngx_http_proxy_lowat_check warns and ignores the value.
    set: ignoredOnLinux('"proxy_send_lowat" is not supported, ignored'),
    effect: 'none',
  },
  { name: 'proxy_intercept_errors', module: M, contexts: MSL, args: 'FLAG', slot: { kind: 'flag' }, effect: 'runtime' },
  { name: 'proxy_set_header', module: M, contexts: MSL, args: [2], slot: { kind: 'keyval' }, effect: 'runtime' },
  { name: 'proxy_headers_hash_max_size', module: M, contexts: MSL, args: [1], slot: { kind: 'num' }, effect: 'none' },
  { name: 'proxy_headers_hash_bucket_size', module: M, contexts: MSL, args: [1], slot: { kind: 'num' }, effect: 'none' },
  { name: 'proxy_set_body', module: M, contexts: MSL, args: [1], slot: { kind: 'str' }, effect: 'runtime' },
  { name: 'proxy_method', module: M, contexts: MSL, args: [1], slot: { kind: 'none' }, set: complexValueSlot, effect: 'runtime' },
  { name: 'proxy_pass_request_headers', module: M, contexts: MSL, args: 'FLAG', slot: { kind: 'flag' }, effect: 'runtime' },
  { name: 'proxy_pass_request_body', module: M, contexts: MSL, args: 'FLAG', slot: { kind: 'flag' }, effect: 'runtime' },
  { name: 'proxy_buffer_size', module: M, contexts: MSL, args: [1], slot: { kind: 'size' }, effect: 'none' },
  { name: 'proxy_read_timeout', module: M, contexts: MSL, args: [1], slot: { kind: 'msec' }, effect: 'runtime' },
  { name: 'proxy_buffers', module: M, contexts: MSL, args: [2], slot: { kind: 'none' }, set: bufsSlot, effect: 'none' },
  { name: 'proxy_busy_buffers_size', module: M, contexts: MSL, args: [1], slot: { kind: 'size' }, effect: 'none' },
  { name: 'proxy_force_ranges', module: M, contexts: MSL, args: 'FLAG', slot: { kind: 'flag' }, effect: 'none' },
  { name: 'proxy_limit_rate', module: M, contexts: MSL, args: [1], slot: { kind: 'size' }, effect: 'none' },
  { name: 'proxy_cache', module: M, contexts: MSL, args: [1], slot: { kind: 'none' }, set: proxyCache, effect: 'none' },
  { name: 'proxy_cache_key', module: M, contexts: MSL, args: [1], slot: { kind: 'none' }, set: oncePerLevel, effect: 'none' },
  { name: 'proxy_cache_path', module: M, contexts: MAIN, args: '2MORE', slot: { kind: 'none' }, set: proxyCachePath, effect: 'none' },
  // ngx_http_set_predicate_slot: a list of complex values, no checks of its own.
  { name: 'proxy_cache_bypass', module: M, contexts: MSL, args: '1MORE', slot: { kind: 'none' }, effect: 'none' },
  { name: 'proxy_no_cache', module: M, contexts: MSL, args: '1MORE', slot: { kind: 'none' }, effect: 'none' },
  { name: 'proxy_cache_valid', module: M, contexts: MSL, args: '1MORE', slot: { kind: 'none' }, set: cacheValidSlot, effect: 'none' },
  { name: 'proxy_cache_min_uses', module: M, contexts: MSL, args: [1], slot: { kind: 'num' }, effect: 'none' },
  { name: 'proxy_cache_max_range_offset', module: M, contexts: MSL, args: [1], slot: { kind: 'off' }, effect: 'none' },
  {
    name: 'proxy_cache_use_stale',
    module: M,
    contexts: MSL,
    args: '1MORE',
    slot: { kind: 'bitmask', values: NEXT_UPSTREAM },
    effect: 'none',
  },
  {
    name: 'proxy_cache_methods',
    module: M,
    contexts: MSL,
    args: '1MORE',
    slot: { kind: 'bitmask', values: ['GET', 'HEAD', 'POST'] },
    effect: 'none',
  },
  { name: 'proxy_cache_lock', module: M, contexts: MSL, args: 'FLAG', slot: { kind: 'flag' }, effect: 'none' },
  { name: 'proxy_cache_lock_timeout', module: M, contexts: MSL, args: [1], slot: { kind: 'msec' }, effect: 'none' },
  { name: 'proxy_cache_lock_age', module: M, contexts: MSL, args: [1], slot: { kind: 'msec' }, effect: 'none' },
  { name: 'proxy_cache_revalidate', module: M, contexts: MSL, args: 'FLAG', slot: { kind: 'flag' }, effect: 'none' },
  { name: 'proxy_cache_convert_head', module: M, contexts: MSL, args: 'FLAG', slot: { kind: 'flag' }, effect: 'none' },
  { name: 'proxy_cache_background_update', module: M, contexts: MSL, args: 'FLAG', slot: { kind: 'flag' }, effect: 'none' },
  { name: 'proxy_temp_path', module: M, contexts: MSL, args: [1, 2, 3, 4], slot: { kind: 'none' }, set: pathSlot, effect: 'none' },
  { name: 'proxy_max_temp_file_size', module: M, contexts: MSL, args: [1], slot: { kind: 'size' }, effect: 'none' },
  { name: 'proxy_temp_file_write_size', module: M, contexts: MSL, args: [1], slot: { kind: 'size' }, effect: 'none' },
  {
    name: 'proxy_next_upstream',
    module: M,
    contexts: MSL,
    args: '1MORE',
    slot: { kind: 'bitmask', values: NEXT_UPSTREAM },
    effect: 'runtime',
  },
  { name: 'proxy_next_upstream_tries', module: M, contexts: MSL, args: [1], slot: { kind: 'num' }, effect: 'runtime' },
  { name: 'proxy_next_upstream_timeout', module: M, contexts: MSL, args: [1], slot: { kind: 'msec' }, effect: 'runtime' },
  { name: 'proxy_pass_header', module: M, contexts: MSL, args: [1], slot: { kind: 'str_array' }, effect: 'runtime' },
  { name: 'proxy_hide_header', module: M, contexts: MSL, args: [1], slot: { kind: 'str_array' }, effect: 'runtime' },
  {
    name: 'proxy_ignore_headers',
    module: M,
    contexts: MSL,
    args: '1MORE',
    slot: { kind: 'bitmask', values: IGNORE_HEADERS },
    effect: 'runtime',
  },
  {
    name: 'proxy_http_version',
    module: M,
    contexts: MSL,
    args: [1],
    slot: { kind: 'enum', values: ['1.0', '1.1'] },
    effect: 'runtime',
  },
  { name: 'proxy_ssl_session_reuse', module: M, contexts: MSL, args: 'FLAG', slot: { kind: 'flag' }, effect: 'runtime' },
  {
    name: 'proxy_ssl_protocols',
    module: M,
    contexts: MSL,
    args: '1MORE',
    slot: { kind: 'bitmask', values: SSL_PROTOCOLS },
    effect: 'runtime',
  },
  { name: 'proxy_ssl_ciphers', module: M, contexts: MSL, args: [1], slot: { kind: 'str' }, effect: 'runtime' },
  { name: 'proxy_ssl_name', module: M, contexts: MSL, args: [1], slot: { kind: 'none' }, set: complexValueSlot, effect: 'runtime' },
  { name: 'proxy_ssl_server_name', module: M, contexts: MSL, args: 'FLAG', slot: { kind: 'flag' }, effect: 'runtime' },
  // checks/proxy-ssl.ts looks at the levels only when some proxy_ssl_verify is on.
  {
    name: 'proxy_ssl_verify',
    module: M,
    contexts: MSL,
    args: 'FLAG',
    slot: { kind: 'flag' },
    set: (cx, args) => {
      if (args[0]?.value.toLowerCase() === 'on') cx.global.set(PROXY_SSL_VERIFY_ON, true);
    },
    effect: 'runtime',
  },
  { name: 'proxy_ssl_verify_depth', module: M, contexts: MSL, args: [1], slot: { kind: 'num' }, effect: 'runtime' },
  { name: 'proxy_ssl_trusted_certificate', module: M, contexts: MSL, args: [1], slot: { kind: 'str' }, effect: 'runtime' },
  { name: 'proxy_ssl_crl', module: M, contexts: MSL, args: [1], slot: { kind: 'str' }, effect: 'runtime' },
  {
    name: 'proxy_ssl_certificate',
    module: M,
    contexts: MSL,
    args: [1],
    slot: { kind: 'none' },
    set: complexValueSlot,
    effect: 'runtime',
  },
  {
    name: 'proxy_ssl_certificate_key',
    module: M,
    contexts: MSL,
    args: [1],
    slot: { kind: 'none' },
    set: complexValueSlot,
    effect: 'runtime',
  },
  {
    name: 'proxy_ssl_password_file',
    module: M,
    contexts: MSL,
    args: [1],
    slot: { kind: 'none' },
    set: oncePerLevel,
    effect: 'runtime',
  },
  { name: 'proxy_ssl_conf_command', module: M, contexts: MSL, args: [2], slot: { kind: 'keyval' }, effect: 'none' },
];

export const ngxHttpProxyModule: ModuleSpec = { name: M, directives };
