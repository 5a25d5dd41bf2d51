/**
 * Server selection for a request on one address (ngx_http_find_virtual_server): exact name, then the
 * longest leading wildcard, then the longest trailing wildcard, then the first regex in order, else
 * the address's default server.
 */
import type { AddressServers, CompiledServer } from '../compile/servers.js';
import { findWildcard } from '../compile/wildcard-names.js';

/** Which rule chose the server. */
export type ServerRule = 'exact' | 'wildcard-head' | 'wildcard-tail' | 'regex' | 'default';

export interface VirtualServerMatch {
  readonly server: CompiledServer;
  readonly rule: ServerRule;
  /** The server_name entry that matched (as written), or null for the default server. */
  readonly name: string | null;
  /** Captures of a regex server name (numbered and named), else null. */
  readonly captures: RegExpExecArray | null;
}

/** Finds the server for an already validated, lower-cased host (empty when the request has none). */
export function findVirtualServer(a: AddressServers, host: string): VirtualServerMatch {
  const exact = a.exact.get(host);
  if (exact) return { server: exact, rule: 'exact', name: host, captures: null };
  // ngx_hash_find_wc_head, then _tail: the most specific wildcard wins.
  const w = findWildcard(a.wild, host);
  if (w !== null) return { server: w.entry.value, rule: w.kind === 'head' ? 'wildcard-head' : 'wildcard-tail', name: w.entry.name, captures: null };
  for (const r of a.regex) {
    r.re.lastIndex = 0;
    const m = r.re.exec(host);
    if (m) return { server: r.server, rule: 'regex', name: r.name, captures: m };
  }
  return { server: a.defaultServer, rule: 'default', name: null, captures: null };
}
