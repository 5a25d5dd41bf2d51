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

// ngx_http_limit_conn_handler
/** DECLINED to go on, or the rejection status; counts are released by the request's cleanups. */
export function limitConnHandler(r: HttpRequest, sink: ResponseSink, conf: LimitConnConf, zones: LimitConnZones): number {
  // r->main->limit_conn_status: a request and its subrequests are charged once.
  const main = r.parent ?? r;
  if (main.limitConnStatus !== null) return DECLINED;
  const taken: (() => void)[] = [];
  const reject = (): number => {
    // ngx_http_limit_conn_cleanup_all: give back what this request took so far.
    for (const release of taken) {
      release();
      main.cleanups.splice(main.cleanups.indexOf(release), 1);
    }
    if (conf.dryRun) {
      main.limitConnStatus = 'REJECTED_DRY_RUN';
      return DECLINED;
    }
    main.limitConnStatus = 'REJECTED';
    return conf.status;
  };
  for (const limit of conf.limits) {
    const state = zones.get(limit.zone);
    if (state === undefined) continue;
    const key = evaluate(r, state.zone.key);
    if (key.length === 0) continue;
    if (key.length > 255) {
      sink.log('error', `the value of the "${state.zone.key.source}" key is more than 255 bytes: "${key}"`);
      continue;
    }
    main.limitConnStatus = 'PASSED';
    const count = state.counts.get(key);
    if (count === undefined) {
      if (state.counts.size >= state.capacity) return reject();
      state.counts.set(key, 1);
    } else {
      if (count >= limit.conn) {
        sink.log(conf.logLevel, `limiting connections${conf.dryRun ? ', dry run,' : ''} by zone "${limit.zone}"`);
        return reject();
      }
      state.counts.set(key, count + 1);
    }
    const release = (): void => state.release(key);
    taken.push(release);
    main.cleanups.push(release);
  }
  return DECLINED;
}
