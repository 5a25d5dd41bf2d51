/**
 * The merged location configuration of every module the request path runs, for one level (a
 * location, or a server's own when no location matches): what r->loc_conf holds in nginx.
 */
import type { ConfLevel } from './conf-level.js';
import { compileCoreLocConf, type CoreLocConf } from './http-core-conf.js';

export interface HttpLocConf {
  readonly core: CoreLocConf;
  /** ngx_http_index_module: `index` files in order (default `index.html`). */
  readonly index: readonly string[];
}

/** Compiles the location configuration of `level` with nginx's inheritance. */
export function compileLocConf(level: ConfLevel, prefix: string): HttpLocConf {
  const index = level.inherited('index').flatMap((d) => d.args.map((a) => a.value));
  return Object.freeze({
    core: compileCoreLocConf(level, prefix),
    index: Object.freeze(index.length ? index : ['index.html']),
  });
}
