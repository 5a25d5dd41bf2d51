/** ngx_http_upstream_ip_hash_module: `ip_hash`. */
import type { DirectiveSpec, ModuleSpec, Setter } from '../registry/types.js';
import { NO_BACKUP_PARAMS, setBalancer } from './ngx_http_upstream_module.js';

const M = 'ngx_http_upstream_ip_hash_module';

/** ngx_http_upstream_ip_hash: servers may not be `backup`. */
const upstreamIpHash: Setter = (cx) => {
  setBalancer(cx, NO_BACKUP_PARAMS);
};

const directives: readonly DirectiveSpec[] = [
  { name: 'ip_hash', module: M, contexts: ['HTTP_UPS'], args: [0], slot: { kind: 'none' }, set: upstreamIpHash, effect: 'runtime' },
];

export const ngxHttpUpstreamIpHashModule: ModuleSpec = { name: M, directives };
