/**
 * The hash balancers (ngx_http_upstream_ip_hash_module.c, ngx_http_upstream_hash_module.c):
 * `ip_hash` over the first three octets of the client's IPv4 address (all 16 bytes of IPv6),
 * `hash KEY` compatible with Cache::Memcached, and `hash KEY consistent` (ketama: 160 points per
 * weight unit). After 20 unlucky tries, or with a single peer or an empty key, they fall back
 * to round robin, as nginx does.
 */
import { crc32 } from 'node:zlib';
import { isIPv4 } from 'node:net';
import ipaddr from 'ipaddr.js';
import { RoundRobinPeerData, type Peer, type PeerList } from './round-robin.js';

const now = (): number => Math.floor(Date.now() / 1000);

/** Walks the weights as nginx does: the peer whose weight span holds `w`. */
function byWeight(list: PeerList, w: number): Peer {
  let i = 0;
  let peer = list.peers[0]!;
  while (w >= peer.weight) {
    w -= peer.weight;
    peer = list.peers[++i]!;
  }
  return peer;
}

// ngx_http_upstream_get_ip_hash_peer
export class IpHashPeerData extends RoundRobinPeerData {
  private hash = 89;
  private hashTries = 0;
  private readonly addr: number[];

  constructor(root: PeerList, clientAddress: string) {
    super(root);
    if (isIPv4(clientAddress)) this.addr = clientAddress.split('.').slice(0, 3).map(Number);
    else {
      let bytes: number[] = [0, 0, 0];
      try {
        bytes = ipaddr.parse(clientAddress).toByteArray();
      } catch {
        // unix: clients hash as 0.0.0 (nginx uses a zero address for them)
      }
      this.addr = bytes;
    }
  }

  override get(t: number = now()): Peer | null {
    if (this.hashTries > 20 || this.list.single) return super.get(t);
    let hash = this.hash;
    for (;;) {
      for (const b of this.addr) hash = (hash * 113 + b) % 6271;
      const peer = byWeight(this.list, hash % this.list.totalWeight);
      if (!this.unusable(peer, t)) {
        this.hash = hash;
        return this.take(peer, t);
      }
      if (++this.hashTries > 20) return super.get(t);
    }
  }
}

// ngx_http_upstream_get_hash_peer
export class HashPeerData extends RoundRobinPeerData {
  private hash = 0;
  private rehash = 0;
  private hashTries = 0;

  constructor(
    root: PeerList,
    private readonly key: string,
  ) {
    super(root);
  }

  override get(t: number = now()): Peer | null {
    if (this.hashTries > 20 || this.list.single || this.key.length === 0) return super.get(t);
    const key = Buffer.from(this.key, 'latin1');
    for (;;) {
      // ((crc32([REHASH] KEY) >> 16) & 0x7fff) + PREV_HASH
      const input = this.rehash > 0 ? Buffer.concat([Buffer.from(String(this.rehash)), key]) : key;
      this.hash += (crc32(input) >>> 16) & 0x7fff;
      this.rehash++;
      const peer = byWeight(this.list, this.hash % this.list.totalWeight);
      if (!this.unusable(peer, t)) return this.take(peer, t);
      if (++this.hashTries > 20) return super.get(t);
    }
  }
}

/** The sorted, de-duplicated ketama points of a peer list (ngx_http_upstream_init_chash). */
export interface ChashPoints {
  readonly hashes: Uint32Array;
  readonly servers: readonly string[];
}

const pointsCache = new WeakMap<PeerList, ChashPoints>();

function chashPoints(list: PeerList): ChashPoints {
  const cached = pointsCache.get(list);
  if (cached) return cached;
  const points: { hash: number; server: string }[] = [];
  for (const peer of list.peers) {
    const server = peer.server;
    let host: string;
    let port = '';
    if (server.length >= 5 && server.slice(0, 5).toLowerCase() === 'unix:') host = server.slice(5);
    else {
      const m = /^(.*):(\d*)$/.exec(server);
      if (m) {
        host = m[1]!;
        port = m[2]!;
      } else host = server;
    }
    // crc32(HOST \0 PORT PREV_HASH), compatible with Cache::Memcached::Fast.
    const base = Buffer.concat([Buffer.from(host, 'latin1'), Buffer.from([0]), Buffer.from(port, 'latin1')]);
    const prev = Buffer.alloc(4);
    for (let j = 0; j < peer.weight * 160; j++) {
      const hash = crc32(prev, crc32(base));
      points.push({ hash, server });
      prev.writeUInt32LE(hash, 0);
    }
  }
  points.sort((a, b) => a.hash - b.hash);
  const out: { hash: number; server: string }[] = [];
  for (const p of points) if (out.length === 0 || out[out.length - 1]!.hash !== p.hash) out.push(p);
  const result = { hashes: Uint32Array.from(out.map((p) => p.hash)), servers: out.map((p) => p.server) };
  pointsCache.set(list, result);
  return result;
}

// ngx_http_upstream_find_chash_point: the first point >= hash.
function findPoint(points: ChashPoints, hash: number): number {
  let i = 0;
  let j = points.hashes.length;
  while (i < j) {
    const k = (i + j) >>> 1;
    const v = points.hashes[k]!;
    if (hash > v) i = k + 1;
    else if (hash < v) j = k;
    else return k;
  }
  return i;
}

// ngx_http_upstream_get_chash_peer
export class ChashPeerData extends RoundRobinPeerData {
  private point: number;
  private hashTries = 0;

  constructor(
    root: PeerList,
    private readonly key: string,
  ) {
    super(root);
    this.point = key.length ? findPoint(chashPoints(root), crc32(Buffer.from(key, 'latin1'))) : 0;
  }

  override get(t: number = now()): Peer | null {
    if (this.hashTries > 20 || this.list.single || this.key.length === 0) return super.get(t);
    const points = chashPoints(this.root);
    for (;;) {
      const server = points.servers[this.point % points.servers.length]!;
      let best: Peer | null = null;
      let total = 0;
      for (const peer of this.list.peers) {
        if (this.unusable(peer, t) || peer.server !== server) continue;
        peer.currentWeight += peer.effectiveWeight;
        total += peer.effectiveWeight;
        if (peer.effectiveWeight < peer.weight) peer.effectiveWeight++;
        if (best === null || peer.currentWeight > best.currentWeight) best = peer;
      }
      if (best !== null) {
        best.currentWeight -= total;
        return this.take(best, t);
      }
      this.point++;
      if (++this.hashTries > 20) return super.get(t);
    }
  }
}
