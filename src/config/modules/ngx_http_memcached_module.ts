/**
 * ngx_http_memcached_module (src/http/modules/ngx_http_memcached_module.c): responses read from
 * memcached, accepted with nginx's checks but not run by ngts. The key comes from a user-defined
 * `$memcached_key` (it is not a builtin variable).
 */
import type { Context, DirectiveSpec, ModuleSpec } from '../registry/types.js';
import { bindSlot, passSlot } from './upstream-slots.js';

const M = 'ngx_http_memcached_module';
const MSL: readonly Context[] = ['HTTP_MAIN', 'HTTP_SRV', 'HTTP_LOC'];

const directives: readonly DirectiveSpec[] = [
  { name: 'memcached_pass', module: M, contexts: ['HTTP_LOC', 'HTTP_LIF'], args: [1], slot: { kind: 'none' }, set: passSlot({ schemes: [], variables: false }), effect: 'none' },
  { name: 'memcached_bind', module: M, contexts: MSL, args: [1, 2], slot: { kind: 'none' }, set: bindSlot, effect: 'none' },
  { name: 'memcached_socket_keepalive', module: M, contexts: MSL, args: 'FLAG', slot: { kind: 'flag' }, effect: 'none' },
  { name: 'memcached_connect_timeout', module: M, contexts: MSL, args: [1], slot: { kind: 'msec' }, effect: 'none' },
  { name: 'memcached_send_timeout', module: M, contexts: MSL, args: [1], slot: { kind: 'msec' }, effect: 'none' },
  { name: 'memcached_buffer_size', module: M, contexts: MSL, args: [1], slot: { kind: 'size' }, effect: 'none' },
  { name: 'memcached_read_timeout', module: M, contexts: MSL, args: [1], slot: { kind: 'msec' }, effect: 'none' },
  { name: 'memcached_next_upstream', module: M, contexts: MSL, args: '1MORE', slot: { kind: 'bitmask', values: ['error', 'timeout', 'invalid_response', 'not_found', 'off'] }, effect: 'none' },
  { name: 'memcached_next_upstream_tries', module: M, contexts: MSL, args: [1], slot: { kind: 'num' }, effect: 'none' },
  { name: 'memcached_next_upstream_timeout', module: M, contexts: MSL, args: [1], slot: { kind: 'msec' }, effect: 'none' },
  { name: 'memcached_gzip_flag', module: M, contexts: MSL, args: [1], slot: { kind: 'num' }, effect: 'none' },
];

export const ngxHttpMemcachedModule: ModuleSpec = { name: M, directives };
