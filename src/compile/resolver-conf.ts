/**
 * `resolver` and `resolver_timeout` (ngx_http_core_resolver → ngx_resolver_create): the name servers
 * a level uses for host names that proxy_pass with variables gives at request time.
 */
import { parseTime, parseUrl } from '../config/values.js';
import type { ConfLevel } from './conf-level.js';

export interface ResolverConf {
  /** Name servers as `address:port` (port 53 unless given), IPv6 addresses in brackets. */
  readonly servers: readonly string[];
  /** `valid=`: how long answers are kept, instead of their TTL (ms); null for the TTL. */
  readonly valid: number | null;
  /** `ipv6=off`: A records only; by default nginx 1.22 asks for A and AAAA. */
  readonly ipv6: boolean;
  /** `resolver_timeout` (30 s). */
  readonly timeout: number;
}

/** The resolver in force at `level` (inherited whole), or null: nginx's "no resolver". */
export function compileResolverConf(level: ConfLevel): ResolverConf | null {
  const d = level.get('resolver');
  if (d === undefined) return null;
  const servers: string[] = [];
  let valid: number | null = null;
  let ipv6 = true;
  for (const a of d.args) {
    const v = a.value;
    if (v.startsWith('valid=')) valid = parseTime(v.slice(6), true);
    else if (v.startsWith('ipv6=')) ipv6 = v === 'ipv6=on';
    else {
      const u = parseUrl(v, { defaultPort: 53 });
      if (!u.ok) continue;
      const addr = u.url.address;
      const host = addr.family === 'unix' ? addr.path : addr.family === 'name' ? addr.host : addr.addr;
      servers.push(host.includes(':') ? `[${host}]:${u.url.port}` : `${host}:${u.url.port}`);
    }
  }
  return Object.freeze({
    servers: Object.freeze(servers),
    valid: valid === null ? null : valid * 1000,
    ipv6,
    timeout: level.msec('resolver_timeout', 30_000),
  });
}
