/**
 * ngx_regex_module (src/core/ngx_regex.c): `pcre_jit`. The Debian build has PCRE2 with JIT, so its
 * post handler's "does not support JIT" warnings never fire.
 */
import type { DirectiveSpec, ModuleSpec } from '../registry/types.js';

const M = 'ngx_regex_module';

const directives: readonly DirectiveSpec[] = [
  { name: 'pcre_jit', module: M, contexts: ['MAIN'], args: 'FLAG', slot: { kind: 'flag' }, effect: 'none' },
];

export const ngxRegexModule: ModuleSpec = { name: M, directives };
