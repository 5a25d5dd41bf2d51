/**
 * ngx_http_geo_module (src/http/modules/ngx_http_geo_module.c): `geo [$source] $target { … }`,
 * a variable chosen by client address. The block's lines are read by blocks/geo.ts; errors on them
 * are reported at the `geo` directive, since a setter can only name its own directive's line.
 */
import type { Context, DirectiveSpec, ModuleSpec, Setter } from '../registry/types.js';
import { checkGeoBody, checkGeoTarget } from '../blocks/geo.js';

const M = 'ngx_http_geo_module';
const MAIN: readonly Context[] = ['HTTP_MAIN'];

/** ngx_http_geo_block: the variable names, then the body's lines. */
const geo: Setter = (cx, args) => {
  const err = checkGeoTarget(args.map((a) => a.value));
  if (err !== null) {
    cx.error(err);
    return;
  }
  checkGeoBody(cx.directive.block ?? [], (message, at, level) => cx.errorAt(at.span.file, at.terminator, message, level));
};

const directives: readonly DirectiveSpec[] = [
  { name: 'geo', module: M, contexts: MAIN, args: [1, 2], block: { kind: 'freeform' }, slot: { kind: 'none' }, set: geo, effect: 'runtime' },
];

export const ngxHttpGeoModule: ModuleSpec = { name: M, directives };
