/**
 * ngx_http_internal_redirect: the request starts over at the server rewrite phase with a new URI,
 * marked internal, within nginx's budget of 10 URI changes.
 */
import { runPhases } from './phases.js';
import type { HttpRequest } from './request.js';
import type { ResponseSink } from './response.js';

/** The extension nginx takes from a URI: after the last `.` of the last segment (ngx_http_set_exten). */
export function uriExten(uri: string): string {
  for (let i = uri.length - 1; i > 1; i--) {
    const c = uri.charCodeAt(i);
    if (c === 0x2e /* . */ && uri.charCodeAt(i - 1) !== 0x2f) return uri.slice(i + 1);
    if (c === 0x2f /* / */) return '';
  }
  return '';
}

/** Redirects `r` to `uri` (and `args`) and runs its phases again; returns their result. */
export function internalRedirect(r: HttpRequest, sink: ResponseSink, uri: string, args: string): number | Promise<number> {
  r.uriChanges--;
  if (r.uriChanges === 0) {
    sink.log('error', `rewrite or internal redirection cycle while internally redirecting to "${uri}"`);
    return 500;
  }
  r.uri = uri;
  r.args = args;
  r.exten = uriExten(uri);
  r.loc = null;
  r.conf = r.server.conf;
  r.internal = true;
  r.validLocation = true;
  return runPhases(r, sink);
}
