/**
 * nginx's request phases for one request (ngx_http_core_run_phases): server rewrite, find config,
 * rewrite, access, content, then finalization. Handlers return a small code: OK, DECLINED, DONE or
 * an HTTP status, and finalizeRequest turns a status into nginx's answer.
 */
import type { ReturnConf } from '../../compile/servers.js';
import { findLocation } from '../find-location.js';
import type { HttpRequest } from './request.js';
import { sendResponse, specialResponse, type ResponseSink } from './response.js';
import { staticContent } from './static.js';

// Handler return codes (NGX_OK, NGX_DECLINED, NGX_DONE, NGX_ERROR); statuses are positive.
export const OK = 0;
export const DECLINED = -5;
export const DONE = -4;
export const ERROR = -1;
/** `return 444`: close the connection without a response (NGX_HTTP_CLOSE). */
export const HTTP_CLOSE = 444;

/** Runs a request's phases and answers it through `sink`. */
export function handleRequest(r: HttpRequest, sink: ResponseSink): void {
  let rc: number | Promise<number>;
  try {
    rc = runPhases(r, sink);
  } catch (e) {
    sink.log('alert', `ngts internal error: ${(e as Error).stack ?? String(e)}`);
    rc = 500;
  }
  if (typeof rc === 'number') {
    finalizeRequest(r, sink, rc);
    return;
  }
  rc.then(
    (code) => finalizeRequest(r, sink, code),
    (e: unknown) => {
      sink.log('alert', `ngts internal error: ${(e as Error).stack ?? String(e)}`);
      finalizeRequest(r, sink, 500);
    },
  );
}

/** Runs the phases from server rewrite on; the result is for finalizeRequest. */
export function runPhases(r: HttpRequest, sink: ResponseSink): number | Promise<number> {
  // NGX_HTTP_SERVER_REWRITE_PHASE: the rewrite module at server level.
  const serverRet = r.server.serverReturn;
  if (serverRet !== null) return returnCode(r, sink, serverRet);

  // NGX_HTTP_FIND_CONFIG_PHASE (ngx_http_core_find_config_phase)
  const m = findLocation(r.server.locations, r.uri);
  const loc = m.loc === null ? null : m.loc.payload;
  r.loc = loc;
  r.conf = loc === null ? r.server.conf : loc.conf;
  if (m.captures !== null) r.captures = m.captures;
  if (!r.internal && loc !== null && loc.internal) return 404;
  updateLocationConfig(r);
  const maxBody = r.conf.core.clientMaxBodySize;
  if (r.head.contentLength !== -1 && !r.discardBody && maxBody && maxBody < r.head.contentLength) {
    sink.log('error', `client intended to send too large body: ${r.head.contentLength} bytes`);
    r.expectTested = true;
    sink.discardBody();
    return 413;
  }
  if (m.rc === 'DONE' && loc !== null) {
    r.headersOut.location = r.args.length === 0 ? loc.escapedName : loc.escapedName + '?' + r.args;
    return 301;
  }

  // NGX_HTTP_REWRITE_PHASE: the rewrite module in the location.
  if (loc !== null && loc.ret !== null) return returnCode(r, sink, loc.ret);

  // NGX_HTTP_CONTENT_PHASE
  return staticContent(r, sink);
}

// ngx_http_update_location_config: the keep-alive rules that depend on the location.
function updateLocationConfig(r: HttpRequest): void {
  if (!r.keepalive) return;
  const core = r.conf.core;
  const ua = r.head.userAgent;
  if (core.keepaliveTimeout === 0) r.keepalive = false;
  else if (r.conn.requests >= core.keepaliveRequests) r.keepalive = false;
  else if (Date.now() - r.conn.startTime > core.keepaliveTime) r.keepalive = false;
  else if (ua.msie6 && r.head.method === 'POST' && core.keepaliveDisable.msie6) r.keepalive = false;
  else if (ua.safari && core.keepaliveDisable.safari) r.keepalive = false;
}

// ngx_http_rewrite_return / ngx_http_script_return_code
/**
 * `return`: a code below 400, or any code with text, is answered by ngx_http_send_response (the
 * text is the body, or the Location of a redirect); a bare 4xx/5xx becomes an error response.
 */
function returnCode(r: HttpRequest, sink: ResponseSink, ret: ReturnConf): number {
  if (ret.code < 400 || ret.text !== null) return sendResponse(r, sink, ret.code, ret.text ?? '');
  return ret.code;
}

// ngx_http_finalize_request, as far as a request without subrequests needs it.
/** Answers `rc`: nothing more for DONE, a close for 444, nginx's special response for a status. */
export function finalizeRequest(r: HttpRequest, sink: ResponseSink, rc: number): void {
  if (rc === DONE) return;
  if (rc === HTTP_CLOSE || rc === 499) {
    sink.terminate();
    return;
  }
  if (rc === ERROR) rc = 500;
  if (r.headerSent) {
    // The head is gone; nginx can only cut the connection short.
    if (rc >= 300) sink.terminate();
    return;
  }
  if (rc === OK || rc === DECLINED) rc = 500;
  specialResponse(r, sink, rc);
}
