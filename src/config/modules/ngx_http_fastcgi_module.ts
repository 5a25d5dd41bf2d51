/**
 * ngx_http_fastcgi_module (src/http/modules/ngx_http_fastcgi_module.c): FastCGI upstreams. ngts
 * accepts these directives with nginx's checks but does not speak FastCGI.
 */
import type { Context, DirectiveSpec, ModuleSpec, Setter } from '../registry/types.js';
import { accessSlot, bufsSlot, ignoredOnLinux, pathSlot } from './setters.js';
import { bindSlot, cachePathSlot, cacheValidSlot, oncePerLevel, paramSlot, passSlot, storeAndCache } from './upstream-slots.js';
import { compilePcre } from '../regex.js';

const M = 'ngx_http_fastcgi_module';
const MSL: readonly Context[] = ['HTTP_MAIN', 'HTTP_SRV', 'HTTP_LOC'];
const MAIN: readonly Context[] = ['HTTP_MAIN'];

const storeCache = storeAndCache('fastcgi', M);

/** ngx_http_fastcgi_split_path_info: a regex with exactly two captures (script name, path info). */
const splitPathInfo: Setter = (cx, args) => {
  const pattern = args[0]?.value ?? '';
  const r = compilePcre(pattern, false);
  if (!r.ok) {
    if (r.kind === 'invalid') cx.error(r.message);
    return;
  }
  if (r.captures === 2) return;
  cx.error(`pattern "${pattern}" must have 2 captures`);
};

const directives: readonly DirectiveSpec[] = [
  { name: 'fastcgi_pass', module: M, contexts: ['HTTP_LOC', 'HTTP_LIF'], args: [1], slot: { kind: 'none' }, set: passSlot({ schemes: [], variables: true }), effect: 'none' },
  { name: 'fastcgi_index', module: M, contexts: MSL, args: [1], slot: { kind: 'str' }, effect: 'none' },
  { name: 'fastcgi_split_path_info', module: M, contexts: MSL, args: [1], slot: { kind: 'none' }, set: splitPathInfo, effect: 'none' },
  { name: 'fastcgi_store', module: M, contexts: MSL, args: [1], slot: { kind: 'none' }, set: storeCache.store, effect: 'none' },
  { name: 'fastcgi_store_access', module: M, contexts: MSL, args: [1, 2, 3], slot: { kind: 'none' }, set: accessSlot, effect: 'none' },
  { name: 'fastcgi_buffering', module: M, contexts: MSL, args: 'FLAG', slot: { kind: 'flag' }, effect: 'none' },
  { name: 'fastcgi_request_buffering', module: M, contexts: MSL, args: 'FLAG', slot: { kind: 'flag' }, effect: 'none' },
  { name: 'fastcgi_ignore_client_abort', module: M, contexts: MSL, args: 'FLAG', slot: { kind: 'flag' }, effect: 'none' },
  { name: 'fastcgi_bind', module: M, contexts: MSL, args: [1, 2], slot: { kind: 'none' }, set: bindSlot, effect: 'none' },
  { name: 'fastcgi_socket_keepalive', module: M, contexts: MSL, args: 'FLAG', slot: { kind: 'flag' }, effect: 'none' },
  { name: 'fastcgi_connect_timeout', module: M, contexts: MSL, args: [1], slot: { kind: 'msec' }, effect: 'none' },
  { name: 'fastcgi_send_timeout', module: M, contexts: MSL, args: [1], slot: { kind: 'msec' }, effect: 'none' },
  // Linux has no settable SO_SNDLOWAT: nginx warns and ignores the value.
  { name: 'fastcgi_send_lowat', module: M, contexts: MSL, args: [1], slot: { kind: 'size' }, set: ignoredOnLinux('"fastcgi_send_lowat" is not supported, ignored'), effect: 'none' },
  { name: 'fastcgi_buffer_size', module: M, contexts: MSL, args: [1], slot: { kind: 'size' }, effect: 'none' },
  { name: 'fastcgi_pass_request_headers', module: M, contexts: MSL, args: 'FLAG', slot: { kind: 'flag' }, effect: 'none' },
  { name: 'fastcgi_pass_request_body', module: M, contexts: MSL, args: 'FLAG', slot: { kind: 'flag' }, effect: 'none' },
  { name: 'fastcgi_intercept_errors', module: M, contexts: MSL, args: 'FLAG', slot: { kind: 'flag' }, effect: 'none' },
  { name: 'fastcgi_read_timeout', module: M, contexts: MSL, args: [1], slot: { kind: 'msec' }, effect: 'none' },
  { name: 'fastcgi_buffers', module: M, contexts: MSL, args: [2], slot: { kind: 'none' }, set: bufsSlot, effect: 'none' },
  { name: 'fastcgi_busy_buffers_size', module: M, contexts: MSL, args: [1], slot: { kind: 'size' }, effect: 'none' },
  { name: 'fastcgi_force_ranges', module: M, contexts: MSL, args: 'FLAG', slot: { kind: 'flag' }, effect: 'none' },
  { name: 'fastcgi_limit_rate', module: M, contexts: MSL, args: [1], slot: { kind: 'size' }, effect: 'none' },
  { name: 'fastcgi_cache', module: M, contexts: MSL, args: [1], slot: { kind: 'none' }, set: storeCache.cache, effect: 'none' },
  { name: 'fastcgi_cache_key', module: M, contexts: MSL, args: [1], slot: { kind: 'none' }, set: oncePerLevel, effect: 'none' },
  { name: 'fastcgi_cache_path', module: M, contexts: MAIN, args: '2MORE', slot: { kind: 'none' }, set: cachePathSlot(M), effect: 'none' },
  // ngx_http_set_predicate_slot: a list of complex values, no checks of its own.
  { name: 'fastcgi_cache_bypass', module: M, contexts: MSL, args: '1MORE', slot: { kind: 'none' }, effect: 'none' },
  { name: 'fastcgi_no_cache', module: M, contexts: MSL, args: '1MORE', slot: { kind: 'none' }, effect: 'none' },
  { name: 'fastcgi_cache_valid', module: M, contexts: MSL, args: '1MORE', slot: { kind: 'none' }, set: cacheValidSlot, effect: 'none' },
  { name: 'fastcgi_cache_min_uses', module: M, contexts: MSL, args: [1], slot: { kind: 'num' }, effect: 'none' },
  { name: 'fastcgi_cache_max_range_offset', module: M, contexts: MSL, args: [1], slot: { kind: 'off' }, effect: 'none' },
  { name: 'fastcgi_cache_use_stale', module: M, contexts: MSL, args: '1MORE', slot: { kind: 'bitmask', values: ['error', 'timeout', 'invalid_header', 'non_idempotent', 'http_500', 'http_503', 'http_403', 'http_404', 'http_429', 'updating', 'off'] }, effect: 'none' },
  { name: 'fastcgi_cache_methods', module: M, contexts: MSL, args: '1MORE', slot: { kind: 'bitmask', values: ['GET', 'HEAD', 'POST'] }, effect: 'none' },
  { name: 'fastcgi_cache_lock', module: M, contexts: MSL, args: 'FLAG', slot: { kind: 'flag' }, effect: 'none' },
  { name: 'fastcgi_cache_lock_timeout', module: M, contexts: MSL, args: [1], slot: { kind: 'msec' }, effect: 'none' },
  { name: 'fastcgi_cache_lock_age', module: M, contexts: MSL, args: [1], slot: { kind: 'msec' }, effect: 'none' },
  { name: 'fastcgi_cache_revalidate', module: M, contexts: MSL, args: 'FLAG', slot: { kind: 'flag' }, effect: 'none' },
  { name: 'fastcgi_cache_background_update', module: M, contexts: MSL, args: 'FLAG', slot: { kind: 'flag' }, effect: 'none' },
  { name: 'fastcgi_temp_path', module: M, contexts: MSL, args: [1, 2, 3, 4], slot: { kind: 'none' }, set: pathSlot, effect: 'none' },
  { name: 'fastcgi_max_temp_file_size', module: M, contexts: MSL, args: [1], slot: { kind: 'size' }, effect: 'none' },
  { name: 'fastcgi_temp_file_write_size', module: M, contexts: MSL, args: [1], slot: { kind: 'size' }, effect: 'none' },
  { name: 'fastcgi_next_upstream', module: M, contexts: MSL, args: '1MORE', slot: { kind: 'bitmask', values: ['error', 'timeout', 'invalid_header', 'non_idempotent', 'http_500', 'http_503', 'http_403', 'http_404', 'http_429', 'updating', 'off'] }, effect: 'none' },
  { name: 'fastcgi_next_upstream_tries', module: M, contexts: MSL, args: [1], slot: { kind: 'num' }, effect: 'none' },
  { name: 'fastcgi_next_upstream_timeout', module: M, contexts: MSL, args: [1], slot: { kind: 'msec' }, effect: 'none' },
  { name: 'fastcgi_param', module: M, contexts: MSL, args: [2, 3], slot: { kind: 'none' }, set: paramSlot, effect: 'none' },
  { name: 'fastcgi_pass_header', module: M, contexts: MSL, args: [1], slot: { kind: 'str_array' }, effect: 'none' },
  { name: 'fastcgi_hide_header', module: M, contexts: MSL, args: [1], slot: { kind: 'str_array' }, effect: 'none' },
  { name: 'fastcgi_ignore_headers', module: M, contexts: MSL, args: '1MORE', slot: { kind: 'bitmask', values: ['X-Accel-Redirect', 'X-Accel-Expires', 'X-Accel-Limit-Rate', 'X-Accel-Buffering', 'X-Accel-Charset', 'Expires', 'Cache-Control', 'Set-Cookie', 'Vary'] }, effect: 'none' },
  { name: 'fastcgi_catch_stderr', module: M, contexts: MSL, args: [1], slot: { kind: 'str_array' }, effect: 'none' },
  { name: 'fastcgi_keep_conn', module: M, contexts: MSL, args: 'FLAG', slot: { kind: 'flag' }, effect: 'none' },
];

export const ngxHttpFastcgiModule: ModuleSpec = { name: M, directives };
