/**
 * ngx_http_flv_module (src/http/modules/ngx_http_flv_module.c): pseudo-streaming of FLV files,
 * accepted but not run by ngts.
 */
import type { DirectiveSpec, ModuleSpec } from '../registry/types.js';

const M = 'ngx_http_flv_module';

const directives: readonly DirectiveSpec[] = [
  // Sets the location handler; no checks.
  { name: 'flv', module: M, contexts: ['HTTP_LOC'], args: [0], slot: { kind: 'none' }, effect: 'none' },
];

export const ngxHttpFlvModule: ModuleSpec = { name: M, directives };
