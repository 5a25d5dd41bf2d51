/**
 * ngx_http_range_filter_module for responses of known length that allow ranges (static files):
 * `Range: bytes=…` answered with 206 and one range (Content-Range) or several
 * (multipart/byteranges), 416 for ranges past the end, `If-Range` against ETag or Last-Modified,
 * and `Accept-Ranges: bytes` on whole responses.
 */
import { parseHttpTime } from './http-time.js';
import type { HttpRequest } from './request.js';

/** The slices of the body to send: a single range, or multipart parts with their boundaries. */
export type RangePlan =
  | { readonly kind: 'single'; readonly start: number; readonly end: number }
  | { readonly kind: 'multi'; readonly parts: readonly { readonly head: string; readonly start: number; readonly end: number }[]; readonly tail: string };

const MAX = Number.MAX_SAFE_INTEGER;
// ngx_next_temp_number: a counter, so that boundaries differ from response to response.
let tempNumber = Math.floor(Math.random() * 123456);

// ngx_http_range_parse: DECLINED ('whole') ignores the header; a syntax error is a 416.
function parseRanges(value: string, length: number, max: number): { start: number; end: number }[] | 'whole' | 416 {
  const s = value.slice(6) + '\0';
  let p = 0;
  const ranges: { start: number; end: number }[] = [];
  let size = 0;
  let left = max;
  for (;;) {
    let start = 0;
    let end = 0;
    let suffix = false;
    while (s[p] === ' ') p++;
    let found = false;
    if (s[p] !== '-') {
      if (!(s[p]! >= '0' && s[p]! <= '9')) return 416;
      while (s[p]! >= '0' && s[p]! <= '9') {
        start = start * 10 + (s.charCodeAt(p++) - 48);
        if (start > MAX) return 416;
      }
      while (s[p] === ' ') p++;
      if (s[p++] !== '-') return 416;
      while (s[p] === ' ') p++;
      if (s[p] === ',' || s[p] === '\0') {
        end = length;
        found = true;
      }
    } else {
      suffix = true;
      p++;
    }
    if (!found) {
      if (!(s[p]! >= '0' && s[p]! <= '9')) return 416;
      while (s[p]! >= '0' && s[p]! <= '9') {
        end = end * 10 + (s.charCodeAt(p++) - 48);
        if (end > MAX) return 416;
      }
      while (s[p] === ' ') p++;
      if (s[p] !== ',' && s[p] !== '\0') return 416;
      if (suffix) {
        start = end < length ? length - end : 0;
        end = length - 1;
      }
      end = end >= length ? length : end + 1;
    }
    if (start < end) {
      ranges.push({ start, end });
      size += end - start;
      if (left-- === 0) return 'whole';
    } else if (start === 0) return 'whole';
    if (s[p++] !== ',') break;
  }
  if (ranges.length === 0) return 416;
  if (size > length) return 'whole';
  return ranges;
}

// ngx_http_range_header_filter
/**
 * Applies the filter to `r`'s head: returns the plan for the body, 416 when the ranges cannot be
 * satisfied (the caller answers it as an error), or null for a whole response.
 */
export function rangeHeaderFilter(r: HttpRequest): RangePlan | 416 | null {
  const out = r.headersOut;
  if (!r.allowRanges || r.head.httpVersion < 1000 || out.status !== 200 || out.contentLength < 0) return null;
  const maxRanges = r.conf.core.maxRanges;
  if (maxRanges === 0) return null;
  const whole = (): null => {
    out.headers.push(['Accept-Ranges', 'bytes']);
    return null;
  };
  const range = r.header('Range');
  if (range === undefined || range.length < 7 || range.slice(0, 6).toLowerCase() !== 'bytes=') return whole();
  const ifRange = r.header('If-Range');
  if (ifRange !== undefined) {
    if (ifRange.length >= 2 && ifRange.endsWith('"')) {
      const etag = out.headers.find(([n]) => n.toLowerCase() === 'etag');
      if (etag === undefined || etag[1] !== ifRange) return whole();
    } else if (out.lastModified === -1 || parseHttpTime(ifRange) !== out.lastModified) return whole();
  }
  const length = out.contentLength;
  const parsed = parseRanges(range, length, maxRanges < 0 ? MAX : maxRanges);
  if (parsed === 'whole') return whole();
  if (parsed === 416) {
    // ngx_http_range_not_satisfiable
    out.headers.push(['Content-Range', `bytes */${length}`]);
    out.contentLength = -1;
    return 416;
  }
  out.status = 206;
  out.statusLine = '';
  if (parsed.length === 1) {
    const { start, end } = parsed[0]!;
    out.headers.push(['Content-Range', `bytes ${start}-${end - 1}/${length}`]);
    out.contentLength = end - start;
    return { kind: 'single', start, end };
  }
  // ngx_http_range_multipart_header
  const boundary = String(++tempNumber).padStart(10, '0');
  const type = out.contentType ? `\r\nContent-Type: ${out.contentType}` : '';
  const parts = parsed.map(({ start, end }) => ({ head: `\r\n--${boundary}${type}\r\nContent-Range: bytes ${start}-${end - 1}/${length}\r\n\r\n`, start, end }));
  const tail = `\r\n--${boundary}--\r\n`;
  out.contentType = `multipart/byteranges; boundary=${boundary}`;
  out.contentLength = parts.reduce((n, p) => n + p.head.length + (p.end - p.start), tail.length);
  return { kind: 'multi', parts, tail };
}
