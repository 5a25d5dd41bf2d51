/**
 * The shared state of limit_req and limit_conn zones, created once at start-up from the
 * configuration's zones and kept by name (nginx's shared memory zones), and the preaccess phase
 * that charges them: limit_req first, then limit_conn, as nginx's handlers run.
 */
import type { LimitZone } from '../../compile/limit-conf.js';
import { limitConnHandler, LimitConnZoneState, type LimitConnRemote } from './limit-conn.js';
import { limitReqHandler, LimitReqZoneState, type LimitReqRemote } from './limit-req.js';
import type { HttpRequest } from './request.js';
import type { ResponseSink } from './response.js';

const DECLINED = -5;

let reqZones = new Map<string, LimitReqZoneState>();
let connZones = new Map<string, LimitConnZoneState>();
/** With worker processes: the master owns the zones' state and the handlers ask it. */
let remote: { readonly req: LimitReqRemote; readonly conn: LimitConnRemote } | null = null;

/** A worker process: charge the zones of the master (shared/zone-owner.ts) instead of this process's. */
export function setRemoteLimitZones(r: { readonly req: LimitReqRemote; readonly conn: LimitConnRemote }): void {
  remote = r;
}

/** The zones' state of this process (the master's, with worker processes), by name. */
export function limitZoneStates(): { readonly req: ReadonlyMap<string, LimitReqZoneState>; readonly conn: ReadonlyMap<string, LimitConnZoneState> } {
  return { req: reqZones, conn: connZones };
}

/**
 * Whether a reload may install these zones: a zone kept from the running configuration (same name
 * and size, as nginx's shared memory zones are kept) must keep its key
 * (ngx_http_limit_req_init_zone, ngx_http_limit_conn_init_zone). nginx's message, or null.
 */
export function checkLimitZones(req: ReadonlyMap<string, LimitZone>, conn: ReadonlyMap<string, LimitZone>): string | null {
  for (const [name, z] of req) {
    const old = reqZones.get(name)?.zone;
    if (old && old.size === z.size && old.key.source !== z.key.source) {
      return `limit_req "${name}" uses the "${z.key.source}" key while previously it used the "${old.key.source}" key`;
    }
  }
  for (const [name, z] of conn) {
    const old = connZones.get(name)?.zone;
    if (old && old.size === z.size && old.key.source !== z.key.source) {
      return `limit_conn_zone "${name}" uses the "${z.key.source}" key while previously it used the "${old.key.source}" key`;
    }
  }
  return null;
}

/**
 * Creates the zones' state. At a reload (checked first with checkLimitZones), a zone of the same
 * name and size keeps its state and takes the new configuration's key and rate.
 */
export function setLimitZones(req: ReadonlyMap<string, LimitZone>, conn: ReadonlyMap<string, LimitZone>): void {
  const nextReq = new Map<string, LimitReqZoneState>();
  for (const [name, z] of req) {
    const old = reqZones.get(name);
    if (old && old.zone.size === z.size) old.zone = z;
    nextReq.set(name, old && old.zone === z ? old : new LimitReqZoneState(z));
  }
  const nextConn = new Map<string, LimitConnZoneState>();
  for (const [name, z] of conn) {
    const old = connZones.get(name);
    if (old && old.zone.size === z.size) old.zone = z;
    nextConn.set(name, old && old.zone === z ? old : new LimitConnZoneState(z));
  }
  reqZones = nextReq;
  connZones = nextConn;
}

/** NGX_HTTP_PREACCESS_PHASE: DECLINED to go on, or a status. */
export function preaccessPhase(r: HttpRequest, sink: ResponseSink): number | Promise<number> {
  const req = r.conf.limitReq;
  const conn = r.conf.limitConn;
  const afterReq = (rc: number): number | Promise<number> => {
    if (rc !== DECLINED) return rc;
    return conn === null ? DECLINED : limitConnHandler(r, sink, conn, connZones, remote?.conn ?? null);
  };
  if (req === null) return afterReq(DECLINED);
  const rc = limitReqHandler(r, sink, req, reqZones, remote?.req ?? null);
  return typeof rc === 'number' ? afterReq(rc) : rc.then(afterReq);
}
