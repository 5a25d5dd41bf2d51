/**
 * ngx_http_realip_module (the post-read and preaccess phases): when the client is a trusted
 * proxy, its address is replaced, for this request, by the one the configured header names —
 * the last address of X-Forwarded-For, or with `real_ip_recursive` the last untrusted one.
 */
import ipaddr from 'ipaddr.js';
import type { RealIpConf } from '../../compile/realip-conf.js';
import type { HttpRequest } from './request.js';

function trusted(conf: RealIpConf, family: HttpRequest['remoteFamily'], address: string): boolean {
  if (family === 'unix') return conf.fromUnix;
  let a: ipaddr.IPv4 | ipaddr.IPv6;
  try {
    a = ipaddr.process(address);
  } catch {
    return false;
  }
  return conf.from.some(([range, bits]) => range.kind() === a.kind() && a.match(range as ipaddr.IPv4 & ipaddr.IPv6, bits));
}

// ngx_parse_addr_port: `addr`, `addr:port`, `[v6]:port`, or a bare IPv6 address.
function parseAddrPort(text: string): { address: string; port: number; family: 'inet' | 'inet6' } | null {
  let host = text;
  let port = 0;
  const v6 = /^\[([^\]]+)\](?::(\d+))?$/.exec(text);
  if (v6) {
    host = v6[1]!;
    port = v6[2] ? Number(v6[2]) : 0;
  } else if (/^[^:]+:\d+$/.test(text)) {
    const i = text.lastIndexOf(':');
    host = text.slice(0, i);
    port = Number(text.slice(i + 1));
  }
  if (port > 65535) return null;
  if (ipaddr.IPv4.isValidFourPartDecimal(host)) return { address: host, port, family: 'inet' };
  if (ipaddr.IPv6.isValid(host)) return { address: ipaddr.IPv6.parse(host).toString(), port, family: 'inet6' };
  return null;
}

// ngx_http_get_forwarded_addr_internal: from the end of the list, as long as the current address
// is trusted; returns the new address or null (NGX_DECLINED) — with `found` kept for NGX_DONE.
function forwarded(
  conf: RealIpConf,
  start: { address: string; port: number; family: HttpRequest['remoteFamily'] },
  list: string,
): { address: string; port: number; family: HttpRequest['remoteFamily']; rc: 'ok' | 'done' } | null {
  let cur = start;
  let found = false;
  let len = list.length;
  for (;;) {
    if (!trusted(conf, cur.family, cur.address)) return found ? { ...cur, rc: 'done' } : null;
    let end = len;
    while (end > 1 && (list[end - 1] === ' ' || list[end - 1] === ',')) end--;
    let p = end - 1;
    while (p > 0 && list[p] !== ' ' && list[p] !== ',') p--;
    if (p > 0) p++;
    const parsed = parseAddrPort(list.slice(p, end));
    if (parsed === null) return found ? { ...cur, rc: 'done' } : null;
    cur = parsed;
    found = true;
    len = p - 1;
    if (!(conf.recursive && p > 0)) return { ...cur, rc: 'ok' };
  }
}

// ngx_http_realip_handler
/** Applies the module to `r` (once per request). */
export function realIpHandler(r: HttpRequest, conf: RealIpConf | null): void {
  if (conf === null || r.realIpDone) return;
  const start = { address: r.remoteAddress, port: r.remotePort, family: r.remoteFamily };
  let result: ReturnType<typeof forwarded> = null;
  if (conf.header === 'x-forwarded-for') {
    // Several X-Forwarded-For lines: the last first (ngx_http_get_forwarded_addr).
    const lines = r.head.headers.filter((h) => h.name.toLowerCase() === 'x-forwarded-for').map((h) => h.value);
    if (lines.length === 0) return;
    let cur = start;
    let found = false;
    for (let i = lines.length - 1; i >= 0; i--) {
      const rc = forwarded(conf, cur, lines[i]!);
      if (!conf.recursive) {
        result = rc;
        break;
      }
      if (rc === null) {
        result = found ? { ...cur, rc: 'done' } : null;
        break;
      }
      result = rc;
      if (rc.rc !== 'ok') break;
      cur = rc;
      found = true;
    }
  } else if (conf.header === 'proxy_protocol') {
    return;
  } else {
    const value = r.header(conf.header);
    if (value === undefined) return;
    result = forwarded(conf, start, value);
  }
  if (result === null) return;
  r.realIpDone = true;
  r.remoteAddress = result.address;
  r.remotePort = result.port;
  r.remoteFamily = result.family;
}
