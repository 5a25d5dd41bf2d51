/**
 * The access phase (ngx_http_core_access_phase with ngx_http_access_handler): the first
 * allow/deny rule matching the client decides; `deny` answers 403 and logs "access forbidden by
 * rule". With `satisfy any` one allowing handler is enough; with only this module, the same.
 */
import ipaddr from 'ipaddr.js';
import type { AccessConf } from '../../compile/access-conf.js';
import type { HttpRequest } from './request.js';
import type { ResponseSink } from './response.js';

const DECLINED = -5;
const OK = 0;

// ngx_http_access_handler / ngx_http_access_inet / _inet6 / _unix
/** OK when a rule allows, 403 when one denies, DECLINED when none matches. */
export function accessHandler(r: HttpRequest, sink: ResponseSink, conf: AccessConf): number {
  const family = r.remoteFamily;
  const rules = family === 'unix' ? conf.unix : family === 'inet6' && !isMapped(r.remoteAddress) ? conf.inet6 : conf.inet;
  if (rules.length === 0) return DECLINED;
  let addr: ipaddr.IPv4 | ipaddr.IPv6 | null = null;
  if (family !== 'unix') {
    try {
      const parsed = ipaddr.process(r.remoteAddress);
      addr = parsed;
    } catch {
      addr = null;
    }
  }
  for (const rule of rules) {
    if (rule.range !== null) {
      if (addr === null || addr.kind() !== rule.range[0].kind()) continue;
      if (!addr.match(rule.range as [ipaddr.IPv4, number] & [ipaddr.IPv6, number])) continue;
    }
    if (rule.deny) {
      // With `satisfy any` the post-access phase logs it, if no other handler allows.
      if (!r.conf.satisfyAny) sink.log('error', 'access forbidden by rule');
      return 403;
    }
    return OK;
  }
  return DECLINED;
}

function isMapped(a: string): boolean {
  return a.toLowerCase().startsWith('::ffff:') && a.includes('.');
}
