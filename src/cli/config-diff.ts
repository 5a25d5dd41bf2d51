/**
 * What changed between two compiled configurations, in the words `ngts run --watch` prints after a
 * reload: servers (by their listen addresses and first name), locations (by server and label) and
 * upstreams added or removed.
 */
import type { CompiledHttp, CompiledServer, LocationConf } from '../compile/servers.js';
import type { Location, LocationLevel, LocationTreeNode } from '../compile/location-tree.js';

function serverLabel(s: CompiledServer): string {
  const name = s.names[0]?.name || '""';
  return `server ${name} (${s.listens.map((l) => l.text).join(', ')})`;
}

function locationLabels(level: LocationLevel<LocationConf>, out: Set<string>, prefix = ''): void {
  const add = (l: Location<LocationConf>): void => {
    const label = `${prefix}${l.payload.label}`;
    if (out.has(label)) return;
    out.add(label);
    locationLabels(l.locations, out, `${label} > `);
  };
  const walk = (n: LocationTreeNode<LocationConf> | null): void => {
    if (n === null) return;
    walk(n.left);
    if (n.exact) add(n.exact);
    if (n.inclusive) add(n.inclusive);
    walk(n.tree);
    walk(n.right);
  };
  walk(level.staticLocations);
  for (const r of level.regexLocations) add(r);
}

function keys(http: CompiledHttp): { servers: Map<string, Set<string>>; upstreams: Set<string> } {
  const servers = new Map<string, Set<string>>();
  for (const s of http.servers) {
    const locs = new Set<string>();
    locationLabels(s.locations, locs);
    for (const named of s.locations.namedLocations.values()) locs.add(named.payload.label);
    servers.set(serverLabel(s), locs);
  }
  return { servers, upstreams: new Set(http.upstreams.keys()) };
}

/** One line per change (`+ location /api/ in server example.com (…)`); empty when nothing routing-related changed. */
export function describeChanges(before: CompiledHttp, after: CompiledHttp): string[] {
  const a = keys(before);
  const b = keys(after);
  const out: string[] = [];
  for (const s of b.servers.keys()) if (!a.servers.has(s)) out.push(`+ ${s}`);
  for (const s of a.servers.keys()) if (!b.servers.has(s)) out.push(`- ${s}`);
  for (const [s, locs] of b.servers) {
    const old = a.servers.get(s);
    if (!old) continue;
    for (const l of locs) if (!old.has(l)) out.push(`+ ${l} in ${s}`);
    for (const l of old) if (!locs.has(l)) out.push(`- ${l} in ${s}`);
  }
  for (const u of b.upstreams) if (!a.upstreams.has(u)) out.push(`+ upstream ${u}`);
  for (const u of a.upstreams) if (!b.upstreams.has(u)) out.push(`- upstream ${u}`);
  return out;
}
