/**
 * ngx_http_access_module's rules (`allow`, `deny`) of the nearest level that has any, split by
 * address family as nginx keeps them: a client is checked against its family's rules and `all`,
 * in the order written.
 */
import ipaddr from 'ipaddr.js';
import type { ConfLevel } from './conf-level.js';

export interface AccessRule {
  readonly deny: boolean;
  /** null for `all`. */
  readonly range: readonly [ipaddr.IPv4 | ipaddr.IPv6, number] | null;
  /** For messages: the rule as written. */
  readonly text: string;
}

export interface AccessConf {
  /** IPv4 clients (and IPv4-mapped IPv6 ones). */
  readonly inet: readonly AccessRule[];
  readonly inet6: readonly AccessRule[];
  /** `unix:` clients. */
  readonly unix: readonly AccessRule[];
}

const EMPTY: AccessConf = Object.freeze({ inet: [], inet6: [], unix: [] });

/** Compiles the access rules in force at `level` (null when there are none). */
export function compileAccessConf(level: ConfLevel): AccessConf | null {
  // ngx_http_access_merge_loc_conf: the rules come whole from the nearest level with any.
  let l: ConfLevel | null = level;
  for (; l; l = l.parent) if (l.own('allow').length || l.own('deny').length) break;
  if (l === null) return null;
  const conf = { inet: [] as AccessRule[], inet6: [] as AccessRule[], unix: [] as AccessRule[] };
  for (const d of l.directives) {
    if (d.name !== 'allow' && d.name !== 'deny') continue;
    const text = d.args[0]?.value ?? '';
    const deny = d.name === 'deny';
    if (text === 'all') {
      const rule = { deny, range: null, text };
      conf.inet.push(rule);
      conf.inet6.push(rule);
      conf.unix.push(rule);
    } else if (text === 'unix:') conf.unix.push({ deny, range: null, text });
    else {
      const range = parseRange(text);
      if (range === null) continue;
      (range[0].kind() === 'ipv4' ? conf.inet : conf.inet6).push({ deny, range, text });
    }
  }
  return conf.inet.length || conf.inet6.length || conf.unix.length ? Object.freeze(conf) : EMPTY;
}

function parseRange(text: string): [ipaddr.IPv4 | ipaddr.IPv6, number] | null {
  try {
    if (text.includes('/')) return ipaddr.parseCIDR(text);
    const a = ipaddr.parse(text);
    return [a, a.kind() === 'ipv4' ? 32 : 128];
  } catch {
    return null;
  }
}
