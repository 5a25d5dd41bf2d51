/**
 * What nginx does with an error or redirect status (ngx_http_special_response_handler): the
 * location's `error_page` for it (an internal redirect, a named location, or a redirect to a
 * URL), else the built-in page.
 */
import type { ErrorPage } from '../../compile/http-loc-conf.js';
import { internalRedirect } from './internal-redirect.js';
import { namedLocation } from './phases.js';
import type { HttpRequest } from './request.js';
import { sendSpecialPage, type ResponseSink } from './response.js';
import { splitArgs } from './normalize-uri.js';
import { evaluate } from './variables.js';

const DONE = -4;

/**
 * Answers `error` for `r`. Returns DONE when the answer went out, or the result of the phases an
 * error_page redirect ran (to be finalized in turn).
 */
export function specialResponseHandler(r: HttpRequest, sink: ResponseSink, error: number): number | Promise<number> {
  r.errStatus = error;
  if (r.keepalive) {
    switch (error) {
      case 400:
      case 413:
      case 414:
      case 497:
      case 495:
      case 496:
      case 500:
      case 501:
        r.keepalive = false;
    }
  }
  if (r.lingeringClose && (error === 400 || error === 497 || error === 495 || error === 496)) r.lingeringClose = false;
  r.headersOut.contentType = '';
  const core = r.conf.core;
  const pages = r.conf.errorPages;
  if (!r.errorPage && pages.length && r.uriChanges !== 0) {
    if (!core.recursiveErrorPages) r.errorPage = true;
    for (const page of pages) if (page.status === error) return sendErrorPage(r, sink, page);
  }
  r.expectTested = true;
  if (sink.discardBody() !== 0) r.keepalive = false;
  // 494-497 are nginx's own codes for 400 with a page of their own.
  if (error === 494 || error === 495 || error === 496 || error === 497) r.errStatus = 400;
  sendSpecialPage(r, sink, error);
  return DONE;
}

// ngx_http_send_error_page
function sendErrorPage(r: HttpRequest, sink: ResponseSink, page: ErrorPage): number | Promise<number> {
  const overwrite = page.overwrite;
  if (overwrite && overwrite !== 200) r.expectTested = true;
  if (overwrite >= 0) r.errStatus = overwrite;
  let uri = evaluate(r, page.value);
  if (uri.startsWith('/')) {
    let args = page.args;
    if (page.value.constant === null) ({ uri, args } = splitArgs(uri));
    if (r.method !== 'HEAD') r.method = 'GET';
    return internalRedirect(r, sink, uri, args);
  }
  if (uri.startsWith('@')) return namedLocation(r, sink, uri);
  r.expectTested = true;
  if (sink.discardBody() !== 0) r.keepalive = false;
  if (overwrite !== 301 && overwrite !== 302 && overwrite !== 303 && overwrite !== 307 && overwrite !== 308) r.errStatus = 302;
  r.headersOut.location = uri;
  sendSpecialPage(r, sink, r.errStatus);
  return DONE;
}
