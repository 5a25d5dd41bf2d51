/**
 * The `random` balancer (ngx_http_upstream_random_module) with an injected random source: every
 * live peer is chosen, in proportion to its weight; down and failed peers never are; `two` keeps
 * the less loaded of two distinct draws; after 20 fruitless draws round robin decides; fewer than
 * two peers is round robin. The live comparison with nginx (distribution only) is
 * test/http/upstream-random.test.ts.
 */
import { describe, expect, it } from 'vitest';
import type { UpstreamConf, UpstreamServer } from '../../../src/compile/upstreams.js';
import { RandomPeerData, type RandomSource } from '../../../src/runtime/upstream/random.js';
import { createPeers, type Peer, type PeerList } from '../../../src/runtime/upstream/round-robin.js';

interface ServerOptions {
  weight?: number;
  down?: boolean;
  maxFails?: number;
}

async function peers(...servers: ServerOptions[]): Promise<PeerList> {
  const list: UpstreamServer[] = servers.map((s, i) => ({
    text: `127.0.0.1:${i + 1}`,
    host: '127.0.0.1',
    port: i + 1,
    unix: false,
    weight: s.weight ?? 1,
    maxFails: s.maxFails ?? 1,
    failTimeout: 10_000,
    backup: false,
    down: s.down ?? false,
    file: 'nginx.conf',
    line: 1,
  }));
  const conf = { name: 'u', servers: list } as unknown as UpstreamConf;
  return createPeers(conf);
}

/** A seeded generator of 31-bit integers (mulberry32), for repeatable draws. */
function seeded(seed: number): RandomSource {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) >>> 1;
  };
}

/** A source that returns the given values in turn, then repeats the last. */
function fixed(...values: number[]): RandomSource {
  let i = 0;
  return () => values[Math.min(i++, values.length - 1)]!;
}

/** One request's pick with `two` and the given draws, its connection ended at once. */
function pickTwo(list: PeerList, ...draws: number[]): number {
  const rr = new RandomPeerData(list, true, fixed(...draws));
  const peer = rr.get(1000)!;
  rr.free(false, 1000);
  return peer.port;
}

/** Picks `n` times (each a request that ends at once) and counts the peers chosen by port. */
function count(list: PeerList, n: number, two: boolean, random: RandomSource): Map<number, number> {
  const seen = new Map<number, number>();
  for (let i = 0; i < n; i++) {
    const rr = new RandomPeerData(list, two, random);
    const peer = rr.get(1000);
    expect(peer).not.toBeNull();
    seen.set(peer!.port, (seen.get(peer!.port) ?? 0) + 1);
    rr.free(false, 1000);
  }
  return seen;
}

describe('random', () => {
  it('chooses every peer, in proportion to its weight', async () => {
    const list = await peers({ weight: 1 }, { weight: 3 }, { weight: 6 });
    const n = 20_000;
    const seen = count(list, n, false, seeded(1));
    expect([...seen.keys()].sort()).toEqual([1, 2, 3]);
    for (const [port, weight] of [[1, 0.1], [2, 0.3], [3, 0.6]] as const) expect(Math.abs(seen.get(port)! / n - weight)).toBeLessThan(0.02);
  });

  it('maps random() % total_weight onto the ranges of the weights', async () => {
    const list = await peers({ weight: 2 }, { weight: 1 }, { weight: 3 });
    // ranges: [0,2) → 1, [2,3) → 2, [3,6) → 3
    const ports = [0, 1, 2, 3, 5, 6, 8].map((x) => new RandomPeerData(list, false, fixed(x)).get(1000)!.port);
    expect(ports).toEqual([1, 1, 2, 3, 3, 1, 2]);
  });

  it('never chooses a down peer, though it keeps its range', async () => {
    const list = await peers({}, { down: true, weight: 5 }, {});
    const seen = count(list, 2000, false, seeded(2));
    expect(seen.has(2)).toBe(false);
    expect(seen.get(1)! + seen.get(3)!).toBe(2000);
  });

  it('skips a peer failed within fail_timeout, and the peer already tried', async () => {
    const list = await peers({}, {}, {});
    const first = new RandomPeerData(list, false, fixed(0));
    expect(first.get(1000)!.port).toBe(1);
    first.free(true, 1000); // max_fails=1: peer 1 is out until fail_timeout passes
    const next = first.get(1000);
    expect(next!.port).not.toBe(1);
    const later = count(list, 500, false, seeded(3));
    expect(later.has(1)).toBe(false);
  });

  it('falls to round robin after 20 fruitless draws', async () => {
    const list = await peers({ down: true }, {}, {});
    // Every draw hits the down peer: the 21st miss hands over to round robin.
    let draws = 0;
    const rr = new RandomPeerData(list, false, () => {
      draws++;
      return 0;
    });
    const peer = rr.get(1000);
    expect(draws).toBe(21);
    expect(peer!.port).toBe(2);
  });

  it('answers no live upstream when every peer is down', async () => {
    const list = await peers({ down: true }, { down: true });
    expect(new RandomPeerData(list, false, seeded(4)).get(1000)).toBeNull();
    expect(new RandomPeerData(list, true, seeded(4)).get(1000)).toBeNull();
  });

  it('is round robin for a single peer', async () => {
    const list = await peers({});
    let draws = 0;
    const rr = new RandomPeerData(list, false, () => draws++);
    expect(rr.get(1000)!.port).toBe(1);
    expect(draws).toBe(0);
  });
});

describe('random two least_conn', () => {
  it('keeps the peer with fewer connections of the two drawn', async () => {
    const list = await peers({}, {}, {});
    const busy: Peer = list.peers[0]!;
    busy.conns = 5;
    try {
      // draws: peer 1 (busy), then peer 2
      expect(pickTwo(list, 0, 1)).toBe(2);
      // draws: peer 2, then peer 1 (busy): still peer 2
      expect(pickTwo(list, 1, 0)).toBe(2);
      // a tie (peers 2 and 3 idle): the second drawn
      expect(pickTwo(list, 1, 2)).toBe(3);
      expect(pickTwo(list, 2, 1)).toBe(2);
    } finally {
      busy.conns = 0;
    }
  });

  it('compares connections relative to weight', async () => {
    const list = await peers({ weight: 4 }, { weight: 1 });
    list.peers[0]!.conns = 3; // 3/4 per weight
    list.peers[1]!.conns = 1; // 1/1
    try {
      expect(pickTwo(list, 0, 4)).toBe(1);
    } finally {
      list.peers[0]!.conns = 0;
      list.peers[1]!.conns = 0;
    }
  });

  it('draws a second distinct peer: the same one twice is drawn again', async () => {
    const list = await peers({}, {});
    let draws = 0;
    const values = [0, 0, 0, 1];
    const peer = new RandomPeerData(list, true, () => values[Math.min(draws++, values.length - 1)]!).get(1000);
    expect(draws).toBe(4);
    expect(peer!.port).toBe(2);
  });

  it('spreads requests over every live peer by weight when all are idle', async () => {
    const list = await peers({ weight: 1 }, { weight: 1 }, { weight: 2 }, { down: true });
    const n = 20_000;
    const seen = count(list, n, true, seeded(5));
    expect(seen.has(4)).toBe(false);
    // Idle peers tie, so the second draw wins: a draw distinct from the first, which evens the
    // weights 1, 1, 2 out to a third each (P(3) = 2 · ¼ · ⅔; P(1) = ¼ · ⅓ + ½ · ½).
    for (const port of [1, 2, 3]) expect(Math.abs(seen.get(port)! / n - 1 / 3)).toBeLessThan(0.02);
  });
});
