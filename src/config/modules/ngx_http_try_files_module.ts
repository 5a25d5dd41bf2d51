/** ngx_http_try_files_module: `try_files file ... uri|=code`. */
import type { DirectiveSpec, ModuleSpec, Setter } from '../registry/types.js';
import { isDuplicate } from './setters.js';
import { countVariables, parseNumber } from '../values.js';

const M = 'ngx_http_try_files_module';

/**
 * ngx_http_try_files: once per location; a last `=code` must be a number up to 999. nginx reads the
 * code from a length that assumes no variables, so with variables it drops the last character.
 */
const tryFiles: Setter = (cx, args) => {
  if (isDuplicate(cx, 'ngx_http_try_files_module:try_files')) return;
  const last = args[args.length - 1]?.value ?? '';
  if (!last.startsWith('=')) return;
  const shown = countVariables(last) > 0 ? last.slice(0, -1) : last;
  const code = parseNumber(shown.slice(1));
  if (code === null || code > 999) cx.error(`invalid code "${shown}"`);
};

const directives: readonly DirectiveSpec[] = [
  {
    name: 'try_files',
    module: M,
    contexts: ['HTTP_SRV', 'HTTP_LOC'],
    args: '2MORE',
    slot: { kind: 'none' },
    set: tryFiles,
    effect: 'runtime',
  },
];

export const ngxHttpTryFilesModule: ModuleSpec = { name: M, directives };
