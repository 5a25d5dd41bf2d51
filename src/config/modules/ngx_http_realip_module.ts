/**
 * ngx_http_realip_module (src/http/modules/ngx_http_realip_module.c): the client address taken from
 * a header (or the PROXY protocol) when the connection comes from a trusted address.
 */
import type { Context, DirectiveSpec, ModuleSpec, Setter } from '../registry/types.js';
import { parseCidr } from '../values.js';
import { isDuplicate } from './setters.js';

const M = 'ngx_http_realip_module';
const MSL: readonly Context[] = ['HTTP_MAIN', 'HTTP_SRV', 'HTTP_LOC'];

/**
 * ngx_http_realip_from: `unix:`, an address with an optional mask, or a host name that nginx
 * resolves at startup. ngts cannot resolve synchronously, so a name made of host name characters
 * is accepted and anything else is nginx's `host not found`.
 */
const realipFrom: Setter = (cx, args) => {
  const v = args[0]?.value ?? '';
  if (v === 'unix:') return;
  const cidr = parseCidr(v);
  if (cidr !== null) {
    if (cidr.lowBitsSet) cx.error(`low address bits of ${v} are meaningless`, 'warn');
    return;
  }
  if (!/^[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)*\.?$/.test(v)) {
    cx.error(`host not found in set_real_ip_from "${v}"`);
  }
};

/** ngx_http_realip: a header name or `proxy_protocol`, once per level. */
const realipHeader: Setter = (cx) => {
  isDuplicate(cx, 'real_ip_header');
};

const directives: readonly DirectiveSpec[] = [
  { name: 'set_real_ip_from', module: M, contexts: MSL, args: [1], slot: { kind: 'none' }, set: realipFrom, effect: 'runtime' },
  { name: 'real_ip_header', module: M, contexts: MSL, args: [1], slot: { kind: 'none' }, set: realipHeader, effect: 'runtime' },
  { name: 'real_ip_recursive', module: M, contexts: MSL, args: 'FLAG', slot: { kind: 'flag' }, effect: 'runtime' },
];

export const ngxHttpRealipModule: ModuleSpec = { name: M, directives };
