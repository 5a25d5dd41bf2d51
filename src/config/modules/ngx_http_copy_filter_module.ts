/**
 * ngx_http_copy_filter_module (src/http/ngx_http_copy_filter_module.c): the buffers used to read
 * files into responses. Accepted with nginx's checks; ngts streams without them.
 */
import type { Context, DirectiveSpec, ModuleSpec } from '../registry/types.js';
import { bufsSlot } from './setters.js';

const M = 'ngx_http_copy_filter_module';
const MSL: readonly Context[] = ['HTTP_MAIN', 'HTTP_SRV', 'HTTP_LOC'];

const directives: readonly DirectiveSpec[] = [
  { name: 'output_buffers', module: M, contexts: MSL, args: [2], slot: { kind: 'none' }, set: bufsSlot, effect: 'none' },
];

export const ngxHttpCopyFilterModule: ModuleSpec = { name: M, directives };
