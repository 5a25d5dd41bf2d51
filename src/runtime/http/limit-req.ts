/**
 * ngx_http_limit_req_module: the leaky bucket per key of each zone. `excess` counts requests
 * beyond the rate (× 1000, decaying at the zone's rate); above `burst` a request is rejected,
 * above `delay` it waits. Several limit_req lines are all charged: the earlier ones are tested,
 * the last one accounted, then the others accounted (ngx_http_limit_req_account).
 */
import type { LimitReqConf, LimitReq, LimitZone } from '../../compile/limit-conf.js';
import type { HttpRequest } from './request.js';
import type { LogLevel, ResponseSink } from './response.js';
import { evaluate } from './variables.js';

const DECLINED = -5;

interface ReqNode {
  excess: number;
  last: number;
  /** Requests holding the node between test and account. */
  count: number;
}

/** One zone's state: nodes by key, least recently used first (a Map keeps insertion order). */
export class LimitReqZoneState {
  readonly nodes = new Map<string, ReqNode>();
  /** How many nodes fit in the zone's size, as nginx's slab would hold them (approximate). */
  readonly capacity: number;
  node: ReqNode | null = null;

  /** Replaced by a reload that keeps the zone: the key and rate of the new configuration apply. */
  constructor(public zone: LimitZone) {
    // A node is an rbtree node, the limit_req node and the key, in a 64- or 128-byte slab slot.
    this.capacity = Math.max(1, Math.floor((zone.size * 0.9) / 128));
  }

  private touch(key: string, node: ReqNode): void {
    this.nodes.delete(key);
    this.nodes.set(key, node);
  }

  // ngx_http_limit_req_expire: n 1 frees up to two idle nodes, n 0 also the oldest by force.
  private expire(n: number, now: number): void {
    while (n < 3) {
      const first = this.nodes.entries().next();
      if (first.done) return;
      const [key, lr] = first.value;
      if (lr.count) return;
      if (n++ !== 0) {
        const ms = Math.abs(now - lr.last);
        if (ms < 60000) return;
        const excess = lr.excess - Math.trunc((this.zone.rate * ms) / 1000);
        if (excess > 0) return;
      }
      this.nodes.delete(key);
    }
  }

  // ngx_http_limit_req_lookup
  /** 'ok', 'again' (tested, to be accounted later), 'busy' (over burst) or 'error' (zone full). */
  lookup(limit: LimitReq, key: string, account: boolean, now: number): { rc: 'ok' | 'again' | 'busy' | 'error'; excess: number } {
    const lr = this.nodes.get(key);
    if (lr !== undefined) {
      this.touch(key, lr);
      let ms = now - lr.last;
      if (ms < -60000) ms = 1;
      else if (ms < 0) ms = 0;
      let excess = lr.excess - Math.trunc((this.zone.rate * ms) / 1000) + 1000;
      if (excess < 0) excess = 0;
      if (excess > limit.burst) return { rc: 'busy', excess };
      if (account) {
        lr.excess = excess;
        if (ms) lr.last = now;
        return { rc: 'ok', excess };
      }
      lr.count++;
      this.node = lr;
      return { rc: 'again', excess };
    }
    this.expire(1, now);
    if (this.nodes.size >= this.capacity) {
      this.expire(0, now);
      if (this.nodes.size >= this.capacity) return { rc: 'error', excess: 0 };
    }
    const node: ReqNode = { excess: 0, last: account ? now : 0, count: account ? 0 : 1 };
    this.nodes.set(key, node);
    if (account) return { rc: 'ok', excess: 0 };
    this.node = node;
    return { rc: 'again', excess: 0 };
  }
}

/** The zones of the running configuration, by name. */
export type LimitReqZones = ReadonlyMap<string, LimitReqZoneState>;

function fmt(excess: number): string {
  return `${Math.floor(excess / 1000)}.${String(excess % 1000).padStart(3, '0')}`;
}

const BELOW: Record<string, LogLevel> = { error: 'warn', warn: 'notice', notice: 'info', info: 'info' };

/** One limit_req line as the zone's owner sees it: the line, and its key (null: not charged). */
export interface LimitReqAsk extends LimitReq {
  readonly key: string | null;
}

/**
 * What the zones decided for one request: `ok` (with the delay, in ms, and the excess and zone it
 * comes from), `busy` (over a burst: the excess), `error` (a zone is full) or `declined` (no line
 * charged). `n` is the line the lookups stopped at, for the log line's zone.
 */
export interface LimitReqDecision {
  readonly rc: 'ok' | 'busy' | 'error' | 'declined';
  readonly n: number;
  readonly excess: number;
  readonly delay: number;
  readonly delayZone: string;
}

/**
 * The zones of another process (the master's, with worker processes): the same decision, asked
 * for over IPC. Keys are evaluated before asking, since the owner cannot evaluate variables.
 */
export interface LimitReqRemote {
  decide(asks: readonly LimitReqAsk[], now: number): Promise<LimitReqDecision>;
}

/**
 * The zone part of ngx_http_limit_req_handler: test every line but the last, account the last,
 * then account the others (ngx_http_limit_req_account). `keyOf(n)` gives line n's key, or null
 * when it is not charged; it is called in order and not past the line the lookups stop at, so
 * that a key is evaluated only when nginx would evaluate it. Runs wherever the zones are.
 */
export function limitReqDecide(zones: LimitReqZones, limits: readonly LimitReq[], keyOf: (n: number) => string | null, now: number): LimitReqDecision {
  let rc: 'ok' | 'again' | 'busy' | 'error' | 'declined' = 'declined';
  let excess = 0;
  let n = 0;
  const held: LimitReqZoneState[] = [];
  for (; n < limits.length; n++) {
    const limit = limits[n]!;
    const state = zones.get(limit.zone);
    if (state === undefined) continue;
    state.node = null;
    const key = keyOf(n);
    if (key === null) continue;
    const res = state.lookup(limit, key, n === limits.length - 1, now);
    rc = res.rc;
    excess = res.excess;
    if (rc === 'again') held.push(state);
    if (rc !== 'again') break;
  }
  if (rc === 'declined') return { rc, n, excess: 0, delay: 0, delayZone: '' };
  if (rc === 'busy' || rc === 'error') {
    for (const s of held) if (s.node) s.node.count--;
    return { rc, n, excess, delay: 0, delayZone: '' };
  }
  if (rc === 'again') excess = 0;
  const last = Math.min(n, limits.length - 1);
  const acc = account(limits, Math.min(n, limits.length), zones, excess, limits[last]!, now);
  return { rc: 'ok', n, excess: acc.excess, delay: acc.delay, delayZone: acc.limit.zone };
}

// ngx_http_limit_req_handler
/**
 * DECLINED to go on (maybe after a delay), or the rejection status. The zones are `zones`, or
 * with `remote` another process's (then `zones` only gives each zone's key).
 */
export function limitReqHandler(r: HttpRequest, sink: ResponseSink, conf: LimitReqConf, zones: LimitReqZones, remote: LimitReqRemote | null = null): number | Promise<number> {
  // r->main->limit_req_status: a request and its subrequests are charged once.
  const main = r.parent ?? r;
  if (main.limitReqStatus !== null) return DECLINED;
  const now = Date.now();
  const keyOf = (n: number): string | null => {
    const state = zones.get(conf.limits[n]!.zone);
    if (state === undefined) return null;
    const key = evaluate(r, state.zone.key);
    if (key.length === 0) return null;
    if (key.length > 65535) {
      sink.log('error', `the value of the "${state.zone.key.source}" key is more than 65535 bytes: "${key}"`);
      return null;
    }
    return key;
  };
  const finish = (d: LimitReqDecision): number | Promise<number> => {
    if (d.rc === 'declined') return DECLINED;
    const dry = conf.dryRun ? ', dry run' : '';
    if (d.rc === 'busy' || d.rc === 'error') {
      const zone = conf.limits[Math.min(d.n, conf.limits.length - 1)]!.zone;
      if (d.rc === 'busy') sink.log(conf.logLevel, `limiting requests${dry}, excess: ${fmt(d.excess)} by zone "${zone}"`);
      else sink.log('alert', `could not allocate node in limit_req zone "${zone}"`);
      if (conf.dryRun) {
        main.limitReqStatus = 'REJECTED_DRY_RUN';
        return DECLINED;
      }
      main.limitReqStatus = 'REJECTED';
      return conf.status;
    }
    if (d.delay === 0) {
      main.limitReqStatus = 'PASSED';
      return DECLINED;
    }
    sink.log(BELOW[conf.logLevel]!, `delaying request${dry}, excess: ${fmt(d.excess)}, by zone "${d.delayZone}"`);
    if (conf.dryRun) {
      main.limitReqStatus = 'DELAYED_DRY_RUN';
      return DECLINED;
    }
    main.limitReqStatus = 'DELAYED';
    return new Promise((resolve) => setTimeout(() => resolve(DECLINED), d.delay));
  };
  if (remote === null) return finish(limitReqDecide(zones, conf.limits, keyOf, now));
  const asks = conf.limits.map((l, n): LimitReqAsk => ({ zone: l.zone, burst: l.burst, delay: l.delay, key: keyOf(n) }));
  if (asks.every((a) => a.key === null)) return DECLINED;
  return remote.decide(asks, now).then(finish);
}

// ngx_http_limit_req_account: charge the zones that were only tested; the longest delay wins.
function account(limits: readonly LimitReq[], n: number, zones: LimitReqZones, excess0: number, limit0: LimitReq, now: number): { delay: number; excess: number; limit: LimitReq } {
  let excess = excess0;
  let limit = limit0;
  const z0 = zones.get(limit0.zone);
  let maxDelay = excess <= limit0.delay || z0 === undefined ? 0 : Math.trunc(((excess - limit0.delay) * 1000) / z0.zone.rate);
  while (n--) {
    const state = zones.get(limits[n]!.zone);
    const lr = state?.node ?? null;
    if (state === undefined || lr === null) continue;
    let ms = now - lr.last;
    if (ms < -60000) ms = 1;
    else if (ms < 0) ms = 0;
    let e = lr.excess - Math.trunc((state.zone.rate * ms) / 1000) + 1000;
    if (e < 0) e = 0;
    if (ms) lr.last = now;
    lr.excess = e;
    lr.count--;
    state.node = null;
    if (e <= limits[n]!.delay) continue;
    const delay = Math.trunc(((e - limits[n]!.delay) * 1000) / state.zone.rate);
    if (delay > maxDelay) {
      maxDelay = delay;
      excess = e;
      limit = limits[n]!;
    }
  }
  return { delay: maxDelay, excess, limit };
}
