/**
 * ngx_http_split_clients_module (src/http/modules/ngx_http_split_clients_module.c): a variable
 * chosen by a MurmurHash2 of a script, for A/B tests. The block's lines are read by
 * blocks/split-clients.ts; errors on them are reported at the `split_clients` directive.
 */
import type { Context, DirectiveSpec, ModuleSpec, Setter } from '../registry/types.js';
import { checkSplitClientsBody } from '../blocks/split-clients.js';
import { scanVariables } from '../variables.js';
import { definedVariableError } from './ngx_http_rewrite_module.js';

const M = 'ngx_http_split_clients_module';
const MAIN: readonly Context[] = ['HTTP_MAIN'];

/** ngx_conf_split_clients_block: the source script, the target variable, then the parts. */
const splitClients: Setter = (cx, args) => {
  const scan = scanVariables(args[0]?.value ?? '');
  if (scan.error !== null) {
    cx.error(scan.error);
    return;
  }
  const err = definedVariableError(args[1]?.value ?? '');
  if (err !== null) {
    cx.error(err);
    return;
  }
  const d = cx.directive;
  // Errors on a part name its line; the percent total is checked at the block's `}`.
  checkSplitClientsBody(
    d.block ?? [],
    (message, at) => cx.errorAt(at.span.file, at.terminator, message),
    (message) => cx.errorAt(d.span.file, d.blockEnd ?? d.terminator, message),
  );
};

const directives: readonly DirectiveSpec[] = [
  {
    name: 'split_clients',
    module: M,
    contexts: MAIN,
    args: [2],
    block: { kind: 'freeform' },
    slot: { kind: 'none' },
    set: splitClients,
    effect: 'runtime',
  },
];

export const ngxHttpSplitClientsModule: ModuleSpec = { name: M, directives };
