/**
 * ngx_http_mirror_module (src/http/modules/ngx_http_mirror_module.c): background subrequests that
 * mirror the original request.
 */
import type { Context, DirectiveSpec, ModuleSpec, Setter } from '../registry/types.js';

const M = 'ngx_http_mirror_module';
const MSL: readonly Context[] = ['HTTP_MAIN', 'HTTP_SRV', 'HTTP_LOC'];

/** ngx_http_mirror: URIs add up, but `off` must be alone at its level. */
const mirror: Setter = (cx, args) => {
  const key = `${M}:mirror`;
  const state = cx.level.get(key) as 'off' | 'list' | undefined;
  const off = args[0]?.value === 'off';
  if (state === 'off' || (off && state === 'list')) {
    cx.fail('is duplicate');
    return;
  }
  cx.level.set(key, off ? 'off' : 'list');
};

const directives: readonly DirectiveSpec[] = [
  { name: 'mirror', module: M, contexts: MSL, args: [1], slot: { kind: 'none' }, set: mirror, effect: 'runtime' },
  { name: 'mirror_request_body', module: M, contexts: MSL, args: 'FLAG', slot: { kind: 'flag' }, effect: 'runtime' },
];

export const ngxHttpMirrorModule: ModuleSpec = { name: M, directives };
