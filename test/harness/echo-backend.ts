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
 *   hold              answer only when the harness calls release() (a request kept in flight)
 *   drop              close the connection without answering
 *   raw:TEXT          answer exactly TEXT (%-decoded), nothing else
 *   partial           announce a longer body than is sent, then close
 *   upgrade           when the request carries Upgrade: answer `101 Switching Protocols` (Upgrade as
 *                     asked, `Connection: Upgrade`, X-Backend, hdr:…) and a greeting (`body:`, else
 *                     `backend <name> upgraded\n`) in one write, then echo every byte received
 *                     (recorded as the request's `tunnel`); on `quit\n` it echoes and closes. With
 *                     `eof` it closes right after the greeting, with `mute` it does not echo.
 *                     Without Upgrade in the request: the ordinary answer.
 *   early             answer as soon as the head has arrived, without waiting for the body (which
 *                     is still read and recorded, as far as it comes before the connection ends)
 * A HEAD request gets the head alone. A TLS backend (startEchoBackend with a certificate) answers
 * the same way and records what it saw of the handshake (`tls`).
 */
import { STATUS_CODES } from 'node:http';
import net from 'node:net';
import tls from 'node:tls';

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
  /** After a 101 (`upgrade`): the bytes received through the tunnel so far. */
  readonly tunnel?: string;
  /**
   * A TLS backend's view of the handshake: the server name (SNI; on a resumed TLS 1.2 session the
   * one of the session's first handshake), the version, whether the session was resumed, and the
   * subject CN of the client's certificate (asked for, not required).
   */
  readonly tls?: { readonly sni: string | null; readonly protocol: string | null; readonly resumed: boolean; readonly clientCert: string | null };
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
  /** Answers the requests kept by `hold`. */
  release(): void;
  /** How many requests kept by `hold` still have their connection open (the server may close it). */
  heldOpen(): number;
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
  readonly hold?: boolean;
  readonly upgrade: boolean;
  readonly mute: boolean;
  readonly early: boolean;
}

const PLAIN: BackendBehaviour = { status: 200, reason: null, version: '1.1', chunked: false, eof: false, body: null, headers: [], sleepMs: 0, drop: false, partial: false, raw: null, upgrade: false, mute: false, early: false };

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
      case 'hold': b.hold = true; break;
      case 'drop': b.drop = true; break;
      case 'partial': b.partial = true; break;
      case 'raw': b.raw = decode(arg); break;
      case 'upgrade': b.upgrade = true; break;
      case 'mute': b.mute = true; break;
      case 'early': b.early = true; break;
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

/** The 101 head and greeting of `upgrade` for a request that asked for `upgrade`. */
function upgradeResponse(name: string, behaviour: BackendBehaviour, upgrade: string): string {
  let head = `HTTP/1.1 101 Switching Protocols\r\nUpgrade: ${upgrade}\r\nConnection: Upgrade\r\nX-Backend: ${name}\r\n`;
  for (const [k, v] of behaviour.headers) head += `${k}: ${v}\r\n`;
  return head + '\r\n' + (behaviour.body ?? `backend ${name} upgraded\n`);
}

/** When each request arrived, across all backends: requests of one case are compared in that order. */
const arrival = new WeakMap<BackendRequest, number>();
let arrivals = 0;

/** Sorts requests received by several backends into the order they arrived in. */
export function byArrival(requests: readonly BackendRequest[]): BackendRequest[] {
  return [...requests].sort((a, b) => (arrival.get(a) ?? 0) - (arrival.get(b) ?? 0));
}

/** `used`: how many bytes of the data the request took (what follows goes into a tunnel). */
type Parsed = { done: false } | { done: true; request: Omit<BackendRequest, 'backend'>; used?: number };

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
  if (raw.length >= length) return { done: true, request: { ...head, body: raw.slice(0, length), complete: true }, used: end + 4 + length };
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

/**
 * Starts an echo backend called `name` on 127.0.0.1, port chosen by the kernel; with `certificate`
 * it speaks TLS and records each request's SNI and protocol version.
 */
export async function startEchoBackend(name: string, certificate?: { key: Buffer; cert: Buffer }): Promise<EchoBackend> {
  const received: BackendRequest[] = [];
  const sockets = new Set<net.Socket>();
  const held: { answer: () => void; socket: net.Socket }[] = [];
  const onConnection = (socket: net.Socket): void => {
    sockets.add(socket);
    const secure =
      socket instanceof tls.TLSSocket
        ? {
            sni: socket.servername || null,
            protocol: socket.getProtocol(),
            resumed: socket.isSessionReused(),
            clientCert: (socket.getPeerCertificate().subject?.CN as string | undefined) ?? null,
          }
        : null;
    let data = '';
    let answered = false;
    /** `early`: the answer went out when the head arrived. */
    let answeredEarly = false;
    /** After a 101: the request whose `tunnel` records what comes, and whether to echo it. */
    let tunnel: { request: { tunnel: string }; echo: boolean } | null = null;
    const relay = (bytes: string): void => {
      if (tunnel === null || bytes.length === 0) return;
      tunnel.request.tunnel += bytes;
      if (tunnel.echo && !socket.destroyed) socket.write(bytes, 'latin1');
      if (tunnel.request.tunnel.includes('quit\n')) {
        tunnel = null;
        socket.end();
      }
    };
    const step = (eof: boolean) => {
      if (answered) return;
      const r = parseRequest(data, eof);
      if (!r.done) return;
      answered = true;
      const request: BackendRequest = { backend: name, ...r.request, ...(secure === null ? {} : { tls: secure }) };
      arrival.set(request, ++arrivals);
      received.push(request);
      if (eof || answeredEarly) return;
      const b = behaviourOf(r.request.target, name);
      const upgrade = r.request.headers.find(([k]) => k.toLowerCase() === 'upgrade')?.[1];
      const answer = (): void => {
        if (b.upgrade && upgrade !== undefined) {
          const t = request as BackendRequest & { tunnel: string };
          t.tunnel = '';
          socket.write(upgradeResponse(name, b, upgrade), 'latin1');
          if (b.eof) {
            socket.end();
            return;
          }
          tunnel = { request: t, echo: !b.mute };
          relay(data.slice(r.used ?? data.length));
          return;
        }
        if (b.drop) socket.end();
        else socket.end(backendResponse(name, b, r.request), 'latin1');
      };
      if (b.hold) held.push({ answer, socket });
      else if (b.sleepMs > 0) setTimeout(answer, b.sleepMs);
      else answer();
    };
    socket.on('data', (d: Buffer) => {
      if (tunnel !== null) {
        relay(d.toString('latin1'));
        return;
      }
      data += d.toString('latin1');
      if (!answered && !answeredEarly) {
        const end = data.indexOf('\r\n\r\n');
        if (end >= 0) {
          const [method = '', target = ''] = (data.slice(0, data.indexOf('\r\n')) ?? '').split(' ');
          const b = behaviourOf(target, name);
          if (b.early) {
            answeredEarly = true;
            socket.end(backendResponse(name, b, { method, headers: [] }), 'latin1');
          }
        }
      }
      step(false);
    });
    socket.on('end', () => step(true));
    socket.on('error', () => undefined);
    socket.on('close', () => sockets.delete(socket));
  };
  const server = certificate === undefined ? net.createServer(onConnection) : tls.createServer({ ...certificate, requestCert: true, rejectUnauthorized: false }, onConnection);
  // A client that refuses the certificate ends the handshake: nothing to record.
  server.on('tlsClientError', () => undefined);
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
    release: () => {
      for (const h of held.splice(0)) h.answer();
    },
    heldOpen: () => held.filter((h) => !h.socket.destroyed && !h.socket.readableEnded).length,
    close: () =>
      new Promise<void>((res) => {
        held.length = 0;
        for (const s of sockets) s.destroy();
        server.close(() => res());
      }),
  };
}
