/**
 * ngx_http_headers_filter_module at response time: `expires` and `add_header` for the statuses
 * nginx deems safe (or any status with `always`), then what ngx_http_range_header_filter adds.
 */
import { parseExpires } from '../../config/values.js';
import { httpDate, httpTime } from './header-filter.js';
import { parseHttpTime } from './http-time.js';
import type { HttpRequest } from './request.js';
import { evaluate } from './variables.js';

const SAFE = new Set([200, 201, 204, 206, 301, 302, 303, 304, 307, 308]);

// ngx_http_headers_filter
/** Adds the location's `expires` and `add_header` headers to `r`'s response. */
export function headersFilter(r: HttpRequest): void {
  const conf = r.conf.headers;
  if (conf.expires === null && conf.expiresValue === null && conf.addHeaders.length === 0) return;
  const safe = SAFE.has(r.headersOut.status);
  if (safe && (conf.expires !== null || conf.expiresValue !== null)) setExpires(r);
  for (const h of conf.addHeaders) {
    if (!safe && !h.always) continue;
    const value = evaluate(r, h.value);
    const lower = h.name.toLowerCase();
    if (lower === 'last-modified') setResponseHeader(r, 'last-modified', h.name, value);
    else if (lower === 'etag') setResponseHeader(r, 'etag', h.name, value);
    else if (value.length) r.headersOut.headers.push([h.name, value]);
  }
}

// ngx_http_set_response_header (ETag) and ngx_http_set_last_modified: replace in place, or remove.
function setResponseHeader(r: HttpRequest, lower: string, name: string, value: string): void {
  const out = r.headersOut;
  const i = out.headers.findIndex(([n]) => n.toLowerCase() === lower);
  if (lower === 'last-modified') {
    out.lastModifiedInList = value.length > 0;
    out.lastModified = value.length ? parseHttpTime(value) : -1;
  }
  if (value.length === 0) {
    if (i >= 0) out.headers.splice(i, 1);
    return;
  }
  if (i >= 0) out.headers[i] = [out.headers[i]![0], value];
  else out.headers.push([name, value]);
}

// ngx_http_set_expires
function setExpires(r: HttpRequest): void {
  const conf = r.conf.headers;
  let expires = conf.expires;
  if (conf.expiresValue !== null) {
    const text = evaluate(r, conf.expiresValue);
    const parsed = parseExpires(text, false);
    if (!parsed.ok) return;
    if (parsed.expires.kind === 'off') return;
    expires = parsed.expires;
  }
  if (expires === null || expires.kind === 'off') return;
  const ex = expires;
  const out = r.headersOut;
  let e = out.headers.findIndex(([n]) => n.toLowerCase() === 'expires');
  if (e < 0) {
    out.headers.push(['Expires', '']);
    e = out.headers.length - 1;
  }
  // One Cache-Control: the first one is reused, the others dropped.
  let cc = -1;
  for (let i = out.headers.length - 1; i >= 0; i--) {
    if (out.headers[i]![0].toLowerCase() !== 'cache-control') continue;
    if (cc >= 0) {
      out.headers.splice(cc, 1);
      if (cc < e) e--;
    }
    cc = i;
  }
  if (cc < 0) {
    out.headers.push(['Cache-Control', '']);
    cc = out.headers.length - 1;
  }
  const set = (expiresValue: string, ccValue: string): void => {
    out.headers[e] = [out.headers[e]![0], expiresValue];
    out.headers[cc] = [out.headers[cc]![0], ccValue];
  };
  if (!('seconds' in ex)) {
    if (ex.kind === 'epoch') set('Thu, 01 Jan 1970 00:00:01 GMT', 'no-cache');
    else set('Thu, 31 Dec 2037 23:55:55 GMT', 'max-age=315360000');
    return;
  }
  let time = ex.seconds;
  if (time === 0 && ex.kind !== 'daily') return set(httpDate(), 'max-age=0');
  const now = Math.floor(Date.now() / 1000);
  let maxAge: number;
  if (ex.kind === 'daily') {
    time = nextTime(time, now);
    maxAge = time - now;
  } else if (ex.kind === 'access' || out.lastModified === -1) {
    maxAge = time;
    time += now;
  } else {
    time += out.lastModified;
    maxAge = time - now;
  }
  set(httpTime(time), ex.seconds < 0 || maxAge < 0 ? 'no-cache' : `max-age=${maxAge}`);
}

// ngx_next_time: the next moment of the day at `when` seconds after local midnight.
function nextTime(when: number, now: number): number {
  const d = new Date(now * 1000);
  const next = new Date(d.getFullYear(), d.getMonth(), d.getDate(), Math.floor(when / 3600), Math.floor((when % 3600) / 60), when % 60);
  let t = Math.floor(next.getTime() / 1000);
  if (t <= now) {
    next.setDate(next.getDate() + 1);
    t = Math.floor(next.getTime() / 1000);
  }
  return t;
}
