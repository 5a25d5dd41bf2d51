/**
 * The shared state of limit_req and limit_conn zones, created once at start-up from the
 * configuration's zones and kept by name (nginx's shared memory zones), and the preaccess phase
 * that charges them: limit_req first, then limit_conn, as nginx's handlers run.
 */
import type { LimitZone } from '../../compile/limit-conf.js';
import { limitConnHandler, LimitConnZoneState } from './limit-conn.js';
import { limitReqHandler, LimitReqZoneState } from './limit-req.js';
import type { HttpRequest } from './request.js';
import type { ResponseSink } from './response.js';

const DECLINED = -5;

let reqZones = new Map<string, LimitReqZoneState>();
let connZones = new Map<string, LimitConnZoneState>();

/** Creates the zones' state (a zone of the same name and size keeps its state). */
export function setLimitZones(req: ReadonlyMap<string, LimitZone>, conn: ReadonlyMap<string, LimitZone>): void {
  const nextReq = new Map<string, LimitReqZoneState>();
  for (const [name, z] of req) {
    const old = reqZones.get(name);
    nextReq.set(name, old && old.zone.size === z.size && old.zone.rate === z.rate ? old : new LimitReqZoneState(z));
  }
  const nextConn = new Map<string, LimitConnZoneState>();
  for (const [name, z] of conn) {
    const old = connZones.get(name);
    nextConn.set(name, old && old.zone.size === z.size ? old : new LimitConnZoneState(z));
  }
  reqZones = nextReq;
  connZones = nextConn;
}

/** NGX_HTTP_PREACCESS_PHASE: DECLINED to go on, or a status. */
export function preaccessPhase(r: HttpRequest, sink: ResponseSink): number | Promise<number> {
  const req = r.conf.limitReq;
  const conn = r.conf.limitConn;
  const afterReq = (rc: number): number => {
    if (rc !== DECLINED) return rc;
    return conn === null ? DECLINED : limitConnHandler(r, sink, conn, connZones);
  };
  if (req === null) return afterReq(DECLINED);
  const rc = limitReqHandler(r, sink, req, reqZones);
  return typeof rc === 'number' ? afterReq(rc) : rc.then(afterReq);
}
