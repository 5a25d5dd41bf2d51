/**
 * The master's side of the shared zones (src/runtime/shared/zone-owner.ts): decisions asked by
 * several workers are those of one zone (a burst is a burst for all of them), limit_conn counts
 * taken by a worker that dies are given back, a count taken before a reload goes back to the zone
 * it was taken in, and shared peers' events follow ngx_http_upstream_free_round_robin_peer.
 * Peers of an upstream with `zone` report their changes; others do not.
 */
import { describe, expect, it } from 'vitest';
import type { ComplexValue } from '../../../src/compile/complex-value.js';
import type { LimitZone } from '../../../src/compile/limit-conf.js';
import type { UpstreamConf, UpstreamServer } from '../../../src/compile/upstreams.js';
import { limitZoneStates, setLimitZones } from '../../../src/runtime/http/limit-zones.js';
import { ZoneOwner } from '../../../src/runtime/shared/zone-owner.js';
import { createPeers, RoundRobinPeerData, setPeerSync, type Peer } from '../../../src/runtime/upstream/round-robin.js';

/** A zone as the compiler makes it; the master never evaluates the key. */
function zone(name: string, size: number, rate = 0): LimitZone {
  return { name, key: { source: '$http_x_key' } as unknown as ComplexValue, size, rate };
}

describe('ZoneOwner', () => {
  it('limit_req: the asks of two workers share one bucket (1r/s, burst 2, nodelay: 3 of 4 pass)', () => {
    setLimitZones(new Map([['one', zone('one', 1 << 20, 1000)]]), new Map());
    const owner = new ZoneOwner();
    const ask = [{ zone: 'one', key: 'k', burst: 2000, delay: Number.MAX_SAFE_INTEGER }];
    const now = 1_000_000;
    const rcs = [owner.limitReq(ask, now), owner.limitReq(ask, now), owner.limitReq(ask, now), owner.limitReq(ask, now)].map((d) => d.rc);
    expect(rcs).toEqual(['ok', 'ok', 'ok', 'busy']);
    // 1 s later one request has leaked out: one more passes.
    expect(owner.limitReq(ask, now + 1000).rc).toBe('ok');
    expect(owner.limitReq(ask, now + 1000)).toMatchObject({ rc: 'busy', excess: 3000 });
  });

  it('limit_req with delay: the master computes the delay of the request (excess over delay, at the rate)', () => {
    setLimitZones(new Map([['d', zone('d', 1 << 20, 10_000)]]), new Map());
    const owner = new ZoneOwner();
    const ask = [{ zone: 'd', key: 'k', burst: 5000, delay: 1000 }];
    const delays = Array.from({ length: 4 }, () => owner.limitReq(ask, 5_000_000).delay);
    // 10r/s: excess 0 and 1 pass at once; 2 and 3 wait 100 and 200 ms.
    expect(delays).toEqual([0, 0, 100, 200]);
  });

  it('limit_conn: counts across workers, and a dead worker gives its counts back', () => {
    setLimitZones(new Map(), new Map([['c', zone('c', 1 << 20)]]));
    const owner = new ZoneOwner();
    const ask = [{ zone: 'c', conn: 2, key: 'k' }];
    expect(owner.limitConn(101, ask).rc).toBe('passed');
    expect(owner.limitConn(101, ask).rc).toBe('passed');
    expect(owner.limitConn(102, ask)).toEqual({ rc: 'rejected', at: 0, logged: true });
    owner.workerGone(101);
    expect(limitZoneStates().conn.get('c')!.counts.size).toBe(0);
    expect(owner.limitConn(102, ask).rc).toBe('passed');
    owner.release(102, 'c', 'k');
    expect(limitZoneStates().conn.get('c')!.counts.size).toBe(0);
    // A release nobody took is ignored.
    owner.release(102, 'c', 'k');
    expect(owner.limitConn(103, [{ zone: 'c', conn: 1, key: null }]).rc).toBe('declined');
  });

  it('limit_conn: a count taken before a reload that replaced the zone goes back to the old zone', () => {
    setLimitZones(new Map(), new Map([['c', zone('c', 1 << 20)]]));
    const owner = new ZoneOwner();
    owner.limitConn(7, [{ zone: 'c', conn: 5, key: 'k' }]);
    const old = limitZoneStates().conn.get('c')!;
    // Another size: another zone of the same name, empty.
    setLimitZones(new Map(), new Map([['c', zone('c', 2 << 20)]]));
    const fresh = limitZoneStates().conn.get('c')!;
    expect(fresh).not.toBe(old);
    owner.limitConn(8, [{ zone: 'c', conn: 5, key: 'k' }]);
    owner.release(7, 'c', 'k');
    expect(old.counts.get('k')).toBeUndefined();
    expect(fresh.counts.get('k')).toBe(1);
  });

  it('shared peers: a failure counts and marks the time; a success after fail_timeout resets; checked moves once per fail_timeout', () => {
    const owner = new ZoneOwner();
    expect(owner.peerEvent(1, 'u/p0', 'fail', 100, 10)).toEqual({ sid: 'u/p0', fails: 1, accessed: 100, checked: 100 });
    expect(owner.peerEvent(1, 'u/p0', 'fail', 101, 10)).toMatchObject({ fails: 2, accessed: 101, checked: 101 });
    // Within fail_timeout a second worker's check does not move it; after, it does.
    expect(owner.peerEvent(1, 'u/p0', 'checked', 105, 10).checked).toBe(101);
    expect(owner.peerEvent(1, 'u/p0', 'checked', 112, 10).checked).toBe(112);
    // accessed (101) < checked (112): a success resets the count.
    expect(owner.peerEvent(1, 'u/p0', 'ok', 112, 10).fails).toBe(0);
    expect(owner.peerSnapshot(1)).toEqual([{ sid: 'u/p0', fails: 0, accessed: 101, checked: 112 }]);
    expect(owner.peerSnapshot(2)).toEqual([]);
    owner.dropGeneration(1);
    expect(owner.peerSnapshot(1)).toEqual([]);
  });
});

describe('round robin peers with zone', () => {
  const server = (port: number): UpstreamServer => ({ text: `127.0.0.1:${port}`, host: '127.0.0.1', port, unix: false, weight: 1, maxFails: 1, failTimeout: 10_000, backup: false, down: false, file: 'nginx.conf', line: 1 });

  it('report failures, successes that reset, and checks to the sync; peers without zone do not', async () => {
    const events: string[] = [];
    setPeerSync({ changed: (peer: Peer, event, now) => events.push(`${peer.shared} ${event} ${now}`) });
    try {
      const shared = await createPeers({ name: 'u', servers: [server(1), server(2)], zone: 'u' } as unknown as UpstreamConf);
      const own = await createPeers({ name: 'v', servers: [server(1), server(2)], zone: null } as unknown as UpstreamConf);
      expect(shared.peers.map((p) => p.shared)).toEqual(['u/p0', 'u/p1']);
      expect(own.peers.map((p) => p.shared)).toEqual([null, null]);
      const rr = new RoundRobinPeerData(shared);
      expect(rr.get(50)?.shared).toBe('u/p0');
      rr.free(true, 50);
      const again = new RoundRobinPeerData(own);
      again.get(50);
      again.free(true, 50);
      expect(events).toEqual(['u/p0 checked 50', 'u/p0 fail 50']);
    } finally {
      setPeerSync(null);
    }
  });
});
