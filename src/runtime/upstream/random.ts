/**
 * ngx_http_upstream_random_module: `random` picks a peer at random with probability proportional
 * to its weight; `random two [least_conn]` picks two distinct peers so and keeps the one with fewer
 * active connections relative to its weight (least_conn is the only method). Peers tried, down or
 * failed (max_fails within fail_timeout) are drawn again; after 20 draws in one request, and for
 * an upstream of fewer than two peers, the choice falls to round robin. There are no backups.
 */
import { RoundRobinPeerData, type Peer, type PeerList } from './round-robin.js';

/** ngx_random(): a non-negative 31-bit integer, as random(3) returns. */
export type RandomSource = () => number;

const mathRandom: RandomSource = () => Math.floor(Math.random() * 0x80000000);
let source: RandomSource = mathRandom;

/** Replaces the random source of every later request (tests); null restores Math.random. */
export function setRandomSource(next: RandomSource | null): void {
  source = next ?? mathRandom;
}

/**
 * ngx_http_upstream_update_random: for each peer, the sum of the weights before it (its range
 * starts there), computed once per peer list.
 */
const rangesByList = new WeakMap<PeerList, readonly number[]>();

function rangesOf(list: PeerList): readonly number[] {
  let ranges = rangesByList.get(list);
  if (ranges === undefined) {
    let total = 0;
    ranges = list.peers.map((p) => {
      const start = total;
      total += p.weight;
      return start;
    });
    rangesByList.set(list, ranges);
  }
  return ranges;
}

/** How many draws one request may make before round robin decides (rp->tries > 20). */
const MAX_DRAWS = 20;

export class RandomPeerData extends RoundRobinPeerData {
  /** rp->tries: the draws that found no usable peer (and, with `two`, the first of each pair). */
  private draws = 0;

  constructor(
    root: PeerList,
    private readonly two: boolean,
    private readonly random: RandomSource = source,
  ) {
    super(root);
  }

  // ngx_http_upstream_peek_random_peer: the peer whose range holds random() % total_weight
  // (down peers keep their range, as in nginx).
  private peek(): number {
    const ranges = rangesOf(this.list);
    const x = this.random() % this.list.totalWeight;
    let i = 0;
    let j = ranges.length;
    while (j - i > 1) {
      const k = (i + j) >> 1;
      if (x < ranges[k]!) j = k;
      else i = k;
    }
    return i;
  }

  // ngx_http_upstream_get_random_peer and ngx_http_upstream_get_random2_peer
  override get(now: number = Math.floor(Date.now() / 1000)): Peer | null {
    const peers = this.list.peers;
    if (this.draws > MAX_DRAWS || peers.length < 2) return super.get(now);
    let prev: Peer | null = null;
    for (;;) {
      const peer = peers[this.peek()]!;
      if (peer !== prev && !this.unusable(peer, now)) {
        if (!this.two) return this.take(peer, now);
        if (prev !== null) {
          // The one with fewer connections per weight; on a tie the second drawn.
          return this.take(peer.conns * prev.weight > prev.conns * peer.weight ? prev : peer, now);
        }
        prev = peer;
      }
      if (++this.draws > MAX_DRAWS) return super.get(now);
    }
  }
}
