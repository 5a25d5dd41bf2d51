/** ngx_http_gunzip_filter_module: decompressing gzipped responses (accepted without effect). */
import type { Context, DirectiveSpec, ModuleSpec } from '../registry/types.js';
import { bufsSlot } from './setters.js';

const M = 'ngx_http_gunzip_filter_module';
const MSL: readonly Context[] = ['HTTP_MAIN', 'HTTP_SRV', 'HTTP_LOC'];

const directives: readonly DirectiveSpec[] = [
  { name: 'gunzip', module: M, contexts: MSL, args: 'FLAG', slot: { kind: 'flag' }, effect: 'none' },
  { name: 'gunzip_buffers', module: M, contexts: MSL, args: [2], slot: { kind: 'none' }, set: bufsSlot, effect: 'none' },
];

export const ngxHttpGunzipFilterModule: ModuleSpec = { name: M, directives };
