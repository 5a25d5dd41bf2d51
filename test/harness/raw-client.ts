/**
 * A raw HTTP/1.x client: sends exact bytes (in one or several writes), reads what comes back and
 * splits it into responses (Content-Length, chunked, or until close; several pipelined responses on
 * one connection; HTTP/0.9 bodies without a status line; after `101 Switching Protocols`, the tunnel's
 * bytes until close). It never throws for what the server does:
 * a timeout, a refused or reset connection are results.
 */
import net from 'node:net';
import tls from 'node:tls';

/** One response as it came over the wire; strings are latin1, one char per byte. */
export interface RawResponse {
  /** `HTTP/1.1 404 Not Found`, or `HTTP/0.9` for a bare body. */
  readonly statusLine: string;
  /** The numeric status; 0 for an HTTP/0.9 body. */
  readonly status: number;
  readonly headers: readonly (readonly [name: string, value: string])[];
  /** The body, de-chunked when it came chunked. */
  readonly body: string;
  /** How the body was delimited. */
  readonly framing: 'none' | 'length' | 'chunked' | 'close' | 'http09';
  /** False when the connection ended (or time ran out) in the middle of this response. */
  readonly complete: boolean;
}

/**
 * `complete`: the expected number of final responses arrived; `closed`: the server closed first;
 * `timeout`: neither happened in time; `refused`: nothing listened; `error`: any other socket error.
 */
export type Outcome = 'complete' | 'closed' | 'timeout' | 'refused' | 'error';

export interface ExchangeResult {
  readonly outcome: Outcome;
  /** Every response read, interim (1xx) ones included. */
  readonly responses: readonly RawResponse[];
  /** Whether the server closed (or reset) the connection before we stopped reading. */
  readonly closed: boolean;
  /** Whether the connection was reset rather than closed. */
  readonly reset: boolean;
  /** Everything received, unparsed. */
  readonly raw: string;
  /** After a 101 response: the bytes that came through the tunnel. */
  readonly tunnel?: string;
  /** Over TLS: what the handshake gave (absent when it failed). */
  readonly peer?: TlsPeer;
  readonly error?: string;
}

/** The server side of a TLS handshake, as a client sees it. */
export interface TlsPeer {
  /** The CN of the certificate the server presented. */
  readonly subject: string;
  /** The certificate's public key type: EC or RSA. */
  readonly keyType: string;
  /** TLSv1.2, TLSv1.3… */
  readonly protocol: string;
  /** The ALPN protocol chosen, '' without. */
  readonly alpn: string;
}

/** A TLS connection: the SNI name to send (none by default) and the ALPN protocols to offer. */
export interface TlsClientOptions {
  readonly servername?: string;
  readonly alpn?: readonly string[];
  readonly maxVersion?: 'TLSv1.2' | 'TLSv1.3';
  /** OpenSSL cipher list of the client (TLSv1.2 and below). */
  readonly ciphers?: string;
}

/** Connects to 127.0.0.1:`port`, over TLS when `options` are given (no certificate is verified). */
export function connectTo(port: number, options: TlsClientOptions | undefined): net.Socket {
  if (options === undefined) return net.connect(port, '127.0.0.1');
  return tls.connect({
    port,
    host: '127.0.0.1',
    rejectUnauthorized: false,
    ...(options.servername === undefined ? {} : { servername: options.servername }),
    ...(options.alpn === undefined ? {} : { ALPNProtocols: [...options.alpn] }),
    ...(options.maxVersion === undefined ? {} : { maxVersion: options.maxVersion }),
    ...(options.ciphers === undefined ? {} : { ciphers: options.ciphers }),
  });
}

/** What the handshake of `socket` gave. */
export function tlsPeer(socket: tls.TLSSocket): TlsPeer {
  const cert = socket.getPeerCertificate();
  const cn = cert.subject?.CN;
  return {
    subject: Array.isArray(cn) ? cn.join(',') : (cn ?? ''),
    keyType: cert.modulus !== undefined ? 'RSA' : cert.asn1Curve !== undefined ? 'EC' : '',
    protocol: socket.getProtocol() ?? '',
    alpn: typeof socket.alpnProtocol === 'string' ? socket.alpnProtocol : '',
  };
}

export interface ExchangeOptions {
  /** Final (non-1xx) responses to wait for; 1 by default. */
  readonly responses?: number;
  /** Overall time to wait for them; 2000 ms by default. */
  readonly timeoutMs?: number;
  /** Pause between writes; 50 ms by default. */
  readonly writeDelayMs?: number;
  /** Responses are to HEAD requests: they have no body whatever their headers say. */
  readonly head?: boolean;
  /** Half-close (send FIN) after the last write. */
  readonly halfClose?: boolean;
  /** With halfClose: wait this long after the last write before the FIN (0 by default). */
  readonly halfCloseDelayMs?: number;
  /**
   * After the last expected response: how long to watch for the server closing when it announced
   * keep-alive (50 ms by default), and when it announced close (1000 ms by default).
   */
  readonly lingerMs?: number;
  readonly closeWaitMs?: number;
  /** Speak TLS (see TlsClientOptions). */
  readonly tls?: TlsClientOptions;
}

/** Sends `writes` to 127.0.0.1:`port` and reads the answer; see ExchangeOptions. */
export function exchange(port: number, writes: string | readonly string[], options: ExchangeOptions = {}): Promise<ExchangeResult> {
  const pieces = typeof writes === 'string' ? [writes] : writes;
  const expected = options.responses ?? 1;
  return new Promise((resolve) => {
    const socket = connectTo(port, options.tls);
    let peer: TlsPeer | undefined;
    let raw = '';
    let closed = false;
    let reset = false;
    let settled = false;
    let lingering: NodeJS.Timeout | null = null;
    let errorText: string | undefined;
    const overall = setTimeout(() => finish('timeout'), options.timeoutMs ?? 2000);

    const parse = (eof: boolean) => parseStream(raw, eof, options.head ?? false);
    const finish = (outcome: Outcome) => {
      if (settled) return;
      settled = true;
      clearTimeout(overall);
      if (lingering !== null) clearTimeout(lingering);
      socket.destroy();
      const { responses, tunnel } = parse(closed);
      resolve({ outcome, responses, closed, reset, raw, ...(tunnel === undefined ? {} : { tunnel }), ...(peer === undefined ? {} : { peer }), ...(errorText === undefined ? {} : { error: errorText }) });
    };
    const check = () => {
      if (settled || lingering !== null) return;
      const { responses, tunnel } = parse(closed);
      // A tunnel lasts until the connection closes.
      if (tunnel !== undefined) {
        if (closed) finish('complete');
        return;
      }
      const finals = responses.filter((r) => r.complete && (r.status >= 200 || r.status === 0));
      if (closed) {
        finish(finals.length >= expected ? 'complete' : 'closed');
        return;
      }
      if (finals.length < expected) return;
      // Enough responses: watch briefly whether the server closes, as it should after `close`.
      const last = finals[finals.length - 1]!;
      const wait = announcesClose(last) ? (options.closeWaitMs ?? 1000) : (options.lingerMs ?? 50);
      lingering = setTimeout(() => finish('complete'), wait);
    };

    socket.on(options.tls === undefined ? 'connect' : 'secureConnect', async () => {
      if (socket instanceof tls.TLSSocket) peer = tlsPeer(socket);
      for (let i = 0; i < pieces.length && !settled && !closed; i++) {
        if (i > 0) await new Promise((r) => setTimeout(r, options.writeDelayMs ?? 50));
        if (!socket.destroyed) socket.write(Buffer.from(pieces[i]!, 'latin1'));
      }
      if (options.halfClose === true) {
        if (options.halfCloseDelayMs) await new Promise((r) => setTimeout(r, options.halfCloseDelayMs));
        if (!socket.destroyed) socket.end();
      }
    });
    socket.on('data', (d: Buffer) => {
      raw += d.toString('latin1');
      check();
    });
    socket.on('end', () => {
      closed = true;
      if (lingering !== null) finish('complete');
      else check();
    });
    socket.on('error', (e: NodeJS.ErrnoException) => {
      if (e.code === 'ECONNREFUSED') return finish('refused');
      if (e.code === 'ECONNRESET' || e.code === 'EPIPE') {
        reset = true;
        closed = true;
        if (lingering !== null) return finish('complete');
        return check();
      }
      errorText = `${e.code ?? ''} ${e.message}`.trim();
      finish('error');
    });
    socket.on('close', () => {
      closed = true;
      if (lingering !== null) finish('complete');
      else check();
    });
  });
}

/** True when the response says the connection ends after it. */
function announcesClose(r: RawResponse): boolean {
  if (r.framing === 'close' || r.framing === 'http09') return true;
  const connection = header(r.headers, 'connection')?.toLowerCase();
  if (connection !== undefined) return connection.includes('close');
  return r.statusLine.startsWith('HTTP/1.0');
}

/** The first value of header `name` (case-insensitive). */
export function header(headers: RawResponse['headers'], name: string): string | undefined {
  const lower = name.toLowerCase();
  return headers.find(([k]) => k.toLowerCase() === lower)?.[1];
}

/**
 * Splits `data` into responses. `eof`: no more bytes will come, so a body read until close is
 * complete and a cut-off response is reported with `complete: false`.
 */
export function parseResponses(data: string, eof: boolean, head: boolean): RawResponse[] {
  return parseStream(data, eof, head).responses;
}

/** parseResponses, and the bytes after a `101 Switching Protocols` head (the tunnel) when one came. */
function parseStream(data: string, eof: boolean, head: boolean): { responses: RawResponse[]; tunnel?: string } {
  const out: RawResponse[] = [];
  let pos = 0;
  while (pos < data.length) {
    const rest = data.slice(pos);
    if (!rest.startsWith('HTTP/')) {
      if (!eof && 'HTTP/'.startsWith(rest)) break;
      // HTTP/0.9: the body alone, until close
      out.push({ statusLine: 'HTTP/0.9', status: 0, headers: [], body: rest, framing: 'http09', complete: eof });
      break;
    }
    const end = rest.indexOf('\r\n\r\n');
    if (end < 0) {
      if (eof) out.push({ statusLine: rest.split('\r\n')[0] ?? '', status: 0, headers: [], body: '', framing: 'none', complete: false });
      break;
    }
    const [statusLine = '', ...lines] = rest.slice(0, end).split('\r\n');
    const status = Number(/^HTTP\/\d\.\d (\d{3})/.exec(statusLine)?.[1] ?? 0);
    const headers = lines.map((l): [string, string] => {
      const colon = l.indexOf(':');
      return colon < 0 ? [l, ''] : [l.slice(0, colon), l.slice(colon + 1).trim()];
    });
    const bodyStart = end + 4;
    const te = header(headers, 'transfer-encoding')?.toLowerCase() ?? '';
    const cl = header(headers, 'content-length');
    let framing: RawResponse['framing'];
    let body = '';
    let used = 0;
    let complete = true;
    if (head || (status >= 100 && status < 200) || status === 204 || status === 304) {
      framing = 'none';
    } else if (te.includes('chunked')) {
      framing = 'chunked';
      const r = dechunk(rest, bodyStart);
      if (r === null) {
        complete = false;
        body = rest.slice(bodyStart);
        used = rest.length;
      } else {
        body = r.body;
        used = r.end - bodyStart;
      }
    } else if (cl !== undefined && /^\d+$/.test(cl)) {
      framing = 'length';
      const n = Number(cl);
      body = rest.slice(bodyStart, bodyStart + n);
      used = body.length;
      complete = body.length === n;
    } else {
      framing = 'close';
      body = rest.slice(bodyStart);
      used = body.length;
      complete = eof;
    }
    if (!complete && !eof) break;
    out.push({ statusLine, status, headers, body, framing, complete });
    if (!complete) break;
    if (status === 101) return { responses: out, tunnel: rest.slice(bodyStart) };
    pos += bodyStart + used;
  }
  return { responses: out };
}

/** Decodes a chunked body starting at `start`; null until the terminating chunk and trailers arrived. */
function dechunk(data: string, start: number): { body: string; end: number } | null {
  let pos = start;
  let body = '';
  for (;;) {
    const eol = data.indexOf('\r\n', pos);
    if (eol < 0) return null;
    const size = parseInt(data.slice(pos, eol).split(';')[0] ?? '', 16);
    if (Number.isNaN(size)) return null;
    pos = eol + 2;
    if (size === 0) {
      // trailer fields, then an empty line
      for (;;) {
        const next = data.indexOf('\r\n', pos);
        if (next < 0) return null;
        if (next === pos) return { body, end: pos + 2 };
        pos = next + 2;
      }
    }
    if (data.length < pos + size + 2) return null;
    body += data.slice(pos, pos + size);
    pos += size + 2;
  }
}
