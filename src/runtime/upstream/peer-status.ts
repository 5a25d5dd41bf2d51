/**
 * The state of each upstream's peers as the balancers see it, for `ngts run --status` and
 * `ngts status` (nginx Plus shows this in its API; nginx OSS cannot). A peer is `failed` while
 * the round-robin code would skip it: max_fails failures counted, and fail_timeout not yet over
 * since the last one (ngx_http_upstream_get_peer's test). Nothing here changes a peer.
 */
import type { UpstreamConf } from '../../compile/upstreams.js';
import { connectionCounters, type ConnectionCounters } from '../http/connection-stats.js';
import { NGINX_VERSION, PRODUCT_VERSION } from '../product.js';
import type { Peer, PeerList } from './round-robin.js';

export type PeerState = 'up' | 'down' | 'failed';

export interface PeerStatus {
  /** The address (`$upstream_addr` form). */
  readonly name: string;
  /** The `server` as written. */
  readonly server: string;
  readonly state: PeerState;
  readonly backup: boolean;
  readonly weight: number;
  readonly maxFails: number;
  /** Seconds. */
  readonly failTimeout: number;
  /** Requests using the peer now. */
  readonly active: number;
  /** Times the balancer chose the peer (each try of proxy_next_upstream counts). */
  readonly requests: number;
  /** nginx's running count (peer->fails): reset by a success after fail_timeout. */
  readonly fails: number;
  /** Every failure since start (or since the configuration that created the peer). */
  readonly totalFails: number;
  /** ISO time of the last failure, or null. */
  readonly lastFailure: string | null;
  /** While failed: the ISO time from which the balancer tries the peer again. */
  readonly retryAfter: string | null;
}

export interface UpstreamStatus {
  readonly name: string;
  /** False for the upstream a `proxy_pass http://host:port` creates. */
  readonly explicit: boolean;
  /** `round_robin`, `least_conn`, `ip_hash`, `hash`, `hash consistent`, `random`, `random two`. */
  readonly balancer: string;
  /** `keepalive N` (0: none). */
  readonly keepalive: number;
  readonly peers: readonly PeerStatus[];
}

export interface StatusReport {
  readonly ngts: string;
  readonly nginx: string;
  readonly pid: number;
  /** ISO time of the report. */
  readonly time: string;
  /** The stub_status counters. */
  readonly connections: ConnectionCounters;
  readonly upstreams: readonly UpstreamStatus[];
  /** With worker processes: their pids (`pid` is the master's); the report adds theirs up. */
  readonly workers?: readonly number[];
}

/** The state the balancer sees at `nowMs`; a single peer is never marked failed (peers->single). */
export function peerState(peer: Peer, single: boolean, nowMs: number): PeerState {
  if (peer.down) return 'down';
  const now = Math.floor(nowMs / 1000);
  if (!single && peer.maxFails > 0 && peer.fails >= peer.maxFails && now - peer.checked <= peer.failTimeout) return 'failed';
  return 'up';
}

function balancerName(u: UpstreamConf): string {
  const b = u.balancer;
  switch (b.kind) {
    case 'hash':
      return b.consistent ? 'hash consistent' : 'hash';
    case 'random':
      return b.two ? 'random two' : 'random';
    default:
      return b.kind;
  }
}

function peerStatus(peer: Peer, list: PeerList, backup: boolean, nowMs: number): PeerStatus {
  const state = peerState(peer, list.single, nowMs);
  return {
    name: peer.name,
    server: peer.server,
    state,
    backup,
    weight: peer.weight,
    maxFails: peer.maxFails,
    failTimeout: peer.failTimeout,
    active: peer.conns,
    requests: peer.requests,
    fails: peer.fails,
    totalFails: peer.totalFails,
    lastFailure: peer.lastFailure ? new Date(peer.lastFailure).toISOString() : null,
    // Skipped while now - checked <= fail_timeout (whole seconds).
    retryAfter: state === 'failed' ? new Date((peer.checked + peer.failTimeout + 1) * 1000).toISOString() : null,
  };
}

/** The report for the upstreams of the running configuration, explicit ones first, by name. */
export function statusReport(peers: ReadonlyMap<UpstreamConf, PeerList>, nowMs: number = Date.now()): StatusReport {
  const upstreams: UpstreamStatus[] = [];
  for (const [u, list] of peers) {
    const rows = list.peers.map((p) => peerStatus(p, list, false, nowMs));
    if (list.backup) rows.push(...list.backup.peers.map((p) => peerStatus(p, list.backup!, true, nowMs)));
    upstreams.push({ name: u.name, explicit: u.explicit, balancer: balancerName(u), keepalive: u.keepalive, peers: rows });
  }
  upstreams.sort((a, b) => Number(b.explicit) - Number(a.explicit) || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return {
    ngts: PRODUCT_VERSION,
    nginx: NGINX_VERSION,
    pid: process.pid,
    time: new Date(nowMs).toISOString(),
    connections: { ...connectionCounters },
    upstreams,
  };
}

const STATE_RANK: Readonly<Record<PeerState, number>> = { up: 0, failed: 1, down: 2 };

function latest(a: string | null, b: string | null): string | null {
  if (a === null) return b;
  if (b === null) return a;
  return a > b ? a : b;
}

/**
 * One report from the workers' reports (the master's `--status`): the counters (`connections`,
 * the stub_status totals the master gathered), requests and failures added up per peer. A peer
 * shows the worst state any worker sees (with `zone` they all see the same), its largest running
 * fail count, the latest failure and retry time.
 */
export function mergeStatusReports(reports: readonly StatusReport[], pid: number, workers: readonly number[], connections: ConnectionCounters, nowMs: number = Date.now()): StatusReport {
  const byName = new Map<string, UpstreamStatus>();
  for (const report of reports) {
    for (const u of report.upstreams) {
      const seen = byName.get(u.name);
      if (seen === undefined) {
        byName.set(u.name, u);
        continue;
      }
      const peers = seen.peers.map((p, i): PeerStatus => {
        const q = u.peers[i];
        if (q === undefined || q.name !== p.name) return p;
        const worst = STATE_RANK[q.state] > STATE_RANK[p.state] ? q : p;
        return {
          ...p,
          state: worst.state,
          active: p.active + q.active,
          requests: p.requests + q.requests,
          fails: Math.max(p.fails, q.fails),
          totalFails: p.totalFails + q.totalFails,
          lastFailure: latest(p.lastFailure, q.lastFailure),
          retryAfter: worst.state === 'failed' ? latest(p.state === 'failed' ? p.retryAfter : null, q.state === 'failed' ? q.retryAfter : null) : null,
        };
      });
      byName.set(u.name, { ...seen, peers });
    }
  }
  return {
    ngts: PRODUCT_VERSION,
    nginx: NGINX_VERSION,
    pid,
    time: new Date(nowMs).toISOString(),
    connections,
    upstreams: [...byName.values()],
    workers,
  };
}

/** A duration in whole seconds, short (`42s`, `5m3s`, `2h1m`). */
function ago(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${s % 60}s`;
  return `${Math.floor(s / 3600)}h${Math.floor((s % 3600) / 60)}m`;
}

/** Left-aligned columns, two spaces apart. */
function table(rows: readonly (readonly string[])[]): string[] {
  const widths: number[] = [];
  for (const r of rows) r.forEach((c, i) => (widths[i] = Math.max(widths[i] ?? 0, c.length)));
  return rows.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!))).join('  ').trimEnd());
}

/** The report as text: the connection counters, then a table of peers per upstream. */
export function formatStatusReport(report: StatusReport): string {
  const c = report.connections;
  const now = Date.parse(report.time);
  const out: string[] = [
    `ngts ${report.ngts} (nginx ${report.nginx} semantics), pid ${report.pid}${report.workers ? ` (master; workers ${report.workers.join(', ')})` : ''}, ${report.time}`,
    `connections: active ${c.active} (reading ${c.reading}, writing ${c.writing}, waiting ${c.waiting}); accepted ${c.accepted}, handled ${c.handled}, requests ${c.requests}`,
  ];
  if (report.upstreams.length === 0) out.push('', 'no upstreams');
  for (const u of report.upstreams) {
    out.push('', `upstream ${u.name}${u.explicit ? '' : ' (implicit, from proxy_pass)'}: ${u.balancer.replace('_', ' ')}${u.keepalive ? `, keepalive ${u.keepalive}` : ''}`);
    const rows: string[][] = [['  PEER', 'STATE', 'WEIGHT', 'ACTIVE', 'REQUESTS', 'FAILS', 'TOTAL FAILS', 'LAST FAILURE']];
    for (const p of u.peers) {
      let state = p.state + (p.backup ? ' (backup)' : '');
      if (p.retryAfter !== null) state += `, retry in ${ago(Date.parse(p.retryAfter) - now)}`;
      rows.push([
        `  ${p.name}`,
        state,
        String(p.weight),
        String(p.active),
        String(p.requests),
        p.maxFails > 0 ? `${p.fails}/${p.maxFails}` : String(p.fails),
        String(p.totalFails),
        p.lastFailure === null ? '-' : `${ago(now - Date.parse(p.lastFailure))} ago`,
      ]);
    }
    out.push(...table(rows));
  }
  return out.join('\n') + '\n';
}
