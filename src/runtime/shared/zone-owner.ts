/**
 * The master's side of the shared zones: it runs the limit_req and limit_conn decisions on the
 * zones it holds (limit-zones.ts, kept across reloads as nginx keeps shared memory zones) for
 * every worker, keeps the failure state of the peers of upstreams with `zone`, and gives back
 * the limit_conn counts of a worker that died (nginx cannot: its counts stay taken).
 */
import { limitConnDecide, type LimitConnAsk, type LimitConnDecision } from '../http/limit-conn.js';
import { limitReqDecide, type LimitReqAsk, type LimitReqDecision } from '../http/limit-req.js';
import { limitZoneStates } from '../http/limit-zones.js';
import type { LimitConnZoneState } from '../http/limit-conn.js';
import type { SharedPeerState } from './messages.js';

interface Holding {
  readonly state: LimitConnZoneState;
  readonly key: string;
  n: number;
}

interface PeerState {
  fails: number;
  accessed: number;
  checked: number;
}

export class ZoneOwner {
  /** The limit_conn counts each worker holds (by pid), by zone and key. */
  private readonly holdings = new Map<number, Map<string, Holding>>();
  /** The zone copy of shared peers, by worker generation (a reload starts one) and peer. */
  private readonly peers = new Map<number, Map<string, PeerState>>();

  /** ngx_http_limit_req_handler's zone part, for a worker. */
  limitReq(asks: readonly LimitReqAsk[], now: number): LimitReqDecision {
    return limitReqDecide(limitZoneStates().req, asks, (n) => asks[n]!.key, now);
  }

  /** ngx_http_limit_conn_handler's zone part, for worker `pid`; what it takes is noted. */
  limitConn(pid: number, asks: readonly LimitConnAsk[]): LimitConnDecision {
    const zones = limitZoneStates().conn;
    const d = limitConnDecide(zones, asks);
    if (d.rc !== 'passed') return d;
    let held = this.holdings.get(pid);
    if (held === undefined) this.holdings.set(pid, (held = new Map()));
    for (const n of d.taken) {
      const { zone, key } = asks[n]!;
      const id = `${zone}\0${key}`;
      const h = held.get(id);
      if (h !== undefined) h.n++;
      else held.set(id, { state: zones.get(zone)!, key: key!, n: 1 });
    }
    return d;
  }

  /** A request of worker `pid` that held a count is over (ngx_http_limit_conn_cleanup). */
  release(pid: number, zone: string, key: string): void {
    const held = this.holdings.get(pid);
    const id = `${zone}\0${key}`;
    const h = held?.get(id);
    if (h === undefined) return;
    // The state the count was taken in: a reload may have replaced the zone of that name since.
    h.state.release(key);
    if (--h.n === 0) held!.delete(id);
  }

  /** Worker `pid` is gone: what it still held is given back. */
  workerGone(pid: number): void {
    const held = this.holdings.get(pid);
    this.holdings.delete(pid);
    for (const h of held?.values() ?? []) for (let i = 0; i < h.n; i++) h.state.release(h.key);
  }

  /**
   * A shared peer's event from a worker of generation `gen`, applied to the zone's copy as
   * ngx_http_upstream_free_round_robin_peer and ngx_http_upstream_get_peer change the peer
   * under the zone's lock; returns the state to tell every worker of that generation.
   */
  peerEvent(gen: number, sid: string, event: 'fail' | 'ok' | 'checked', now: number, failTimeout: number): SharedPeerState {
    let states = this.peers.get(gen);
    if (states === undefined) this.peers.set(gen, (states = new Map()));
    let p = states.get(sid);
    if (p === undefined) states.set(sid, (p = { fails: 0, accessed: 0, checked: 0 }));
    if (event === 'fail') {
      p.fails++;
      p.accessed = now;
      p.checked = now;
    } else if (event === 'ok') {
      if (p.accessed < p.checked) p.fails = 0;
    } else if (now - p.checked > failTimeout) p.checked = now;
    return { sid, ...p };
  }

  /** The zone's state of every shared peer of generation `gen`, for a worker that starts. */
  peerSnapshot(gen: number): SharedPeerState[] {
    return [...(this.peers.get(gen) ?? new Map<string, PeerState>())].map(([sid, p]) => ({ sid, ...p }));
  }

  /** The last worker of generation `gen` is gone: its configuration's peers go too. */
  dropGeneration(gen: number): void {
    this.peers.delete(gen);
  }
}
