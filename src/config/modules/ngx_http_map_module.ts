/**
 * ngx_http_map_module (src/http/modules/ngx_http_map_module.c): `map source $target { … }`. The
 * block's lines are read by blocks/map.ts; errors on them are reported at the `map` directive,
 * since a setter can only name its own directive's line.
 */
import type { Context, DirectiveSpec, ModuleSpec, Setter } from '../registry/types.js';
import { checkMapBody, checkMapTarget } from '../blocks/map.js';

const M = 'ngx_http_map_module';
const MAIN: readonly Context[] = ['HTTP_MAIN'];

/** ngx_http_map_block: the source script, the target variable, then the body's lines. */
const map: Setter = (cx, args) => {
  const err = checkMapTarget(args[0]?.value ?? '', args[1]?.value ?? '');
  if (err !== null) {
    cx.error(err);
    return;
  }
  checkMapBody(cx.directive.block ?? [], (message, at, level) => cx.errorAt(at.span.file, at.terminator, message, level));
};

const directives: readonly DirectiveSpec[] = [
  { name: 'map', module: M, contexts: MAIN, args: [2], block: { kind: 'freeform' }, slot: { kind: 'none' }, set: map, effect: 'runtime' },
  // Hash sizing only; ngts uses a Map. The "could not build map_hash" errors are not modelled.
  { name: 'map_hash_max_size', module: M, contexts: MAIN, args: [1], slot: { kind: 'num' }, effect: 'none' },
  { name: 'map_hash_bucket_size', module: M, contexts: MAIN, args: [1], slot: { kind: 'num' }, effect: 'none' },
];

export const ngxHttpMapModule: ModuleSpec = { name: M, directives };
