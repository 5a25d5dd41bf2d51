/**
 * Where the `*_pass` directives send requests: the upstream host part of proxy_pass, fastcgi_pass,
 * uwsgi_pass, scgi_pass, grpc_pass and memcached_pass, as ngx_http_upstream_add would look it up
 * (an upstream block of that name, compared without case, else a host name).
 */
import type { Directive } from '../../config/ast.js';
import { hasVariables } from '../../config/variables.js';
import type { LintLevel, LintModel } from '../model.js';

export const PASS_DIRECTIVES = ['proxy_pass', 'fastcgi_pass', 'uwsgi_pass', 'scgi_pass', 'grpc_pass', 'memcached_pass'] as const;

export interface PassTarget {
  readonly directive: Directive;
  readonly level: LintLevel;
  /** The host part as written (`backend`, `127.0.0.1`, `unix:/x.sock`, `$upstream_name`). */
  readonly host: string;
  /** The URL has variables: nginx evaluates it per request (an upstream name, or a resolver lookup). */
  readonly variables: boolean;
  /** The upstream block the host names, lower-cased, when it names one. */
  readonly upstream: string | null;
}

/** The host part of a `*_pass` argument: scheme and URI stripped, port kept apart. */
export function passHost(value: string): string {
  let rest = value.replace(/^[a-z]+:\/\//i, '');
  if (rest.toLowerCase().startsWith('unix:')) return rest.replace(/:\/.*$|:$/, '');
  const slash = rest.indexOf('/');
  if (slash >= 0) rest = rest.slice(0, slash);
  if (rest.startsWith('[')) return rest.slice(0, rest.indexOf(']') + 1);
  const colon = rest.lastIndexOf(':');
  return colon >= 0 ? rest.slice(0, colon) : rest;
}

/** Every `*_pass` directive of the configuration, with what it names. */
export function passTargets(model: LintModel): PassTarget[] {
  const out: PassTarget[] = [];
  for (const name of PASS_DIRECTIVES) {
    for (const { directive, level } of model.directives(name)) {
      const value = directive.args[0]?.value ?? '';
      const host = passHost(value);
      const key = host.toLowerCase();
      out.push({ directive, level, host, variables: hasVariables(value), upstream: model.upstreams.has(key) ? key : null });
    }
  }
  return out;
}
