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
  /** `rewrite_log`: rewrite results logged at notice level. */
  readonly rewriteLog: boolean;
  /** `uninitialized_variable_warn` (on). */
  readonly uninitializedVariableWarn: boolean;
  /**
   * A content handler of this level that ngts cannot run yet (its directive name), or null. An
   * `if` block inherits its location's, as nginx's proxy module merges it into `if` levels.
   */
  readonly unsupported: string | null;
}

/** Content handler directives ngts does not run yet. */
const NOT_YET = ['proxy_pass', 'fastcgi_pass', 'uwsgi_pass', 'scgi_pass', 'grpc_pass', 'memcached_pass', 'stub_status', 'empty_gif', 'try_files'];

function unsupportedHandler(level: ConfLevel): string | null {
  for (let l: ConfLevel | null = level; l; l = l.parent) {
    for (const name of NOT_YET) if (l.own(name).length) return name;
    if (l.kind !== 'if') return null;
  }
  return null;
}

/** Compiles the location configuration of `level` with nginx's inheritance. */
export function compileLocConf(level: ConfLevel, prefix: string): HttpLocConf {
  const index = level.inherited('index').flatMap((d) => d.args.map((a) => a.value));
  return Object.freeze({
    core: compileCoreLocConf(level, prefix),
    index: Object.freeze(index.length ? index : ['index.html']),
    rewriteLog: level.value('rewrite_log') === 'on',
    uninitializedVariableWarn: level.value('uninitialized_variable_warn') !== 'off',
    unsupported: level.kind === 'location' || level.kind === 'if' ? unsupportedHandler(level) : null,
  });
}
