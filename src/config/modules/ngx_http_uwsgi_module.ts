/**
 * ngx_http_uwsgi_module (src/http/modules/ngx_http_uwsgi_module.c): uwsgi upstreams, accepted with
 * nginx's checks but not run by ngts.
 */
import type { Context, DirectiveSpec, ModuleSpec } from '../registry/types.js';
import { accessSlot, bufsSlot, complexValueSlot, numBounds, pathSlot } from './setters.js';
import { bindSlot, cachePathSlot, cacheValidSlot, oncePerLevel, paramSlot, passSlot, storeAndCache } from './upstream-slots.js';

const M = 'ngx_http_uwsgi_module';
const MSL: readonly Context[] = ['HTTP_MAIN', 'HTTP_SRV', 'HTTP_LOC'];
const MAIN: readonly Context[] = ['HTTP_MAIN'];

const storeCache = storeAndCache('uwsgi', M);

const directives: readonly DirectiveSpec[] = [
  { name: 'uwsgi_pass', module: M, contexts: ['HTTP_LOC', 'HTTP_LIF'], args: [1], slot: { kind: 'none' }, set: passSlot({ schemes: ['uwsgi://', 'suwsgi://'], variables: true }), effect: 'none' },
  { name: 'uwsgi_modifier1', module: M, contexts: MSL, args: [1], slot: { kind: 'num' }, set: numBounds(0, 255), effect: 'none' },
  { name: 'uwsgi_modifier2', module: M, contexts: MSL, args: [1], slot: { kind: 'num' }, set: numBounds(0, 255), effect: 'none' },
  { name: 'uwsgi_store', module: M, contexts: MSL, args: [1], slot: { kind: 'none' }, set: storeCache.store, effect: 'none' },
  { name: 'uwsgi_store_access', module: M, contexts: MSL, args: [1, 2, 3], slot: { kind: 'none' }, set: accessSlot, effect: 'none' },
  { name: 'uwsgi_buffering', module: M, contexts: MSL, args: 'FLAG', slot: { kind: 'flag' }, effect: 'none' },
  { name: 'uwsgi_request_buffering', module: M, contexts: MSL, args: 'FLAG', slot: { kind: 'flag' }, effect: 'none' },
  { name: 'uwsgi_ignore_client_abort', module: M, contexts: MSL, args: 'FLAG', slot: { kind: 'flag' }, effect: 'none' },
  { name: 'uwsgi_bind', module: M, contexts: MSL, args: [1, 2], slot: { kind: 'none' }, set: bindSlot, effect: 'none' },
  { name: 'uwsgi_socket_keepalive', module: M, contexts: MSL, args: 'FLAG', slot: { kind: 'flag' }, effect: 'none' },
  { name: 'uwsgi_connect_timeout', module: M, contexts: MSL, args: [1], slot: { kind: 'msec' }, effect: 'none' },
  { name: 'uwsgi_send_timeout', module: M, contexts: MSL, args: [1], slot: { kind: 'msec' }, effect: 'none' },
  { name: 'uwsgi_buffer_size', module: M, contexts: MSL, args: [1], slot: { kind: 'size' }, effect: 'none' },
  { name: 'uwsgi_pass_request_headers', module: M, contexts: MSL, args: 'FLAG', slot: { kind: 'flag' }, effect: 'none' },
  { name: 'uwsgi_pass_request_body', module: M, contexts: MSL, args: 'FLAG', slot: { kind: 'flag' }, effect: 'none' },
  { name: 'uwsgi_intercept_errors', module: M, contexts: MSL, args: 'FLAG', slot: { kind: 'flag' }, effect: 'none' },
  { name: 'uwsgi_read_timeout', module: M, contexts: MSL, args: [1], slot: { kind: 'msec' }, effect: 'none' },
  { name: 'uwsgi_buffers', module: M, contexts: MSL, args: [2], slot: { kind: 'none' }, set: bufsSlot, effect: 'none' },
  { name: 'uwsgi_busy_buffers_size', module: M, contexts: MSL, args: [1], slot: { kind: 'size' }, effect: 'none' },
  { name: 'uwsgi_force_ranges', module: M, contexts: MSL, args: 'FLAG', slot: { kind: 'flag' }, effect: 'none' },
  { name: 'uwsgi_limit_rate', module: M, contexts: MSL, args: [1], slot: { kind: 'size' }, effect: 'none' },
  { name: 'uwsgi_cache', module: M, contexts: MSL, args: [1], slot: { kind: 'none' }, set: storeCache.cache, effect: 'none' },
  { name: 'uwsgi_cache_key', module: M, contexts: MSL, args: [1], slot: { kind: 'none' }, set: oncePerLevel, effect: 'none' },
  { name: 'uwsgi_cache_path', module: M, contexts: MAIN, args: '2MORE', slot: { kind: 'none' }, set: cachePathSlot(M), effect: 'none' },
  // ngx_http_set_predicate_slot: a list of complex values, no checks of its own.
  { name: 'uwsgi_cache_bypass', module: M, contexts: MSL, args: '1MORE', slot: { kind: 'none' }, effect: 'none' },
  { name: 'uwsgi_no_cache', module: M, contexts: MSL, args: '1MORE', slot: { kind: 'none' }, effect: 'none' },
  { name: 'uwsgi_cache_valid', module: M, contexts: MSL, args: '1MORE', slot: { kind: 'none' }, set: cacheValidSlot, effect: 'none' },
  { name: 'uwsgi_cache_min_uses', module: M, contexts: MSL, args: [1], slot: { kind: 'num' }, effect: 'none' },
  { name: 'uwsgi_cache_max_range_offset', module: M, contexts: MSL, args: [1], slot: { kind: 'off' }, effect: 'none' },
  { name: 'uwsgi_cache_use_stale', module: M, contexts: MSL, args: '1MORE', slot: { kind: 'bitmask', values: ['error', 'timeout', 'invalid_header', 'non_idempotent', 'http_500', 'http_503', 'http_403', 'http_404', 'http_429', 'updating', 'off'] }, effect: 'none' },
  { name: 'uwsgi_cache_methods', module: M, contexts: MSL, args: '1MORE', slot: { kind: 'bitmask', values: ['GET', 'HEAD', 'POST'] }, effect: 'none' },
  { name: 'uwsgi_cache_lock', module: M, contexts: MSL, args: 'FLAG', slot: { kind: 'flag' }, effect: 'none' },
  { name: 'uwsgi_cache_lock_timeout', module: M, contexts: MSL, args: [1], slot: { kind: 'msec' }, effect: 'none' },
  { name: 'uwsgi_cache_lock_age', module: M, contexts: MSL, args: [1], slot: { kind: 'msec' }, effect: 'none' },
  { name: 'uwsgi_cache_revalidate', module: M, contexts: MSL, args: 'FLAG', slot: { kind: 'flag' }, effect: 'none' },
  { name: 'uwsgi_cache_background_update', module: M, contexts: MSL, args: [1], slot: { kind: 'flag' }, effect: 'none' },
  { name: 'uwsgi_temp_path', module: M, contexts: MSL, args: [1, 2, 3, 4], slot: { kind: 'none' }, set: pathSlot, effect: 'none' },
  { name: 'uwsgi_max_temp_file_size', module: M, contexts: MSL, args: [1], slot: { kind: 'size' }, effect: 'none' },
  { name: 'uwsgi_temp_file_write_size', module: M, contexts: MSL, args: [1], slot: { kind: 'size' }, effect: 'none' },
  { name: 'uwsgi_next_upstream', module: M, contexts: MSL, args: '1MORE', slot: { kind: 'bitmask', values: ['error', 'timeout', 'invalid_header', 'non_idempotent', 'http_500', 'http_503', 'http_403', 'http_404', 'http_429', 'updating', 'off'] }, effect: 'none' },
  { name: 'uwsgi_next_upstream_tries', module: M, contexts: MSL, args: [1], slot: { kind: 'num' }, effect: 'none' },
  { name: 'uwsgi_next_upstream_timeout', module: M, contexts: MSL, args: [1], slot: { kind: 'msec' }, effect: 'none' },
  { name: 'uwsgi_param', module: M, contexts: MSL, args: [2, 3], slot: { kind: 'none' }, set: paramSlot, effect: 'none' },
  { name: 'uwsgi_string', module: M, contexts: MSL, args: [1], slot: { kind: 'str' }, effect: 'none' },
  { name: 'uwsgi_pass_header', module: M, contexts: MSL, args: [1], slot: { kind: 'str_array' }, effect: 'none' },
  { name: 'uwsgi_hide_header', module: M, contexts: MSL, args: [1], slot: { kind: 'str_array' }, effect: 'none' },
  { name: 'uwsgi_ignore_headers', module: M, contexts: MSL, args: '1MORE', slot: { kind: 'bitmask', values: ['X-Accel-Redirect', 'X-Accel-Expires', 'X-Accel-Limit-Rate', 'X-Accel-Buffering', 'X-Accel-Charset', 'Expires', 'Cache-Control', 'Set-Cookie', 'Vary'] }, effect: 'none' },
  { name: 'uwsgi_ssl_session_reuse', module: M, contexts: MSL, args: 'FLAG', slot: { kind: 'flag' }, effect: 'none' },
  { name: 'uwsgi_ssl_protocols', module: M, contexts: MSL, args: '1MORE', slot: { kind: 'bitmask', values: ['SSLv2', 'SSLv3', 'TLSv1', 'TLSv1.1', 'TLSv1.2', 'TLSv1.3'] }, effect: 'none' },
  { name: 'uwsgi_ssl_ciphers', module: M, contexts: MSL, args: [1], slot: { kind: 'str' }, effect: 'none' },
  { name: 'uwsgi_ssl_name', module: M, contexts: MSL, args: [1], slot: { kind: 'none' }, set: complexValueSlot, effect: 'none' },
  { name: 'uwsgi_ssl_server_name', module: M, contexts: MSL, args: 'FLAG', slot: { kind: 'flag' }, effect: 'none' },
  { name: 'uwsgi_ssl_verify', module: M, contexts: MSL, args: 'FLAG', slot: { kind: 'flag' }, effect: 'none' },
  { name: 'uwsgi_ssl_verify_depth', module: M, contexts: MSL, args: [1], slot: { kind: 'num' }, effect: 'none' },
  { name: 'uwsgi_ssl_trusted_certificate', module: M, contexts: MSL, args: [1], slot: { kind: 'str' }, effect: 'none' },
  { name: 'uwsgi_ssl_crl', module: M, contexts: MSL, args: [1], slot: { kind: 'str' }, effect: 'none' },
  { name: 'uwsgi_ssl_certificate', module: M, contexts: MSL, args: [1], slot: { kind: 'none' }, set: complexValueSlot, effect: 'none' },
  { name: 'uwsgi_ssl_certificate_key', module: M, contexts: MSL, args: [1], slot: { kind: 'none' }, set: complexValueSlot, effect: 'none' },
  { name: 'uwsgi_ssl_password_file', module: M, contexts: MSL, args: [1], slot: { kind: 'none' }, set: oncePerLevel, effect: 'none' },
  { name: 'uwsgi_ssl_conf_command', module: M, contexts: MSL, args: [2], slot: { kind: 'keyval' }, effect: 'none' },
];

export const ngxHttpUwsgiModule: ModuleSpec = { name: M, directives };
