/**
 * The response head of a stream as ngx_http_v2_header_filter sends it. The request engine's
 * header filter (http/header-filter.ts) writes the head once, in HTTP/1.1 form and nginx's order
 * (Server, Date, Content-Type, Content-Length, Last-Modified, Location, then the others); here it
 * becomes a HEADERS frame's fields: `:status`, the names in lower case, in the same order, without
 * the fields that belong to an HTTP/1.x connection (Connection, Keep-Alive, Transfer-Encoding,
 * Upgrade, Proxy-Connection), which nginx's HTTP/2 filter never writes.
 */
import type { OutgoingHttpHeaders } from 'node:http2';

/** Fields HTTP/2 forbids (RFC 9113 8.2.2); nginx's HTTP/2 header filter has no place for them. */
const CONNECTION_FIELDS = new Set(['connection', 'keep-alive', 'transfer-encoding', 'upgrade', 'proxy-connection']);

export interface Http2ResponseHead {
  readonly status: number;
  readonly headers: OutgoingHttpHeaders;
}

/** Reads `HTTP/1.1 200 OK\r\nName: value\r\n…` (without the final empty line) into HTTP/2 fields. */
export function http2ResponseHead(head: string): Http2ResponseHead {
  const lines = head.split('\r\n');
  const statusLine = lines[0] ?? '';
  const status = Number(statusLine.slice(9, 12));
  const headers: OutgoingHttpHeaders = { ':status': status };
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i]!;
    if (line === '') continue;
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    const name = line.slice(0, colon).toLowerCase();
    if (CONNECTION_FIELDS.has(name)) continue;
    // RFC 9113 8.2.2: TE only as "trailers".
    const value = line.slice(colon + 1).replace(/^[ \t]+/, '');
    if (name === 'te' && value.toLowerCase() !== 'trailers') continue;
    const had = headers[name];
    if (had === undefined) headers[name] = value;
    else headers[name] = Array.isArray(had) ? [...had, value] : [String(had), value];
  }
  return { status, headers };
}
