/** ngx_http_upstream_hash_module: `hash key [consistent]`. */
import type { DirectiveSpec, ModuleSpec, Setter } from '../registry/types.js';
import { NO_BACKUP_PARAMS, setBalancer } from './ngx_http_upstream_module.js';

const M = 'ngx_http_upstream_hash_module';

/** ngx_http_upstream_hash: the key is a complex value; the only option is `consistent`. */
const upstreamHash: Setter = (cx, args) => {
  setBalancer(cx, NO_BACKUP_PARAMS);
  const option = args[1];
  if (option !== undefined && option.value !== 'consistent') cx.error(`invalid parameter "${option.value}"`);
};

const directives: readonly DirectiveSpec[] = [
  { name: 'hash', module: M, contexts: ['HTTP_UPS'], args: [1, 2], slot: { kind: 'none' }, set: upstreamHash, effect: 'runtime' },
];

export const ngxHttpUpstreamHashModule: ModuleSpec = { name: M, directives };
