/**
 * ngx_http_random_index_module (src/http/modules/ngx_http_random_index_module.c): a random file of
 * a directory as its index, accepted but not run by ngts.
 */
import type { DirectiveSpec, ModuleSpec } from '../registry/types.js';

const M = 'ngx_http_random_index_module';

const directives: readonly DirectiveSpec[] = [
  { name: 'random_index', module: M, contexts: ['HTTP_LOC'], args: 'FLAG', slot: { kind: 'flag' }, effect: 'none' },
];

export const ngxHttpRandomIndexModule: ModuleSpec = { name: M, directives };
