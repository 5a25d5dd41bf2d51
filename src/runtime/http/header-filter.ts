/**
 * The response head as ngx_http_header_filter writes it: status line, Server, Date, Content-Type,
 * Content-Length, Last-Modified, Location (made absolute), Transfer-Encoding, Connection and
 * Keep-Alive in that order, then the other headers in the order they were added.
 */
import { PRODUCT, PRODUCT_VERSION } from '../product.js';
import type { HttpRequest } from './request.js';
import { headersFilter } from './headers-filter.js';
import { rangeHeaderFilter } from './range-filter.js';
import { statusLine } from './special-response.js';

let cachedSecond = -1;
let cachedDate = '';

/** `Date:` value, formatted once per second as nginx caches ngx_cached_http_time. */
export function httpDate(now: number = Date.now()): string {
  const second = Math.floor(now / 1000);
  if (second !== cachedSecond) {
    cachedSecond = second;
    cachedDate = new Date(second * 1000).toUTCString();
  }
  return cachedDate;
}

/** An HTTP date (`Last-Modified`) for a time in seconds. */
export function httpTime(seconds: number): string {
  return new Date(seconds * 1000).toUTCString();
}

const SERVER_ON = `Server: ${PRODUCT}/${PRODUCT_VERSION}\r\n`;
const SERVER_OFF = `Server: ${PRODUCT}\r\n`;

// ngx_http_header_filter
/**
 * The head bytes (latin1 string) for the response in `r.headersOut`, or '' for HTTP/0.9 where
 * nginx sends the body alone. Marks `r.headerOnly` for HEAD, 204 and 304 as nginx does.
 */
export function headerFilter(r: HttpRequest): string {
  const rc = headerFilters(r);
  return rc === 416 ? '' : writeHead(r);
}

/**
 * The filters before the header is written, in nginx's order: the error status, add_header and
 * expires, then ranges (whose plan is left in `r.rangePlan`). 416: the ranges cannot be
 * satisfied and nothing was written; the caller answers the error.
 */
export function headerFilters(r: HttpRequest): 416 | null {
  const out = r.headersOut;
  // ngx_http_send_header: an error status (error_page, special responses) replaces the handler's.
  if (r.errStatus) {
    out.status = r.errStatus;
    out.statusLine = '';
  }
  headersFilter(r);
  const plan = rangeHeaderFilter(r);
  if (plan === 416) return 416;
  r.rangePlan = plan;
  return null;
}

/** ngx_http_header_filter proper: the head bytes for what the filters left. */
export function writeHead(r: HttpRequest): string {
  r.headerSent = true;
  if (r.head.httpVersion < 1000) return '';
  const out = r.headersOut;
  const status = out.status;
  // Only a status without a status line of its own (an upstream's) is treated so.
  if (status === 204 && !out.statusLine) {
    r.headerOnly = true;
    out.contentType = '';
    out.lastModified = -1;
    out.contentLength = -1;
  } else if (status === 304 && !out.statusLine) {
    r.headerOnly = true;
  }
  if (out.lastModified !== -1 && status !== 200 && status !== 206 && status !== 304) out.lastModified = -1;

  const core = r.conf.core;
  let head = 'HTTP/1.1 ' + (out.statusLine || statusLine(status)) + '\r\n';
  if (!out.serverInList) head += core.serverTokens === 'off' ? SERVER_OFF : SERVER_ON;
  if (!out.dateInList) head += 'Date: ' + httpDate() + '\r\n';
  if (out.contentType) head += 'Content-Type: ' + out.contentType + '\r\n';
  if (out.contentLength >= 0) head += 'Content-Length: ' + out.contentLength + '\r\n';
  if (out.lastModified !== -1 && !out.lastModifiedInList) head += 'Last-Modified: ' + httpTime(out.lastModified) + '\r\n';
  // A relative Location is made absolute and written here; any other stays in the header list,
  // where nginx pushed it, after Connection.
  let listLocation = false;
  if (out.location !== null) {
    if (out.location.length > 0 && out.location.charCodeAt(0) === 0x2f /* / */ && core.absoluteRedirect) {
      out.location = absoluteLocation(r, out.location);
      head += 'Location: ' + out.location + '\r\n';
    } else listLocation = true;
  }
  if (r.chunked) head += 'Transfer-Encoding: chunked\r\n';
  if (status === 101) head += 'Connection: upgrade\r\n';
  else if (r.keepalive) {
    head += 'Connection: keep-alive\r\n';
    if (core.keepaliveHeader) head += 'Keep-Alive: timeout=' + core.keepaliveHeader + '\r\n';
  } else head += 'Connection: close\r\n';
  if (listLocation) head += 'Location: ' + out.location + '\r\n';
  const list = out.headers;
  for (let i = 0; i < list.length; i++) head += list[i]![0] + ': ' + list[i]![1] + '\r\n';
  head += '\r\n';
  r.headBytes = head.length;
  return head;
}

/**
 * A relative Location made absolute: scheme, then the server's name (server_name_in_redirect), the
 * request's host, or the local address; then the port unless it is the scheme's default or
 * port_in_redirect is off.
 */
function absoluteLocation(r: HttpRequest, location: string): string {
  const core = r.conf.core;
  let host: string;
  if (core.serverNameInRedirect) host = r.server.coreSrv.serverName;
  else if (r.head.host) host = r.head.host;
  else host = r.conn.family === 'inet6' ? `[${r.conn.localAddress}]` : r.conn.localAddress;
  let port = r.conn.localPort;
  if (!core.portInRedirect || port === (r.conn.ssl ? 443 : 80)) port = 0;
  return (r.conn.ssl ? 'https://' : 'http://') + host + (port ? ':' + port : '') + location;
}
