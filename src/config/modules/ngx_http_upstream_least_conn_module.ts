/** ngx_http_upstream_least_conn_module: `least_conn`. */
import type { DirectiveSpec, ModuleSpec, Setter } from '../registry/types.js';
import { ALL_SERVER_PARAMS, setBalancer } from './ngx_http_upstream_module.js';

const M = 'ngx_http_upstream_least_conn_module';

/** ngx_http_upstream_least_conn: the one method besides round robin that keeps `backup`. */
const upstreamLeastConn: Setter = (cx) => {
  setBalancer(cx, ALL_SERVER_PARAMS);
};

const directives: readonly DirectiveSpec[] = [
  {
    name: 'least_conn',
    module: M,
    contexts: ['HTTP_UPS'],
    args: [0],
    slot: { kind: 'none' },
    set: upstreamLeastConn,
    effect: 'runtime',
  },
];

export const ngxHttpUpstreamLeastConnModule: ModuleSpec = { name: M, directives };
