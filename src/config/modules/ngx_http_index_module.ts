/** ngx_http_index_module: index files for requests ending in `/`. */
import type { DirectiveSpec, ModuleSpec, Setter } from '../registry/types.js';

const M = 'ngx_http_index_module';

/**
 * ngx_http_index_set_index: only the last name may be absolute (a warning), and none may be empty.
 * nginx's message for an empty name quotes the first argument, whichever is empty.
 */
const setIndex: Setter = (cx, args) => {
  const first = args[0]?.value ?? '';
  for (let i = 0; i < args.length; i++) {
    const v = args[i]?.value ?? '';
    if (v.startsWith('/') && i !== args.length - 1) {
      cx.error('only the last index in "index" directive should be absolute', 'warn');
    }
    if (v === '') {
      cx.error(`index "${first}" in "index" directive is invalid`);
      return;
    }
  }
};

const directives: readonly DirectiveSpec[] = [
  {
    name: 'index',
    module: M,
    contexts: ['HTTP_MAIN', 'HTTP_SRV', 'HTTP_LOC'],
    args: '1MORE',
    slot: { kind: 'none' },
    set: setIndex,
    effect: 'runtime',
  },
];

export const ngxHttpIndexModule: ModuleSpec = { name: M, directives };
