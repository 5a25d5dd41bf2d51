/**
 * An HTTP/2 client for the differential (node:http2): one request on a new connection, over TLS
 * with ALPN h2 (the SNI name given or none) or in clear text with prior knowledge. The answer is
 * given in the raw client's form (`HTTP/2 200` as the status line, the fields in order without the
 * pseudo-headers, the body), so that compare.ts treats both protocols alike. It never throws for
 * what the server does: a refused stream or connection is an outcome.
 */
import http2, { type ClientHttp2Session } from 'node:http2';
import type tls from 'node:tls';
import { tlsPeer, type ExchangeResult, type Outcome, type RawResponse, type TlsPeer } from './raw-client.js';

export interface H2Request {
  readonly method?: string;
  readonly path: string;
  /** `:authority` (`localhost` by default); null sends none. */
  readonly authority?: string | null;
  /** More fields, in order (names in lower case, as HTTP/2 wants them). */
  readonly headers?: readonly (readonly [string, string])[];
  readonly body?: string;
}

export interface H2Options {
  /** TLS with ALPN h2 (true by default); false: clear text, prior knowledge. */
  readonly tls?: boolean;
  readonly servername?: string;
  readonly timeoutMs?: number;
}

/** Sends `req` to 127.0.0.1:`port` over a new HTTP/2 connection and reads the answer. */
export function h2Exchange(port: number, req: H2Request, options: H2Options = {}): Promise<ExchangeResult> {
  const secure = options.tls ?? true;
  return new Promise((resolve) => {
    let settled = false;
    let peer: TlsPeer | undefined;
    let session: ClientHttp2Session;
    const timer = setTimeout(() => finish('timeout', null, 'timed out'), options.timeoutMs ?? 3000);
    const finish = (outcome: Outcome, response: RawResponse | null, error?: string): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      session?.destroy();
      resolve({
        outcome,
        responses: response === null ? [] : [response],
        closed: outcome !== 'complete',
        reset: false,
        raw: '',
        ...(peer === undefined ? {} : { peer }),
        ...(error === undefined ? {} : { error }),
      });
    };
    session = http2.connect(`${secure ? 'https' : 'http'}://127.0.0.1:${port}`, {
      rejectUnauthorized: false,
      ...(options.servername === undefined ? {} : { servername: options.servername }),
    });
    session.on('error', (e: NodeJS.ErrnoException) => finish(e.code === 'ECONNREFUSED' ? 'refused' : 'error', null, `${e.code ?? ''} ${e.message}`.trim()));
    session.on('connect', () => {
      if (secure) peer = tlsPeer(session.socket as tls.TLSSocket);
    });
    const fields: http2.OutgoingHttpHeaders = { ':method': req.method ?? 'GET', ':path': req.path, ':scheme': secure ? 'https' : 'http' };
    if (req.authority !== null) fields[':authority'] = req.authority ?? 'localhost';
    for (const [k, v] of req.headers ?? []) {
      const had = fields[k];
      fields[k] = had === undefined ? v : Array.isArray(had) ? [...had, v] : [String(had), v];
    }
    const body = req.body ?? '';
    const stream = session.request(fields, { endStream: body === '' });
    let status = 0;
    let headers: [string, string][] = [];
    let data = '';
    stream.on('response', (_h, _flags, raw: string[]) => {
      status = Number(_h[':status']);
      headers = [];
      for (let i = 0; i + 1 < raw.length; i += 2) if (!raw[i]!.startsWith(':')) headers.push([raw[i]!, raw[i + 1]!]);
    });
    stream.setEncoding('latin1');
    stream.on('data', (d: string) => (data += d));
    stream.on('end', () => finish('complete', { statusLine: `HTTP/2 ${status}`, status, headers, body: data, framing: 'length', complete: true }));
    stream.on('error', (e: NodeJS.ErrnoException) => finish(status === 0 ? 'closed' : 'error', status === 0 ? null : { statusLine: `HTTP/2 ${status}`, status, headers, body: data, framing: 'length', complete: false }, `${e.code ?? ''} ${e.message}`.trim()));
    if (body !== '') stream.end(Buffer.from(body, 'latin1'));
  });
}
