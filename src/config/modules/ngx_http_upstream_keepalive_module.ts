/** ngx_http_upstream_keepalive_module: the idle connection cache to an upstream's servers. */
import type { Context, DirectiveSpec, ModuleSpec, Setter } from '../registry/types.js';
import { wrapBalancer } from './ngx_http_upstream_module.js';
import { isDuplicate } from './setters.js';
import { parseNumber } from '../values.js';

const M = 'ngx_http_upstream_keepalive_module';
const UPS: readonly Context[] = ['HTTP_UPS'];

/** ngx_http_upstream_keepalive: a positive connection count; it wraps the balancing method. */
const upstreamKeepalive: Setter = (cx, args) => {
  if (isDuplicate(cx, 'ngx_http_upstream_keepalive_module:keepalive')) return;
  const v = args[0]?.value ?? '';
  const n = parseNumber(v);
  if (n === null || n === 0) {
    cx.error(`invalid value "${v}" in "${cx.directive.name}" directive`);
    return;
  }
  wrapBalancer(cx);
};

const directives: readonly DirectiveSpec[] = [
  { name: 'keepalive', module: M, contexts: UPS, args: [1], slot: { kind: 'none' }, set: upstreamKeepalive, effect: 'runtime' },
  { name: 'keepalive_time', module: M, contexts: UPS, args: [1], slot: { kind: 'msec' }, effect: 'runtime' },
  { name: 'keepalive_timeout', module: M, contexts: UPS, args: [1], slot: { kind: 'msec' }, effect: 'runtime' },
  { name: 'keepalive_requests', module: M, contexts: UPS, args: [1], slot: { kind: 'num' }, effect: 'runtime' },
];

export const ngxHttpUpstreamKeepaliveModule: ModuleSpec = { name: M, directives };
