/**
 * ngx_http_limit_conn_module: requests in flight per key of each zone. A request over a limit is
 * rejected (503 by default); an accepted one holds its count until it is finished.
 */
import type { LimitConnConf, LimitZone } from '../../compile/limit-conf.js';
import type { HttpRequest } from './request.js';
import type { ResponseSink } from './response.js';
import { evaluate } from './variables.js';

const DECLINED = -5;

/** One zone's counters by key. */
export class LimitConnZoneState {
  readonly counts = new Map<string, number>();
  /** Keys that fit in the zone (approximate slab accounting, 64-byte nodes). */
  readonly capacity: number;

  /** Replaced by a reload that keeps the zone: the key and rate of the new configuration apply. */
  constructor(public zone: LimitZone) {
    this.capacity = Math.max(1, Math.floor((zone.size * 0.9) / 64));
  }

  release(key: string): void {
    const n = (this.counts.get(key) ?? 1) - 1;
    if (n <= 0) this.counts.delete(key);
    else this.counts.set(key, n);
  }
}

export type LimitConnZones = ReadonlyMap<string, LimitConnZoneState>;

/** One limit_conn line as the zone's owner sees it: zone, limit, and key (null: not counted). */
export interface LimitConnAsk {
  readonly zone: string;
  readonly conn: number;
  readonly key: string | null;
}

/**
 * What the zones decided: `declined` (no line counted), `passed` (the lines in `taken` hold a
 * count each), or `rejected` at line `at` (`logged`: over its limit, which nginx logs; otherwise
 * the zone was full). A rejection gives back what the earlier lines took.
 */
export type LimitConnDecision =
  | { readonly rc: 'declined' | 'passed'; readonly taken: readonly number[] }
  | { readonly rc: 'rejected'; readonly at: number; readonly logged: boolean };

/** The zones of another process (the master's, with worker processes), asked over IPC. */
export interface LimitConnRemote {
  acquire(asks: readonly LimitConnAsk[]): Promise<LimitConnDecision>;
  release(zone: string, key: string): void;
}

/** The zone part of ngx_http_limit_conn_handler: counts every line's key, or none. */
export function limitConnDecide(zones: LimitConnZones, asks: readonly LimitConnAsk[]): LimitConnDecision {
  const taken: number[] = [];
  let counted = false;
  for (let n = 0; n < asks.length; n++) {
    const { zone, conn, key } = asks[n]!;
    const state = zones.get(zone);
    if (state === undefined || key === null) continue;
    counted = true;
    const count = state.counts.get(key);
    let logged = false;
    if (count === undefined) {
      if (state.counts.size < state.capacity) {
        state.counts.set(key, 1);
        taken.push(n);
        continue;
      }
    } else if (count < conn) {
      state.counts.set(key, count + 1);
      taken.push(n);
      continue;
    } else logged = true;
    // ngx_http_limit_conn_cleanup_all: give back what this request took so far.
    for (const t of taken) zones.get(asks[t]!.zone)!.release(asks[t]!.key!);
    return { rc: 'rejected', at: n, logged };
  }
  return { rc: counted ? 'passed' : 'declined', taken };
}

// ngx_http_limit_conn_handler
/**
 * DECLINED to go on, or the rejection status; counts are released by the request's cleanups.
 * The zones are `zones`, or with `remote` another process's (then `zones` gives each zone's key).
 */
export function limitConnHandler(r: HttpRequest, sink: ResponseSink, conf: LimitConnConf, zones: LimitConnZones, remote: LimitConnRemote | null = null): number | Promise<number> {
  // r->main->limit_conn_status: a request and its subrequests are charged once.
  const main = r.parent ?? r;
  if (main.limitConnStatus !== null) return DECLINED;
  const asks = conf.limits.map((limit): LimitConnAsk => {
    const state = zones.get(limit.zone);
    if (state === undefined) return { zone: limit.zone, conn: limit.conn, key: null };
    const key = evaluate(r, state.zone.key);
    if (key.length > 255) {
      sink.log('error', `the value of the "${state.zone.key.source}" key is more than 255 bytes: "${key}"`);
      return { zone: limit.zone, conn: limit.conn, key: null };
    }
    return { zone: limit.zone, conn: limit.conn, key: key.length === 0 ? null : key };
  });
  const finish = (d: LimitConnDecision): number => {
    if (d.rc === 'declined') return DECLINED;
    main.limitConnStatus = 'PASSED';
    if (d.rc === 'rejected') {
      if (d.logged) sink.log(conf.logLevel, `limiting connections${conf.dryRun ? ', dry run,' : ''} by zone "${conf.limits[d.at]!.zone}"`);
      if (conf.dryRun) {
        main.limitConnStatus = 'REJECTED_DRY_RUN';
        return DECLINED;
      }
      main.limitConnStatus = 'REJECTED';
      return conf.status;
    }
    for (const n of d.taken) {
      const { zone, key } = asks[n]!;
      main.cleanups.push(remote === null ? () => zones.get(zone)!.release(key!) : () => remote.release(zone, key!));
    }
    return DECLINED;
  };
  if (remote === null) return finish(limitConnDecide(zones, asks));
  if (asks.every((a) => a.key === null)) return DECLINED;
  return remote.acquire(asks).then(finish);
}
