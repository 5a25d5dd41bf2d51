/** ngx_http_module (src/http/ngx_http.c): the `http` block. */
import type { DirectiveSpec, ModuleSpec, Setter } from '../registry/types.js';
import { MODULES_USED } from './ngx_core_module.js';

const M = 'ngx_http_module';

/** ngx_http_block: one `http` block per configuration; it counts the modules (see load_module). */
const httpBlock: Setter = (cx) => {
  if (cx.global.has('ngx_http_module:http')) {
    cx.fail('is duplicate');
    return;
  }
  cx.global.set('ngx_http_module:http', true);
  cx.global.set(MODULES_USED, true);
};

const directives: readonly DirectiveSpec[] = [
  {
    name: 'http',
    module: M,
    contexts: ['MAIN'],
    args: [0],
    block: { kind: 'directives', context: 'HTTP_MAIN' },
    slot: { kind: 'none' },
    set: httpBlock,
    effect: 'runtime',
  },
];

export const ngxHttpModule: ModuleSpec = { name: M, directives };
