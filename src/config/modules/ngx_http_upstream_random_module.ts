/** ngx_http_upstream_random_module: `random [two [least_conn]]`. */
import type { DirectiveSpec, ModuleSpec, Setter } from '../registry/types.js';
import { NO_BACKUP_PARAMS, setBalancer } from './ngx_http_upstream_module.js';

const M = 'ngx_http_upstream_random_module';

/** ngx_http_upstream_random: `two`, then only `least_conn` (the one method of choosing of two). */
const upstreamRandom: Setter = (cx, args) => {
  setBalancer(cx, NO_BACKUP_PARAMS);
  const first = args[0];
  if (first === undefined) return;
  if (first.value !== 'two') {
    cx.error(`invalid parameter "${first.value}"`);
    return;
  }
  const second = args[1];
  if (second !== undefined && second.value !== 'least_conn') cx.error(`invalid parameter "${second.value}"`);
};

const directives: readonly DirectiveSpec[] = [
  { name: 'random', module: M, contexts: ['HTTP_UPS'], args: [0, 1, 2], slot: { kind: 'none' }, set: upstreamRandom, effect: 'runtime' },
];

export const ngxHttpUpstreamRandomModule: ModuleSpec = { name: M, directives };
