/**
 * ngx_http_realip_module's configuration: the trusted addresses (`set_real_ip_from`, inherited
 * whole), the header to take the client's address from (`real_ip_header`, X-Real-IP by default),
 * and `real_ip_recursive`.
 */
import ipaddr from 'ipaddr.js';
import type { ConfLevel } from './conf-level.js';

export interface RealIpConf {
  /** CIDRs of trusted proxies; `unix:` trusts unix-socket clients. */
  readonly from: readonly (readonly [ipaddr.IPv4 | ipaddr.IPv6, number])[];
  readonly fromUnix: boolean;
  /** 'x-real-ip', 'x-forwarded-for', 'proxy_protocol', or another header name (lower-cased). */
  readonly header: string;
  readonly recursive: boolean;
}

/** The realip configuration in force at `level`, or null when no level sets set_real_ip_from. */
export function compileRealIpConf(level: ConfLevel): RealIpConf | null {
  const lines = level.inherited('set_real_ip_from');
  if (lines.length === 0) return null;
  const from: [ipaddr.IPv4 | ipaddr.IPv6, number][] = [];
  let fromUnix = false;
  for (const d of lines) {
    const v = d.args[0]?.value ?? '';
    if (v === 'unix:') {
      fromUnix = true;
      continue;
    }
    try {
      if (v.includes('/')) from.push(ipaddr.parseCIDR(v));
      else {
        const a = ipaddr.parse(v);
        from.push([a, a.kind() === 'ipv4' ? 32 : 128]);
      }
    } catch {
      // Host names in set_real_ip_from are resolved by nginx; ngts checks accept only addresses.
    }
  }
  return Object.freeze({
    from: Object.freeze(from),
    fromUnix,
    header: (level.value('real_ip_header') ?? 'X-Real-IP').toLowerCase(),
    recursive: level.value('real_ip_recursive') === 'on',
  });
}
