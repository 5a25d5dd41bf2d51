/**
 * ngx_http_slice_filter_module (src/http/modules/ngx_http_slice_filter_module.c): splitting
 * requests into byte-range subrequests, accepted but not run by ngts.
 */
import type { Context, DirectiveSpec, ModuleSpec } from '../registry/types.js';

const M = 'ngx_http_slice_filter_module';
const MSL: readonly Context[] = ['HTTP_MAIN', 'HTTP_SRV', 'HTTP_LOC'];

const directives: readonly DirectiveSpec[] = [
  { name: 'slice', module: M, contexts: MSL, args: [1], slot: { kind: 'size' }, effect: 'none' },
];

export const ngxHttpSliceFilterModule: ModuleSpec = { name: M, directives };
