/**
 * ngx_http_upstream_least_conn_module: the peer with the fewest active connections relative to
 * its weight; ties are broken by smooth weighted round robin among the tied peers; backups when
 * no primary is left.
 */
import { RoundRobinPeerData, type Peer } from './round-robin.js';

// ngx_http_upstream_get_least_conn_peer
export class LeastConnPeerData extends RoundRobinPeerData {
  override get(t: number = Math.floor(Date.now() / 1000)): Peer | null {
    if (this.list.single) return super.get(t);
    const peers = this.list.peers;
    let best: Peer | null = null;
    let bestIndex = 0;
    let many = false;
    peers.forEach((peer, i) => {
      if (this.unusable(peer, t)) return;
      if (best === null || peer.conns * best.weight < best.conns * peer.weight) {
        best = peer;
        bestIndex = i;
        many = false;
      } else if (peer.conns * best.weight === best.conns * peer.weight) many = true;
    });
    if (best === null) {
      if (this.list.backup !== null) {
        this.list = this.list.backup;
        this.tried = new Set();
        return this.get(t);
      }
      return null;
    }
    let chosen: Peer = best;
    let total = 0;
    if (many) {
      const first: Peer = best;
      for (let i = bestIndex; i < peers.length; i++) {
        const peer = peers[i]!;
        if (this.unusable(peer, t) || peer.conns * first.weight !== first.conns * peer.weight) continue;
        peer.currentWeight += peer.effectiveWeight;
        total += peer.effectiveWeight;
        if (peer.effectiveWeight < peer.weight) peer.effectiveWeight++;
        if (peer.currentWeight > chosen.currentWeight) chosen = peer;
      }
    }
    chosen.currentWeight -= total;
    return this.take(chosen, t);
  }
}
