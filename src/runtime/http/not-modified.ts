/**
 * ngx_http_not_modified_filter_module: conditional requests against Last-Modified and ETag. A 200
 * becomes 304 (If-Modified-Since, If-None-Match) or 412 (If-Unmodified-Since, If-Match).
 */
import { parseHttpTime } from './http-time.js';
import type { HttpRequest } from './request.js';

// ngx_http_not_modified_header_filter
/** Applies the filter to a 200 response about to be sent; returns the status it leaves. */
export function notModified(r: HttpRequest): number {
  const out = r.headersOut;
  if (out.status !== 200) return out.status;
  const ius = r.header('If-Unmodified-Since');
  if (ius !== undefined && !testIfUnmodified(r, ius)) return 412;
  const im = r.header('If-Match');
  if (im !== undefined && !testIfMatch(r, im, false)) return 412;
  const ims = r.header('If-Modified-Since');
  const inm = r.header('If-None-Match');
  if (ims === undefined && inm === undefined) return 200;
  if (ims !== undefined && testIfModified(r, ims)) return 200;
  if (inm !== undefined && !testIfMatch(r, inm, true)) return 200;
  out.status = 304;
  out.contentType = '';
  out.contentLength = -1;
  return 304;
}

function testIfUnmodified(r: HttpRequest, value: string): boolean {
  if (r.headersOut.lastModified === -1) return false;
  return parseHttpTime(value) >= r.headersOut.lastModified;
}

function testIfModified(r: HttpRequest, value: string): boolean {
  const lm = r.headersOut.lastModified;
  const mode = r.conf.core.ifModifiedSince;
  if (lm === -1 || mode === 'off') return true;
  const ims = parseHttpTime(value);
  if (ims === lm) return false;
  return mode === 'exact' || ims < lm;
}

// ngx_http_test_if_match: a list of entity tags, `*`, and with `weak` the W/ prefixes ignored.
function testIfMatch(r: HttpRequest, list: string, weak: boolean): boolean {
  if (list === '*') return true;
  const etagHeader = r.headersOut.headers.find(([n]) => n === 'ETag');
  if (etagHeader === undefined) return false;
  let etag = etagHeader[1];
  if (weak && etag.length > 2 && etag.startsWith('W/')) etag = etag.slice(2);
  let start = 0;
  const end = list.length;
  while (start < end) {
    if (weak && end - start > 2 && list[start] === 'W' && list[start + 1] === '/') start += 2;
    if (etag.length > end - start) return false;
    if (list.startsWith(etag, start)) {
      start += etag.length;
      while (start < end && (list[start] === ' ' || list[start] === '\t')) start++;
      if (start === end || list[start] === ',') return true;
    }
    while (start < end && list[start] !== ',') start++;
    while (start < end && (list[start] === ' ' || list[start] === '\t' || list[start] === ',')) start++;
  }
  return false;
}
