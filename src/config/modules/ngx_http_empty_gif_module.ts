/**
 * ngx_http_empty_gif_module (src/http/modules/ngx_http_empty_gif_module.c): a 1x1 transparent GIF
 * as the location's content, accepted but not run by ngts.
 */
import type { DirectiveSpec, ModuleSpec } from '../registry/types.js';

const M = 'ngx_http_empty_gif_module';

const directives: readonly DirectiveSpec[] = [
  // Sets the location handler; no checks.
  { name: 'empty_gif', module: M, contexts: ['HTTP_LOC'], args: [0], slot: { kind: 'none' }, effect: 'none' },
];

export const ngxHttpEmptyGifModule: ModuleSpec = { name: M, directives };
