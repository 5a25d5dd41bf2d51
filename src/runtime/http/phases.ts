/**
 * nginx's request phases for one request (ngx_http_core_run_phases): server rewrite, find config,
 * rewrite, access, content, then finalization. Handlers return a small code: OK, DECLINED, DONE or
 * an HTTP status, and finalizeRequest turns a status into nginx's answer.
 */
import { findLocation } from '../find-location.js';
import type { HttpRequest } from './request.js';
import type { ResponseSink } from './response.js';
import { specialResponseHandler } from './error-page.js';
import type { LocationConf } from '../../compile/servers.js';
import { runRewriteScript } from './rewrite.js';
import { staticContent } from './static.js';
import { proxyHandler } from '../proxy/proxy-handler.js';
import { tryFilesHandler } from './try-files.js';
import { accessHandler } from './access.js';
import { realIpHandler } from './realip.js';
import { authRequestHandler } from './auth-request.js';
import { authBasicHandler } from './auth-basic.js';
import { preaccessPhase } from './limit-zones.js';
import { stubStatusHandler } from './stub-status.js';

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
  finalizeWhenDone(r, sink, rc);
}

/** Finalizes `r` with `rc` now, or when it settles (a failure is an internal error: 500). */
function finalizeWhenDone(r: HttpRequest, sink: ResponseSink, rc: number | Promise<number>): void {
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
  // NGX_HTTP_POST_READ_PHASE: realip with the server's configuration.
  realIpHandler(r, r.server.conf.realIp);
  // NGX_HTTP_SERVER_REWRITE_PHASE: the rewrite module at server level.
  const script = r.server.rewrite;
  if (script !== null) {
    const res = runRewriteScript(r, sink, script);
    if (res.rc !== DECLINED) return res.rc;
  }
  return runFromFindConfig(r, sink, null);
}

// ngx_http_named_location
/** Continues `r` in the named location `name` from its rewrite phase (error_page, try_files). */
export function namedLocation(r: HttpRequest, sink: ResponseSink, name: string): number | Promise<number> {
  // nginx's order: the cycle check, then the empty URI, then the lookup.
  r.uriChanges--;
  if (r.uriChanges === 0) {
    sink.log('error', `rewrite or internal redirection cycle while redirect to named location "${name}"`);
    return 500;
  }
  // A request refused before its URI was parsed (bad request line, invalid URI) has none: an
  // `error_page 400 = @name` for it is a 500, with the built-in page (r->error_page is set).
  if (r.uri === '') {
    sink.log('error', `empty URI in redirect to named location "${name}"`);
    return 500;
  }
  const loc = r.server.locations.namedLocations.get(name);
  if (loc === undefined) {
    sink.log('error', `could not find named location "${name}"`);
    return 500;
  }
  r.internal = true;
  r.validLocation = true;
  return runFromFindConfig(r, sink, loc.payload);
}

/**
 * From the find-config phase on; with `named`, the lookup is skipped and that location's rewrite
 * phase comes first (nginx's location_rewrite_index).
 */
function runFromFindConfig(r: HttpRequest, sink: ResponseSink, named: LocationConf | null): number | Promise<number> {
  for (;;) {
    if (named !== null) {
      const loc: LocationConf = named;
      named = null;
      r.loc = loc;
      r.conf = loc.conf;
      updateLocationConfig(r);
      const step = locationRewrite(r, sink, loc);
      if (step === 'go') break;
      if (step === 'again') continue;
      return step;
    }
    // NGX_HTTP_FIND_CONFIG_PHASE (ngx_http_core_find_config_phase)
    const m = findLocation(r.server.locations, r.uri);
    const loc = m.loc === null ? null : m.loc.payload;
    r.loc = loc;
    r.conf = loc === null ? r.server.conf : loc.conf;
    // A regex location's match replaces the captures, even with none of its own (r->ncaptures).
    if (m.reason === 'regex') r.captures = m.captures;
    if (m.named !== null && loc !== null) setNamedCaptures(r, m.named);
    if (!r.internal && loc !== null && loc.internal) return 404;
    updateLocationConfig(r);
    const maxBody = r.conf.core.clientMaxBodySize;
    // content_length_n, not the header: after a body was discarded or read it no longer counts.
    if (r.contentLengthN !== -1 && !r.discardBody && maxBody && maxBody < r.contentLengthN) {
      sink.log('error', `client intended to send too large body: ${r.contentLengthN} bytes`);
      r.expectTested = true;
      sink.discardBody();
      return 413;
    }
    if (m.rc === 'DONE' && loc !== null) {
      r.headersOut.location = r.args.length === 0 ? loc.escapedName : loc.escapedName + '?' + r.args;
      return 301;
    }

    if (loc === null) break;
    const step = locationRewrite(r, sink, loc);
    if (step === 'go') break;
    if (step !== 'again') return step;
  }

  // NGX_HTTP_PREACCESS_PHASE: realip again with the location's configuration, limit_req, limit_conn
  realIpHandler(r, r.conf.realIp);
  const pre = preaccessPhase(r, sink);
  if (typeof pre !== 'number') return pre.then((rc) => (rc === DECLINED ? fromAccess(r, sink) : rc));
  if (pre !== DECLINED) return pre;
  return fromAccess(r, sink);
}

/** From the access phase to the content phase. */
function fromAccess(r: HttpRequest, sink: ResponseSink): number | Promise<number> {
  // NGX_HTTP_ACCESS_PHASE and NGX_HTTP_POST_ACCESS_PHASE; subrequests skip them.
  if (r.parent === null) {
    const rc = accessPhase(r, sink);
    if (typeof rc !== 'number') return rc.then((code) => (code === DECLINED ? fromPrecontent(r, sink) : code));
    if (rc !== DECLINED) return rc;
  }
  return fromPrecontent(r, sink);
}

type AccessStep = (r: HttpRequest, sink: ResponseSink) => number | Promise<number>;

// ngx_http_core_access_phase over the access handlers in nginx's order (access, auth_basic,
// auth_request),
// then ngx_http_core_post_access_phase. DECLINED: go on to the precontent phase.
function accessPhase(r: HttpRequest, sink: ResponseSink): number | Promise<number> {
  const steps: AccessStep[] = [];
  const access = r.conf.access;
  if (access !== null) steps.push((rq, sk) => accessHandler(rq, sk, access));
  const basic = r.conf.authBasic;
  if (basic !== null) steps.push((rq, sk) => authBasicHandler(rq, sk, basic));
  const auth = r.conf.authRequest;
  if (auth !== null) steps.push((rq, sk) => authRequestHandler(rq, sk, auth));
  const any = r.conf.satisfyAny;
  const postAccess = (): number => {
    const code = r.accessCode;
    if (code) {
      r.accessCode = 0;
      if (code === 403) sink.log('error', 'access forbidden by rule');
      return code;
    }
    return DECLINED;
  };
  const run = (i: number): number | Promise<number> => {
    for (; i < steps.length; i++) {
      const rc = steps[i]!(r, sink);
      if (typeof rc !== 'number') {
        const at = i;
        return rc.then((code) => {
          const verdict = judge(code);
          return verdict === 'next' ? run(at + 1) : verdict === 'done' ? postAccess() : verdict;
        });
      }
      const verdict = judge(rc);
      if (verdict === 'done') return postAccess();
      if (verdict !== 'next') return verdict;
    }
    return postAccess();
  };
  const judge = (rc: number): 'next' | 'done' | number => {
    if (rc === DECLINED) return 'next';
    if (!any) return rc === OK ? 'next' : rc;
    if (rc === OK) {
      r.accessCode = 0;
      // A challenge an earlier handler added is dropped (www_authenticate->hash = 0).
      const out = r.headersOut.headers;
      for (let i = out.length - 1; i >= 0; i--) if (out[i]![0].toLowerCase() === 'www-authenticate') out.splice(i, 1);
      return 'done';
    }
    if (rc === 403 || rc === 401) {
      if (r.accessCode !== 401) r.accessCode = rc;
      return 'next';
    }
    return rc;
  };
  return run(0);
}

/** From the precontent phase on. */
function fromPrecontent(r: HttpRequest, sink: ResponseSink): number | Promise<number> {
  // NGX_HTTP_PRECONTENT_PHASE: try_files
  const tf = r.conf.tryFiles;
  if (tf !== null) {
    const rc = tryFilesHandler(r, sink, tf);
    if (rc !== DECLINED) return rc;
  }

  // NGX_HTTP_CONTENT_PHASE
  const unsupported = r.conf.unsupported;
  if (unsupported !== null) {
    const where = r.loc === null ? '' : ` (${r.loc.label} in ${r.loc.file}:${r.loc.line})`;
    sink.log('error', `ngts: "${unsupported}" is not executed by this version of ngts${where}`);
    return 500;
  }
  if (r.conf.stubStatus) return stubStatusHandler(r, sink);
  if (r.conf.proxy.pass !== null) return proxyHandler(r, sink, r.conf.proxy);
  return staticContent(r, sink);
}

// NGX_HTTP_REWRITE_PHASE with the location's script, then NGX_HTTP_POST_REWRITE_PHASE
// (ngx_http_core_post_rewrite_phase): a status to finalize with, 'go' on to the next phases, or
// 'again' to search the locations again for a URI a rewrite changed.
function locationRewrite(r: HttpRequest, sink: ResponseSink, loc: LocationConf): number | 'go' | 'again' {
  // nginx runs the rewrite directives of r->loc_conf: under limit_except that is the block's,
  // which has none (rewrite, return, set and if are not allowed there), so the location's do not run.
  if (loc.rewrite === null || r.conf !== loc.conf) return 'go';
  const res = runRewriteScript(r, sink, loc.rewrite);
  if (res.rc !== DECLINED) return res.rc;
  if (!res.uriChanged) return 'go';
  r.uriChanges--;
  if (r.uriChanges === 0) {
    sink.log('error', `rewrite or internal redirection cycle while processing "${r.uri}"`);
    return 500;
  }
  return 'again';
}

/** Named captures of a location regex become variables, as nginx sets them. */
function setNamedCaptures(r: HttpRequest, named: Readonly<Record<string, string | undefined>>): void {
  for (const def of r.variables) {
    if (Object.prototype.hasOwnProperty.call(named, def.name)) r.values[def.index] = named[def.name] ?? '';
  }
}

// ngx_http_update_location_config: the keep-alive rules that depend on the location.
function updateLocationConfig(r: HttpRequest): void {
  // A method that the location's limit_except does not list gets the block's configuration.
  const except = r.conf.limitExcept;
  if (except !== null && !except.methods.has(r.method)) r.conf = except.conf;
  if (!r.keepalive) return;
  const core = r.conf.core;
  const ua = r.head.userAgent;
  if (core.keepaliveTimeout === 0) r.keepalive = false;
  else if (r.conn.requests >= core.keepaliveRequests) r.keepalive = false;
  else if (Date.now() - r.conn.startTime > core.keepaliveTime) r.keepalive = false;
  else if (ua.msie6 && r.head.method === 'POST' && core.keepaliveDisable.msie6) r.keepalive = false;
  else if (ua.safari && core.keepaliveDisable.safari) r.keepalive = false;
}

// ngx_http_finalize_request, as far as a request without subrequests needs it.
/** Answers `rc`: nothing more for DONE, a close for 444, nginx's special response for a status. */
export function finalizeRequest(r: HttpRequest, sink: ResponseSink, rc: number): void {
  if (rc === DONE) return;
  // ngx_http_terminate_request: no response at all for these (not even error_page's); the status
  // is what the log shows unless a response had begun.
  if (rc === HTTP_CLOSE || rc === 499 || rc === 408) {
    if (r.headersOut.status === 0 || r.bytesSent === 0) r.headersOut.status = rc;
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
  let next: number | Promise<number>;
  try {
    next = specialResponseHandler(r, sink, rc);
  } catch (e) {
    sink.log('alert', `ngts internal error: ${(e as Error).stack ?? String(e)}`);
    sink.terminate();
    return;
  }
  if (next !== DONE) finalizeWhenDone(r, sink, next);
}
