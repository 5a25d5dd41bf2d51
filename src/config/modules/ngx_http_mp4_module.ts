/**
 * ngx_http_mp4_module (src/http/modules/ngx_http_mp4_module.c): pseudo-streaming of MP4 files,
 * accepted but not run by ngts.
 */
import type { Context, DirectiveSpec, ModuleSpec } from '../registry/types.js';

const M = 'ngx_http_mp4_module';
const MSL: readonly Context[] = ['HTTP_MAIN', 'HTTP_SRV', 'HTTP_LOC'];

const directives: readonly DirectiveSpec[] = [
  // Sets the location handler; no checks.
  { name: 'mp4', module: M, contexts: ['HTTP_LOC'], args: [0], slot: { kind: 'none' }, effect: 'none' },
  { name: 'mp4_buffer_size', module: M, contexts: MSL, args: [1], slot: { kind: 'size' }, effect: 'none' },
  { name: 'mp4_max_buffer_size', module: M, contexts: MSL, args: [1], slot: { kind: 'size' }, effect: 'none' },
  { name: 'mp4_start_key_frame', module: M, contexts: MSL, args: 'FLAG', slot: { kind: 'flag' }, effect: 'none' },
];

export const ngxHttpMp4Module: ModuleSpec = { name: M, directives };
