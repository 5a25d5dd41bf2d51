/**
 * An upstream for proxy tests: a raw TCP server on 127.0.0.1 port 0 that records each request as it
 * arrived (request line, headers in order with their raw names, body bytes) and answers a fixed small
 * response naming itself in `X-Backend`, then closes the connection.
 */
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

/** The response every request gets. */
export function backendResponse(name: string): string {
  const body = `backend ${name}\n`;
  return (
    'HTTP/1.1 200 OK\r\n' +
    'Content-Type: text/plain\r\n' +
    `Content-Length: ${body.length}\r\n` +
    'Connection: close\r\n' +
    `X-Backend: ${name}\r\n` +
    '\r\n' +
    body
  );
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
      received.push({ backend: name, ...r.request });
      if (!eof) socket.end(backendResponse(name), 'latin1');
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
