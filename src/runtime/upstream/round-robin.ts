/**
 * nginx's round-robin balancer (src/http/ngx_http_upstream_round_robin.c): smooth weighted round
 * robin over the primary peers, with max_fails/fail_timeout marking a peer unavailable, then the
 * backup peers when no primary is left. One upstream's peer state is shared by all its requests.
 */
import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import type { UpstreamConf, UpstreamServer } from '../../compile/upstreams.js';

/** One address of an upstream server (ngx_http_upstream_rr_peer_t). */
export interface Peer {
  /** The `server` address as written (peer->server): consistent hashing hashes it. */
  readonly server: string;
  /** `$upstream_addr`: `127.0.0.1:8080` or `unix:/path`. */
  readonly name: string;
  readonly host: string;
  readonly port: number;
  readonly unix: boolean;
  readonly weight: number;
  readonly maxFails: number;
  /** Seconds, as nginx keeps it (ngx_time() granularity matters for `accessed < checked`). */
  readonly failTimeout: number;
  readonly down: boolean;
  /**
   * With `zone` in the upstream: the peer's name in the shared zone (`upstream/p0`, `/b0` for a
   * backup), by which worker processes share its failure state. Null: this process's own.
   */
  readonly shared: string | null;
  currentWeight: number;
  effectiveWeight: number;
  fails: number;
  /** Seconds: the last failure and the last check. */
  accessed: number;
  checked: number;
  conns: number;
  /** For `ngts run --status` only (nginx OSS keeps no such counts): times chosen, failures, ms of the last. */
  requests: number;
  totalFails: number;
  lastFailure: number;
}

export interface PeerList {
  readonly peers: readonly Peer[];
  /** The sum of the weights (peers->total_weight): hash balancers map a hash onto it. */
  readonly totalWeight: number;
  /** ngx_http_upstream_rr_peers_t.single: one primary peer, never marked as failed. */
  readonly single: boolean;
  /** peers->tries: the peers not marked `down`. */
  readonly tries: number;
  readonly backup: PeerList | null;
  /** The upstream's name, for `no live upstreams` and `$upstream_addr` when none is left. */
  readonly name: string;
}

/**
 * Where the failure state of peers with `shared` goes when it changes (worker processes: to the
 * master, which applies it to the zone's copy and tells every worker). Null: one process.
 */
export interface PeerSync {
  /** A failure (`fail`), a success that may reset fails (`ok`), or a new `checked` time (`checked`). */
  changed(peer: Peer, event: 'fail' | 'ok' | 'checked', now: number): void;
}

let peerSync: PeerSync | null = null;

/** Installs the sync of shared peers (a worker process), or removes it. */
export function setPeerSync(sync: PeerSync | null): void {
  peerSync = sync;
}

function makePeer(server: UpstreamServer, host: string, shared: string | null = null): Peer {
  const name = server.unix ? `unix:${host}` : `${host.includes(':') ? `[${host}]` : host}:${server.port}`;
  return {
    server: server.text,
    name,
    host,
    port: server.port,
    unix: server.unix,
    weight: server.weight,
    maxFails: server.maxFails,
    failTimeout: Math.floor(server.failTimeout / 1000),
    down: server.down,
    shared,
    currentWeight: 0,
    effectiveWeight: server.weight,
    fails: 0,
    accessed: 0,
    checked: 0,
    conns: 0,
    requests: 0,
    totalFails: 0,
    lastFailure: 0,
  };
}

/** nginx's `host not found in upstream "…"`, with the line of the server or proxy_pass line. */
export class HostNotFound extends Error {
  /** The message without its place. */
  readonly text: string;
  constructor(
    /** ngx_parse_url's host: a server line's address as written, a proxy_pass URL's host alone. */
    host: string,
    readonly file: string,
    readonly line: number,
  ) {
    super(`host not found in upstream "${host}" in ${file}:${line}`);
    this.text = `host not found in upstream "${host}"`;
  }
}

/**
 * Resolves the servers of `conf` into peers (every address of a host name, as nginx does at
 * start-up). Rejects with HostNotFound.
 */
export async function createPeers(conf: UpstreamConf): Promise<PeerList> {
  const primary: Peer[] = [];
  const backup: Peer[] = [];
  for (const s of conf.servers) {
    let hosts: string[];
    if (s.unix || isIP(s.host)) hosts = [s.host];
    else {
      try {
        hosts = (await lookup(s.host, { all: true })).map((a) => a.address);
      } catch {
        throw new HostNotFound(conf.explicit ? s.text : s.host, s.file, s.line);
      }
    }
    for (const h of hosts) {
      const list = s.backup ? backup : primary;
      list.push(makePeer(s, h, conf.zone === null ? null : `${conf.name}/${s.backup ? 'b' : 'p'}${list.length}`));
    }
  }
  const live = (peers: readonly Peer[]) => peers.filter((p) => !p.down).length;
  const weight = (peers: readonly Peer[]) => peers.reduce((n, p) => n + p.weight, 0);
  const backupList: PeerList | null = backup.length ? { peers: backup, totalWeight: weight(backup), single: false, tries: live(backup), backup: null, name: conf.name } : null;
  return { peers: primary, totalWeight: weight(primary), single: primary.length === 1 && backupList === null, tries: live(primary), backup: backupList, name: conf.name };
}

/**
 * ngx_http_upstream_create_round_robin_peer: the peers of one request whose proxy_pass URL (with
 * variables) named no upstream: each address with weight 1, max_fails 1, fail_timeout 10s; `single`
 * when there is one. `host` is the list's name (`no live upstreams`); `unix` takes a socket path.
 */
export function createResolvedPeers(host: string, addresses: readonly string[], port: number, unix = false): PeerList {
  const peers = addresses.map((a) =>
    makePeer({ text: host, host: a, port, unix, weight: 1, maxFails: 1, failTimeout: 10_000, backup: false, down: false, file: '', line: 0 }, a),
  );
  return { peers, totalWeight: peers.length, single: peers.length === 1, tries: peers.length, backup: null, name: host };
}

/** peer->checked = now, told to the other workers when the peer is shared. */
function setChecked(peer: Peer, now: number): void {
  peer.checked = now;
  if (peer.shared !== null) peerSync?.changed(peer, 'checked', now);
}

/** The balancer state of one request (ngx_http_upstream_rr_peer_data_t). */
export class RoundRobinPeerData {
  protected list: PeerList;
  protected tried = new Set<Peer>();
  current: Peer | null = null;
  /** pc->tries: attempts left, all primary and backup peers. */
  tries: number;

  constructor(protected readonly root: PeerList) {
    this.list = root;
    this.tries = root.tries + (root.backup?.tries ?? 0);
  }

  // ngx_http_upstream_get_round_robin_peer
  /** The next peer to try, or null (NGX_BUSY: `no live upstreams`). */
  get(now: number = Math.floor(Date.now() / 1000)): Peer | null {
    const peers = this.list;
    let peer: Peer | null;
    if (peers.single) {
      peer = peers.peers[0] ?? null;
      if (peer !== null && peer.down) peer = null;
    } else peer = this.pick(now);
    if (peer !== null) {
      this.current = peer;
      peer.conns++;
      peer.requests++;
      return peer;
    }
    if (peers.backup !== null) {
      this.list = peers.backup;
      this.tried = new Set();
      return this.get(now);
    }
    return null;
  }

  /** Marks `peer` as the one in use (rrp->current, tried, conns, checked). */
  protected take(peer: Peer, now: number): Peer {
    this.current = peer;
    this.tried.add(peer);
    peer.conns++;
    peer.requests++;
    if (now - peer.checked > peer.failTimeout) setChecked(peer, now);
    return peer;
  }

  /** Whether nginx would skip `peer` now: tried, down, or failed within fail_timeout. */
  protected unusable(peer: Peer, now: number): boolean {
    return this.tried.has(peer) || peer.down || (peer.maxFails > 0 && peer.fails >= peer.maxFails && now - peer.checked <= peer.failTimeout);
  }

  // ngx_http_upstream_get_peer: smooth weighted round robin.
  protected pick(now: number): Peer | null {
    let best: Peer | null = null;
    let total = 0;
    for (const peer of this.list.peers) {
      if (this.tried.has(peer) || peer.down) continue;
      if (peer.maxFails && peer.fails >= peer.maxFails && now - peer.checked <= peer.failTimeout) continue;
      peer.currentWeight += peer.effectiveWeight;
      total += peer.effectiveWeight;
      if (peer.effectiveWeight < peer.weight) peer.effectiveWeight++;
      if (best === null || peer.currentWeight > best.currentWeight) best = peer;
    }
    if (best === null) return null;
    this.tried.add(best);
    best.currentWeight -= total;
    if (now - best.checked > best.failTimeout) setChecked(best, now);
    return best;
  }

  // ngx_http_upstream_free_round_robin_peer
  /** Ends the use of the current peer; `failed` counts against max_fails. Returns a warning, if any. */
  free(failed: boolean, now: number = Math.floor(Date.now() / 1000)): string | null {
    const peer = this.current;
    if (peer === null) return null;
    peer.conns--;
    if (failed) {
      peer.totalFails++;
      peer.lastFailure = Date.now();
    }
    if (this.list.single) {
      this.tries = 0;
      return null;
    }
    let warning: string | null = null;
    if (failed) {
      peer.fails++;
      peer.accessed = now;
      peer.checked = now;
      if (peer.maxFails) {
        peer.effectiveWeight -= Math.floor(peer.weight / peer.maxFails);
        if (peer.fails >= peer.maxFails) warning = 'upstream server temporarily disabled';
      }
      if (peer.effectiveWeight < 0) peer.effectiveWeight = 0;
      if (peer.shared !== null) peerSync?.changed(peer, 'fail', now);
    } else if (peer.accessed < peer.checked && peer.fails !== 0) {
      peer.fails = 0;
      if (peer.shared !== null) peerSync?.changed(peer, 'ok', now);
    }
    if (this.tries) this.tries--;
    return warning;
  }

  get name(): string {
    return this.root.name;
  }
}
