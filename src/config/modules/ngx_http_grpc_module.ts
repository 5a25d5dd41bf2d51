/**
 * ngx_http_grpc_module (src/http/modules/ngx_http_grpc_module.c): gRPC upstreams, accepted with
 * nginx's checks but not run by ngts.
 */
import type { Context, DirectiveSpec, ModuleSpec } from '../registry/types.js';
import { complexValueSlot } from './setters.js';
import { bindSlot, oncePerLevel, passSlot } from './upstream-slots.js';

const M = 'ngx_http_grpc_module';
const MSL: readonly Context[] = ['HTTP_MAIN', 'HTTP_SRV', 'HTTP_LOC'];

const directives: readonly DirectiveSpec[] = [
  { name: 'grpc_pass', module: M, contexts: ['HTTP_LOC', 'HTTP_LIF'], args: [1], slot: { kind: 'none' }, set: passSlot({ schemes: ['grpc://', 'grpcs://'], variables: true }), effect: 'none' },
  { name: 'grpc_bind', module: M, contexts: MSL, args: [1, 2], slot: { kind: 'none' }, set: bindSlot, effect: 'none' },
  { name: 'grpc_socket_keepalive', module: M, contexts: MSL, args: 'FLAG', slot: { kind: 'flag' }, effect: 'none' },
  { name: 'grpc_connect_timeout', module: M, contexts: MSL, args: [1], slot: { kind: 'msec' }, effect: 'none' },
  { name: 'grpc_send_timeout', module: M, contexts: MSL, args: [1], slot: { kind: 'msec' }, effect: 'none' },
  { name: 'grpc_intercept_errors', module: M, contexts: MSL, args: 'FLAG', slot: { kind: 'flag' }, effect: 'none' },
  { name: 'grpc_buffer_size', module: M, contexts: MSL, args: [1], slot: { kind: 'size' }, effect: 'none' },
  { name: 'grpc_read_timeout', module: M, contexts: MSL, args: [1], slot: { kind: 'msec' }, effect: 'none' },
  { name: 'grpc_next_upstream', module: M, contexts: MSL, args: '1MORE', slot: { kind: 'bitmask', values: ['error', 'timeout', 'invalid_header', 'non_idempotent', 'http_500', 'http_502', 'http_503', 'http_504', 'http_403', 'http_404', 'http_429', 'off'] }, effect: 'none' },
  { name: 'grpc_next_upstream_tries', module: M, contexts: MSL, args: [1], slot: { kind: 'num' }, effect: 'none' },
  { name: 'grpc_next_upstream_timeout', module: M, contexts: MSL, args: [1], slot: { kind: 'msec' }, effect: 'none' },
  { name: 'grpc_set_header', module: M, contexts: MSL, args: [2], slot: { kind: 'keyval' }, effect: 'none' },
  { name: 'grpc_pass_header', module: M, contexts: MSL, args: [1], slot: { kind: 'str_array' }, effect: 'none' },
  { name: 'grpc_hide_header', module: M, contexts: MSL, args: [1], slot: { kind: 'str_array' }, effect: 'none' },
  { name: 'grpc_ignore_headers', module: M, contexts: MSL, args: '1MORE', slot: { kind: 'bitmask', values: ['X-Accel-Redirect', 'X-Accel-Expires', 'X-Accel-Limit-Rate', 'X-Accel-Buffering', 'X-Accel-Charset', 'Expires', 'Cache-Control', 'Set-Cookie', 'Vary'] }, effect: 'none' },
  { name: 'grpc_ssl_session_reuse', module: M, contexts: MSL, args: 'FLAG', slot: { kind: 'flag' }, effect: 'none' },
  { name: 'grpc_ssl_protocols', module: M, contexts: MSL, args: '1MORE', slot: { kind: 'bitmask', values: ['SSLv2', 'SSLv3', 'TLSv1', 'TLSv1.1', 'TLSv1.2', 'TLSv1.3'] }, effect: 'none' },
  { name: 'grpc_ssl_ciphers', module: M, contexts: MSL, args: [1], slot: { kind: 'str' }, effect: 'none' },
  { name: 'grpc_ssl_name', module: M, contexts: MSL, args: [1], slot: { kind: 'none' }, set: complexValueSlot, effect: 'none' },
  { name: 'grpc_ssl_server_name', module: M, contexts: MSL, args: 'FLAG', slot: { kind: 'flag' }, effect: 'none' },
  { name: 'grpc_ssl_verify', module: M, contexts: MSL, args: 'FLAG', slot: { kind: 'flag' }, effect: 'none' },
  { name: 'grpc_ssl_verify_depth', module: M, contexts: MSL, args: [1], slot: { kind: 'num' }, effect: 'none' },
  { name: 'grpc_ssl_trusted_certificate', module: M, contexts: MSL, args: [1], slot: { kind: 'str' }, effect: 'none' },
  { name: 'grpc_ssl_crl', module: M, contexts: MSL, args: [1], slot: { kind: 'str' }, effect: 'none' },
  { name: 'grpc_ssl_certificate', module: M, contexts: MSL, args: [1], slot: { kind: 'none' }, set: complexValueSlot, effect: 'none' },
  { name: 'grpc_ssl_certificate_key', module: M, contexts: MSL, args: [1], slot: { kind: 'none' }, set: complexValueSlot, effect: 'none' },
  { name: 'grpc_ssl_password_file', module: M, contexts: MSL, args: [1], slot: { kind: 'none' }, set: oncePerLevel, effect: 'none' },
  { name: 'grpc_ssl_conf_command', module: M, contexts: MSL, args: [2], slot: { kind: 'keyval' }, effect: 'none' },
];

export const ngxHttpGrpcModule: ModuleSpec = { name: M, directives };
