/**
 * `conflicting server name "X" on ADDR, ignored`: ngx_http_server_names, when nginx builds the
 * names of each listening address at the end of the http block, warns about a name a second server
 * claims on the same address (the first keeps it). Printed without a file:line.
 */
import type { Directive } from '../ast.js';
import { listenAddrText, parseListen } from '../values.js';
import { directivesOf } from './expanded.js';
import type { PostCheckContext } from './post-check.js';

/** Warns about every name claimed twice on one address, in nginx's order. */
export function checkServerNames(http: Directive, cx: PostCheckContext): void {
  const byAddr = new Map<string, { server: Directive; names: Directive[] }[]>();
  for (const server of directivesOf(http.block ?? [], cx.includes)) {
    if (server.name !== 'server' || server.block === null) continue;
    const children = directivesOf(server.block, cx.includes);
    const addrs = new Set<string>();
    for (const l of children) {
      if (l.name !== 'listen') continue;
      const r = parseListen(l.args.map((a) => a.value));
      if (r.ok) addrs.add(listenAddrText(r.listen.url));
    }
    // A server without listen listens on *:80 (nginx runs as root in the setups we compare with).
    if (addrs.size === 0) addrs.add('0.0.0.0:80');
    const names = children.filter((c) => c.name === 'server_name');
    for (const a of addrs) {
      const list = byAddr.get(a) ?? [];
      list.push({ server, names });
      byAddr.set(a, list);
    }
  }
  for (const [addr, servers] of byAddr) {
    // nginx builds the names hash only for addresses with several servers (or regex names).
    if (servers.length < 2) continue;
    const seen = new Set<string>();
    for (const s of servers) {
      const names = s.names.length ? s.names.flatMap((d) => d.args.map((a) => ({ value: a.value, d }))) : [{ value: '', d: s.server }];
      for (const n of names) {
        if (n.value.startsWith('~')) continue;
        const key = n.value.toLowerCase().replace(/^\*\./, '.');
        if (seen.has(key)) {
          cx.report('warn', `conflicting server name "${n.value}" on ${addr}, ignored`, n.d.span.file, n.d.terminator, 'conflicting-server-name', { unlocated: true });
          continue;
        }
        seen.add(key);
      }
    }
  }
}
