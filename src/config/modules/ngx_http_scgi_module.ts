/**
 * ngx_http_scgi_module (src/http/modules/ngx_http_scgi_module.c): SCGI upstreams, accepted with
 * nginx's checks but not run by ngts.
 */
import type { Context, DirectiveSpec, ModuleSpec } from '../registry/types.js';
import { accessSlot, bufsSlot, pathSlot } from './setters.js';
import { bindSlot, cachePathSlot, cacheValidSlot, oncePerLevel, paramSlot, passSlot, storeAndCache } from './upstream-slots.js';

const M = 'ngx_http_scgi_module';
const MSL: readonly Context[] = ['HTTP_MAIN', 'HTTP_SRV', 'HTTP_LOC'];
const MAIN: readonly Context[] = ['HTTP_MAIN'];

const storeCache = storeAndCache('scgi', M);

const directives: readonly DirectiveSpec[] = [
  { name: 'scgi_pass', module: M, contexts: ['HTTP_LOC', 'HTTP_LIF'], args: [1], slot: { kind: 'none' }, set: passSlot({ schemes: [], variables: true }), effect: 'none' },
  { name: 'scgi_store', module: M, contexts: MSL, args: [1], slot: { kind: 'none' }, set: storeCache.store, effect: 'none' },
  { name: 'scgi_store_access', module: M, contexts: MSL, args: [1, 2, 3], slot: { kind: 'none' }, set: accessSlot, effect: 'none' },
  { name: 'scgi_buffering', module: M, contexts: MSL, args: 'FLAG', slot: { kind: 'flag' }, effect: 'none' },
  { name: 'scgi_request_buffering', module: M, contexts: MSL, args: 'FLAG', slot: { kind: 'flag' }, effect: 'none' },
  { name: 'scgi_ignore_client_abort', module: M, contexts: MSL, args: 'FLAG', slot: { kind: 'flag' }, effect: 'none' },
  { name: 'scgi_bind', module: M, contexts: MSL, args: [1, 2], slot: { kind: 'none' }, set: bindSlot, effect: 'none' },
  { name: 'scgi_socket_keepalive', module: M, contexts: MSL, args: 'FLAG', slot: { kind: 'flag' }, effect: 'none' },
  { name: 'scgi_connect_timeout', module: M, contexts: MSL, args: [1], slot: { kind: 'msec' }, effect: 'none' },
  { name: 'scgi_send_timeout', module: M, contexts: MSL, args: [1], slot: { kind: 'msec' }, effect: 'none' },
  { name: 'scgi_buffer_size', module: M, contexts: MSL, args: [1], slot: { kind: 'size' }, effect: 'none' },
  { name: 'scgi_pass_request_headers', module: M, contexts: MSL, args: 'FLAG', slot: { kind: 'flag' }, effect: 'none' },
  { name: 'scgi_pass_request_body', module: M, contexts: MSL, args: 'FLAG', slot: { kind: 'flag' }, effect: 'none' },
  { name: 'scgi_intercept_errors', module: M, contexts: MSL, args: 'FLAG', slot: { kind: 'flag' }, effect: 'none' },
  { name: 'scgi_read_timeout', module: M, contexts: MSL, args: [1], slot: { kind: 'msec' }, effect: 'none' },
  { name: 'scgi_buffers', module: M, contexts: MSL, args: [2], slot: { kind: 'none' }, set: bufsSlot, effect: 'none' },
  { name: 'scgi_busy_buffers_size', module: M, contexts: MSL, args: [1], slot: { kind: 'size' }, effect: 'none' },
  { name: 'scgi_force_ranges', module: M, contexts: MSL, args: 'FLAG', slot: { kind: 'flag' }, effect: 'none' },
  { name: 'scgi_limit_rate', module: M, contexts: MSL, args: [1], slot: { kind: 'size' }, effect: 'none' },
  { name: 'scgi_cache', module: M, contexts: MSL, args: [1], slot: { kind: 'none' }, set: storeCache.cache, effect: 'none' },
  { name: 'scgi_cache_key', module: M, contexts: MSL, args: [1], slot: { kind: 'none' }, set: oncePerLevel, effect: 'none' },
  { name: 'scgi_cache_path', module: M, contexts: MAIN, args: '2MORE', slot: { kind: 'none' }, set: cachePathSlot(M), effect: 'none' },
  // ngx_http_set_predicate_slot: a list of complex values, no checks of its own.
  { name: 'scgi_cache_bypass', module: M, contexts: MSL, args: '1MORE', slot: { kind: 'none' }, effect: 'none' },
  { name: 'scgi_no_cache', module: M, contexts: MSL, args: '1MORE', slot: { kind: 'none' }, effect: 'none' },
  { name: 'scgi_cache_valid', module: M, contexts: MSL, args: '1MORE', slot: { kind: 'none' }, set: cacheValidSlot, effect: 'none' },
  { name: 'scgi_cache_min_uses', module: M, contexts: MSL, args: [1], slot: { kind: 'num' }, effect: 'none' },
  { name: 'scgi_cache_max_range_offset', module: M, contexts: MSL, args: [1], slot: { kind: 'off' }, effect: 'none' },
  { name: 'scgi_cache_use_stale', module: M, contexts: MSL, args: '1MORE', slot: { kind: 'bitmask', values: ['error', 'timeout', 'invalid_header', 'non_idempotent', 'http_500', 'http_503', 'http_403', 'http_404', 'http_429', 'updating', 'off'] }, effect: 'none' },
  { name: 'scgi_cache_methods', module: M, contexts: MSL, args: '1MORE', slot: { kind: 'bitmask', values: ['GET', 'HEAD', 'POST'] }, effect: 'none' },
  { name: 'scgi_cache_lock', module: M, contexts: MSL, args: 'FLAG', slot: { kind: 'flag' }, effect: 'none' },
  { name: 'scgi_cache_lock_timeout', module: M, contexts: MSL, args: [1], slot: { kind: 'msec' }, effect: 'none' },
  { name: 'scgi_cache_lock_age', module: M, contexts: MSL, args: [1], slot: { kind: 'msec' }, effect: 'none' },
  { name: 'scgi_cache_revalidate', module: M, contexts: MSL, args: 'FLAG', slot: { kind: 'flag' }, effect: 'none' },
  { name: 'scgi_cache_background_update', module: M, contexts: MSL, args: 'FLAG', slot: { kind: 'flag' }, effect: 'none' },
  { name: 'scgi_temp_path', module: M, contexts: MSL, args: [1, 2, 3, 4], slot: { kind: 'none' }, set: pathSlot, effect: 'none' },
  { name: 'scgi_max_temp_file_size', module: M, contexts: MSL, args: [1], slot: { kind: 'size' }, effect: 'none' },
  { name: 'scgi_temp_file_write_size', module: M, contexts: MSL, args: [1], slot: { kind: 'size' }, effect: 'none' },
  { name: 'scgi_next_upstream', module: M, contexts: MSL, args: '1MORE', slot: { kind: 'bitmask', values: ['error', 'timeout', 'invalid_header', 'non_idempotent', 'http_500', 'http_503', 'http_403', 'http_404', 'http_429', 'updating', 'off'] }, effect: 'none' },
  { name: 'scgi_next_upstream_tries', module: M, contexts: MSL, args: [1], slot: { kind: 'num' }, effect: 'none' },
  { name: 'scgi_next_upstream_timeout', module: M, contexts: MSL, args: [1], slot: { kind: 'msec' }, effect: 'none' },
  { name: 'scgi_param', module: M, contexts: MSL, args: [2, 3], slot: { kind: 'none' }, set: paramSlot, effect: 'none' },
  { name: 'scgi_pass_header', module: M, contexts: MSL, args: [1], slot: { kind: 'str_array' }, effect: 'none' },
  { name: 'scgi_hide_header', module: M, contexts: MSL, args: [1], slot: { kind: 'str_array' }, effect: 'none' },
  { name: 'scgi_ignore_headers', module: M, contexts: MSL, args: '1MORE', slot: { kind: 'bitmask', values: ['X-Accel-Redirect', 'X-Accel-Expires', 'X-Accel-Limit-Rate', 'X-Accel-Buffering', 'X-Accel-Charset', 'Expires', 'Cache-Control', 'Set-Cookie', 'Vary'] }, effect: 'none' },
];

export const ngxHttpScgiModule: ModuleSpec = { name: M, directives };
