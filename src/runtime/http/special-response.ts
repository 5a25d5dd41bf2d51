// nginx 1.22.1's built-in responses: the error pages of ngx_http_special_response.c and the
// status lines of ngx_http_header_filter_module.c, byte for byte.

import { escapeUri } from './normalize-uri.js';

/** The values of `server_tokens`. */
export type ServerTokens = 'on' | 'off' | 'build';

/** What nginx knows about the client's browser when it pads error pages (ngx_http_headers_in_t). */
export interface BrowserFlags {
  msie: boolean;
  chrome: boolean;
}

const CRLF = '\r\n';

function page(title: string, h1: string = title, note?: string): string {
  return (
    '<html>' + CRLF +
    '<head><title>' + title + '</title></head>' + CRLF +
    '<body>' + CRLF +
    '<center><h1>' + h1 + '</h1></center>' + CRLF +
    (note === undefined ? '' : '<center>' + note + '</center>' + CRLF)
  );
}

// nginx's own 49x codes show "400 Bad Request" with a note saying why.
function badRequestPage(note: string): string {
  return page('400 ' + note, '400 Bad Request', note);
}

const PAGE_404 = page('404 Not Found');

// ngx_http_error_pages: statuses missing here get an empty body.
const ERROR_PAGES: ReadonlyMap<number, string> = new Map([
  [301, page('301 Moved Permanently')],
  [302, page('302 Found')],
  [303, page('303 See Other')],
  [307, page('307 Temporary Redirect')],
  [308, page('308 Permanent Redirect')],
  [400, page('400 Bad Request')],
  [401, page('401 Authorization Required')],
  [402, page('402 Payment Required')],
  [403, page('403 Forbidden')],
  [404, PAGE_404],
  [405, page('405 Not Allowed')],
  [406, page('406 Not Acceptable')],
  [408, page('408 Request Time-out')],
  [409, page('409 Conflict')],
  [410, page('410 Gone')],
  [411, page('411 Length Required')],
  [412, page('412 Precondition Failed')],
  [413, page('413 Request Entity Too Large')],
  [414, page('414 Request-URI Too Large')],
  [415, page('415 Unsupported Media Type')],
  [416, page('416 Requested Range Not Satisfiable')],
  [421, page('421 Misdirected Request')],
  [429, page('429 Too Many Requests')],
  [494, badRequestPage('Request Header Or Cookie Too Large')],
  [495, badRequestPage('The SSL certificate error')],
  [496, badRequestPage('No required SSL certificate was sent')],
  [497, badRequestPage('The plain HTTP request was sent to HTTPS port')],
  // 498 "canceled" reuses the 404 page
  [498, PAGE_404],
  [500, page('500 Internal Server Error')],
  [501, page('501 Not Implemented')],
  [502, page('502 Bad Gateway')],
  [503, page('503 Service Temporarily Unavailable')],
  [504, page('504 Gateway Time-out')],
  [505, page('505 HTTP Version Not Supported')],
  [507, page('507 Insufficient Storage')],
]);

/** The built-in page for `status` without its tail, or undefined when nginx sends an empty body. */
export function errorPage(status: number): string | undefined {
  return ERROR_PAGES.get(status);
}

/**
 * The closing lines of every error page. nginx writes `nginx/1.22.1` (on), `nginx` (off) or
 * NGINX_VER_BUILD (build); we pass our own product and version.
 */
export function tail(serverTokens: ServerTokens, product: string, version: string, build?: string): string {
  let signature = product;
  if (serverTokens === 'on') {
    signature = product + '/' + version;
  } else if (serverTokens === 'build') {
    signature = product + '/' + version + (build ? ' (' + build + ')' : '');
  }
  return '<hr><center>' + signature + '</center>' + CRLF + '</body>' + CRLF + '</html>' + CRLF;
}

/** Six comment lines nginx appends so that MSIE and Chrome show its page, not their own. */
export const MSIE_PADDING = (
  '<!-- a padding to disable MSIE and Chrome friendly error page -->' + CRLF
).repeat(6);

/** How a special response body is put together (core module directives and request facts). */
export interface SpecialResponseOptions {
  serverTokens: ServerTokens;
  product: string;
  version: string;
  build?: string;
  /** `msie_padding` (default on). */
  msiePadding: boolean;
  browser: BrowserFlags;
  /** nginx's encoding: 9 for HTTP/0.9, 1000 for HTTP/1.0, 1001 for HTTP/1.1. */
  httpVersion: number;
}

// ngx_http_send_special_response
/**
 * The body nginx sends for an error it answers itself: the page, the tail and, for 4xx/5xx to
 * MSIE or Chrome over HTTP/1.x, the padding. Empty when nginx has no page for the status.
 */
export function specialResponseBody(status: number, options: SpecialResponseOptions): string {
  const body = ERROR_PAGES.get(status);
  if (body === undefined) {
    return '';
  }
  const padded =
    options.msiePadding &&
    (options.browser.msie || options.browser.chrome) &&
    options.httpVersion >= 1000 &&
    status >= 400;
  return (
    body +
    tail(options.serverTokens, options.product, options.version, options.build) +
    (padded ? MSIE_PADDING : '')
  );
}

/** The status nginx puts on the wire for one of its internal codes (494-497 are sent as 400). */
export function wireStatus(status: number): number {
  return status >= 494 && status <= 497 ? 400 : status;
}

// ngx_http_send_refresh
/**
 * The `msie_refresh` page nginx sends MSIE instead of a 301/302 (status becomes 200 and the
 * Location header is dropped).
 */
export function msieRefreshBody(location: string): string {
  return (
    '<html><head><meta http-equiv="Refresh" content="0; URL=' +
    escapeUri(location, 'refresh') +
    '"></head><body></body></html>' +
    CRLF
  );
}

// ngx_http_status_lines, indexed by status.
const STATUS_LINES: ReadonlyMap<number, string> = new Map([
  [200, 'OK'],
  [201, 'Created'],
  [202, 'Accepted'],
  [204, 'No Content'],
  [206, 'Partial Content'],
  [301, 'Moved Permanently'],
  [302, 'Moved Temporarily'],
  [303, 'See Other'],
  [304, 'Not Modified'],
  [307, 'Temporary Redirect'],
  [308, 'Permanent Redirect'],
  [400, 'Bad Request'],
  [401, 'Unauthorized'],
  [402, 'Payment Required'],
  [403, 'Forbidden'],
  [404, 'Not Found'],
  [405, 'Not Allowed'],
  [406, 'Not Acceptable'],
  [408, 'Request Time-out'],
  [409, 'Conflict'],
  [410, 'Gone'],
  [411, 'Length Required'],
  [412, 'Precondition Failed'],
  [413, 'Request Entity Too Large'],
  [414, 'Request-URI Too Large'],
  [415, 'Unsupported Media Type'],
  [416, 'Requested Range Not Satisfiable'],
  [421, 'Misdirected Request'],
  [429, 'Too Many Requests'],
  [500, 'Internal Server Error'],
  [501, 'Not Implemented'],
  [502, 'Bad Gateway'],
  [503, 'Service Temporarily Unavailable'],
  [504, 'Gateway Time-out'],
  [505, 'HTTP Version Not Supported'],
  [507, 'Insufficient Storage'],
]);

/** nginx's reason phrase for `status`, or undefined when it has none. */
export function reasonPhrase(status: number): string | undefined {
  return STATUS_LINES.get(status);
}

// ngx_http_header_filter: status line
/**
 * What follows `HTTP/1.1 ` on the status line: `404 Not Found`, or for a status without a
 * phrase the number zero-padded to three digits and a space (`299 `), as `%03ui ` prints it.
 */
export function statusLine(status: number): string {
  const phrase = STATUS_LINES.get(status);
  if (phrase !== undefined) {
    return status + ' ' + phrase;
  }
  return String(status).padStart(3, '0') + ' ';
}
