/**
 * An upstream for proxy tests: a raw TCP server on 127.0.0.1 port 0 that records each request as it
 * arrived (request line, headers in order with their raw names, body bytes) and answers a small
 * response naming itself in `X-Backend`, then closes the connection.
 *
 * The request target can change the answer: a query argument `be=` (for every backend) or
 * `be.<name>=` (for that backend only, taking precedence) holds comma-separated directives:
 *   status:NNN        the status code (200)
 *   reason:TEXT       the reason phrase, %-decoded (node's for the code); `reason:` none at all
 *   version:1.0       the status line's version (1.1)
 *   chunked           the body goes chunked (two chunks)
 *   eof               no Content-Length: the body ends with the connection
 *   body:TEXT         the body, %-decoded (`backend <name>\n`); `body:` empty
 *   size:N            the body is N bytes of a repeating alphabet
 *   hdr:NAME:VALUE    one more header, %-decoded; `@host` in VALUE is the Host header received
 *   sleep:MS          wait before answering
 *   drop              close the connection without answering
 *   raw:TEXT          answer exactly TEXT (%-decoded), nothing else
 *   partial           announce a longer body than is sent, then close
 * A HEAD request gets the head alone.
 */
import { STATUS_CODES } from 'node:http';
import net from 'node:net';

/** One request as the backend read it. Strings are latin1, one char per byte. */
export interface BackendRequest {
  /** The backend's name (`backend`, `backend2`…), as in `X-Backend`. */
  readonly backend: string;
  readonly method: string;
  readonly target: string;
  readonly version: string;
  readonly headers: readonly (readonly [name: string, value: string])[];
  /** The body, de-chunked when it came chunked. */
  readonly body: string;
  /** False when the connection ended before the whole request had arrived. */
  readonly complete: boolean;
}

export interface EchoBackend {
  readonly name: string;
  readonly port: number;
  /** `127.0.0.1:<port>`, for proxy_pass. */
  readonly address: string;
  /** Every request received so far, oldest first. */
  readonly received: BackendRequest[];
  /** Returns and forgets the requests received so far. */
  take(): BackendRequest[];
  close(): Promise<void>;
}

/** How the backend answers one request: the directives of `be=` / `be.<name>=`. */
export interface BackendBehaviour {
  readonly status: number;
  readonly reason: string | null;
  readonly version: string;
  readonly chunked: boolean;
  readonly eof: boolean;
  readonly body: string | null;
  readonly headers: readonly (readonly [string, string])[];
  readonly sleepMs: number;
  readonly drop: boolean;
  readonly partial: boolean;
  readonly raw: string | null;
}

const PLAIN: BackendBehaviour = { status: 200, reason: null, version: '1.1', chunked: false, eof: false, body: null, headers: [], sleepMs: 0, drop: false, partial: false, raw: null };

function decode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

/** The behaviour the request target asks of backend `name` (see the file comment). */
export function behaviourOf(target: string, name: string): BackendBehaviour {
  const q = target.indexOf('?');
  if (q < 0) return PLAIN;
  const args = target.slice(q + 1).split('&');
  const own = args.find((a) => a.startsWith(`be.${name}=`));
  const all = args.find((a) => a.startsWith('be='));
  const spec = own !== undefined ? own.slice(own.indexOf('=') + 1) : all !== undefined ? all.slice(3) : '';
  if (spec === '') return PLAIN;
  const b = { ...PLAIN, headers: [] as [string, string][] };
  for (const d of spec.split(',')) {
    const colon = d.indexOf(':');
    const key = colon < 0 ? d : d.slice(0, colon);
    const arg = colon < 0 ? '' : d.slice(colon + 1);
    switch (key) {
      case 'status': b.status = Number(arg); break;
      case 'reason': b.reason = decode(arg); break;
      case 'version': b.version = arg; break;
      case 'chunked': b.chunked = true; break;
      case 'eof': b.eof = true; break;
      case 'body': b.body = decode(arg); break;
      case 'size': b.body = 'abcdefghijklmnopqrstuvwxyz0123456789\n'.repeat(Math.ceil(Number(arg) / 37)).slice(0, Number(arg)); break;
      case 'hdr': {
        const c = arg.indexOf(':');
        b.headers.push([decode(arg.slice(0, c)), decode(arg.slice(c + 1))]);
        break;
      }
      case 'sleep': b.sleepMs = Number(arg); break;
      case 'drop': b.drop = true; break;
      case 'partial': b.partial = true; break;
      case 'raw': b.raw = decode(arg); break;
    }
  }
  return b;
}

/** The response bytes for a request, as `behaviour` says. */
export function backendResponse(name: string, behaviour: BackendBehaviour = PLAIN, request?: { method: string; headers: readonly (readonly [string, string])[] }): string {
  if (behaviour.raw !== null) return behaviour.raw;
  const body = behaviour.body ?? `backend ${name}\n`;
  const host = request?.headers.find(([k]) => k.toLowerCase() === 'host')?.[1] ?? '';
  const reason = behaviour.reason ?? STATUS_CODES[behaviour.status] ?? 'Unknown';
  let head = `HTTP/${behaviour.version} ${behaviour.status}${behaviour.reason === '' ? '' : ' ' + reason}\r\n`;
  head += 'Content-Type: text/plain\r\n';
  if (behaviour.chunked) head += 'Transfer-Encoding: chunked\r\n';
  else if (behaviour.partial) head += `Content-Length: ${body.length + 100}\r\n`;
  else if (!behaviour.eof) head += `Content-Length: ${body.length}\r\n`;
  head += 'Connection: close\r\n';
  head += `X-Backend: ${name}\r\n`;
  for (const [k, v] of behaviour.headers) head += `${k}: ${v.split('@host').join(host)}\r\n`;
  head += '\r\n';
  if (request?.method === 'HEAD') return head;
  if (!behaviour.chunked) return head + body;
  const half = Math.ceil(body.length / 2);
  const chunks = [body.slice(0, half), body.slice(half)].filter((c) => c.length > 0);
  return head + chunks.map((c) => `${c.length.toString(16)}\r\n${c}\r\n`).join('') + '0\r\n\r\n';
}

/** When each request arrived, across all backends: requests of one case are compared in that order. */
const arrival = new WeakMap<BackendRequest, number>();
let arrivals = 0;

/** Sorts requests received by several backends into the order they arrived in. */
export function byArrival(requests: readonly BackendRequest[]): BackendRequest[] {
  return [...requests].sort((a, b) => (arrival.get(a) ?? 0) - (arrival.get(b) ?? 0));
}

type Parsed = { done: false } | { done: true; request: Omit<BackendRequest, 'backend'> };

/** Parses one request from `data` (latin1); `eof` when no more bytes will come. */
function parseRequest(data: string, eof: boolean): Parsed {
  const end = data.indexOf('\r\n\r\n');
  if (end < 0) {
    return eof && data.length > 0 ? { done: true, request: partial(data) } : { done: false };
  }
  const [line = '', ...rest] = data.slice(0, end).split('\r\n');
  const [method = '', target = '', version = ''] = line.split(' ');
  const headers = rest.map((h): [string, string] => {
    const colon = h.indexOf(':');
    return colon < 0 ? [h, ''] : [h.slice(0, colon), h.slice(colon + 1).trim()];
  });
  const get = (n: string) => headers.find(([k]) => k.toLowerCase() === n)?.[1];
  const raw = data.slice(end + 4);
  const head = { method, target, version, headers };
  if ((get('transfer-encoding') ?? '').toLowerCase().includes('chunked')) {
    const body = dechunk(raw);
    if (body === null) return eof ? { done: true, request: { ...head, body: raw, complete: false } } : { done: false };
    return { done: true, request: { ...head, body, complete: true } };
  }
  const length = Number(get('content-length') ?? '0');
  if (raw.length >= length) return { done: true, request: { ...head, body: raw.slice(0, length), complete: true } };
  return eof ? { done: true, request: { ...head, body: raw, complete: false } } : { done: false };
}

function partial(data: string): Omit<BackendRequest, 'backend'> {
  return { method: '', target: '', version: '', headers: [], body: data, complete: false };
}

/** The decoded body once the last chunk and trailer section have arrived, else null. */
function dechunk(raw: string): string | null {
  let pos = 0;
  let body = '';
  for (;;) {
    const eol = raw.indexOf('\r\n', pos);
    if (eol < 0) return null;
    const size = parseInt(raw.slice(pos, eol).split(';')[0] ?? '', 16);
    if (Number.isNaN(size)) return body; // not chunked after all: keep what made sense
    pos = eol + 2;
    if (size === 0) return raw.indexOf('\r\n\r\n', pos - 2) >= 0 ? body : null;
    if (raw.length < pos + size + 2) return null;
    body += raw.slice(pos, pos + size);
    pos += size + 2;
  }
}

/** Starts an echo backend called `name` on 127.0.0.1, port chosen by the kernel. */
export async function startEchoBackend(name: string): Promise<EchoBackend> {
  const received: BackendRequest[] = [];
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    let data = '';
    let answered = false;
    const step = (eof: boolean) => {
      if (answered) return;
      const r = parseRequest(data, eof);
      if (!r.done) return;
      answered = true;
      const request: BackendRequest = { backend: name, ...r.request };
      arrival.set(request, ++arrivals);
      received.push(request);
      if (eof) return;
      const b = behaviourOf(r.request.target, name);
      const answer = (): void => {
        if (b.drop) socket.end();
        else socket.end(backendResponse(name, b, r.request), 'latin1');
      };
      if (b.sleepMs > 0) setTimeout(answer, b.sleepMs);
      else answer();
    };
    socket.on('data', (d: Buffer) => {
      data += d.toString('latin1');
      step(false);
    });
    socket.on('end', () => step(true));
    socket.on('error', () => undefined);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((res, rej) => {
    server.once('error', rej);
    server.listen(0, '127.0.0.1', () => res());
  });
  const addr = server.address();
  const port = typeof addr === 'object' && addr !== null ? addr.port : 0;
  return {
    name,
    port,
    address: `127.0.0.1:${port}`,
    received,
    take: () => received.splice(0, received.length),
    close: () =>
      new Promise<void>((res) => {
        for (const s of sockets) s.destroy();
        server.close(() => res());
      }),
  };
}
