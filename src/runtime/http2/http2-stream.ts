/**
 * One HTTP/2 stream as a request (ngx_http_v2_state_headers … ngx_http_v2_close_stream): its head
 * is read from the HEADERS frame (http2-request-head.ts), the request runs through the same phases
 * as an HTTP/1.x one, and this object is its ResponseSink: the head the header filter writes
 * becomes the HEADERS frame (http2-response-head.ts), the body goes out in DATA frames, and the
 * request body is read from the stream (ngx_http_v2_read_request_body), with client_max_body_size
 * and client_body_timeout as nginx applies them.
 */
import { constants as h2constants, type ServerHttp2Stream } from 'node:http2';
import type { AddressServers, CompiledServer } from '../../compile/servers.js';
import { findVirtualServer } from '../find-virtual-server.js';
import { logRequest } from '../http/access-log.js';
import type { ConnectionHost } from '../http/connection.js';
import { finalizeRequest, handleRequest } from '../http/phases.js';
import { HttpRequest, type ConnectionInfo } from '../http/request.js';
import { onceDrainedOrClosed, type BodyReader, type ClientTunnel, type LogLevel, type ResponseSink, type UnbufferedBody, type UpgradedConnection } from '../http/response.js';
import { http2RequestHead } from './http2-request-head.js';
import { http2ResponseHead } from './http2-response-head.js';
import { EMPTY_BUFFER } from '../empty-buffer.js';

export class Http2Stream implements ResponseSink {
  aborted = false;
  private r: HttpRequest | null = null;
  /** The head as the header filter wrote it, until its empty line. */
  private headText = '';
  private headDone = false;
  private ended = false;
  private finished = false;
  /** A reader (or the discarder) has the request body. */
  private bodyTaken = false;

  constructor(
    private readonly stream: ServerHttp2Stream,
    private readonly raw: readonly string[],
    /** The HEADERS frame ended the stream: the request has no body. */
    private readonly endStream: boolean,
    private readonly info: ConnectionInfo,
    private readonly addr: AddressServers,
    private readonly host: ConnectionHost,
    private readonly onDone: () => void,
  ) {}

  /** Reads the head and runs the request. */
  start(): void {
    const stream = this.stream;
    stream.on('error', () => undefined);
    stream.on('close', () => {
      if (this.ended) return;
      // The client reset the stream, or the connection went: no more of the response; an
      // upstream waited for learns it first (ngx_http_upstream_check_broken_connection).
      const watcher = this.abortWatcher;
      this.abortWatcher = null;
      watcher?.(null);
      this.aborted = true;
      this.finish();
    });
    // Before a Host header: the server the handshake's SNI name chose, else the default one.
    const connServer = this.info.tls?.sniServer ?? this.addr.defaultServer;
    let hostServer: CompiledServer | null = null;
    const res = http2RequestHead(this.raw, this.endStream, connServer.coreSrv.read, (h) => {
      const vs = findVirtualServer(this.addr, h);
      hostServer = vs.server;
      return vs.server.coreSrv.read;
    });
    if (res.kind === 'error') {
      const server: CompiledServer = hostServer ?? connServer;
      const r = new HttpRequest(this.info, res.head, this.addr, { server, rule: 'default', name: null, captures: null }, this.host.variables);
      r.keepalive = false;
      r.headerOnly = res.head.method === 'HEAD';
      this.r = r;
      this.log('info', res.reason);
      finalizeRequest(r, this, res.status);
      return;
    }
    const vs = findVirtualServer(this.addr, res.head.host ?? '');
    const r = new HttpRequest(this.info, res.head, this.addr, vs, this.host.variables);
    this.r = r;
    r.onUninitialized = (name) => {
      if (r.conf.uninitializedVariableWarn) this.log('warn', `using uninitialized "${name}" variable`);
    };
    handleRequest(r, this);
  }

  /** The connection is gone: the request ends where it is. */
  connectionGone(): void {
    if (this.ended) return;
    this.aborted = true;
    this.finish();
  }

  write(chunk: string | Buffer): boolean {
    const r = this.r;
    if (this.aborted || this.ended || r === null) return false;
    r.bytesSent += chunk.length;
    if (this.headDone) return this.writeBody(typeof chunk === 'string' ? Buffer.from(chunk, 'latin1') : chunk);
    this.headText += typeof chunk === 'string' ? chunk : chunk.toString('latin1');
    const end = this.headText.indexOf('\r\n\r\n');
    if (end < 0) return true;
    const rest = this.headText.slice(end + 4);
    this.headDone = true;
    if (!this.respond(r, this.headText.slice(0, end))) return false;
    return rest.length === 0 ? true : this.writeBody(Buffer.from(rest, 'latin1'));
  }

  /** Sends the HEADERS frame; false when node refused the fields (the stream is reset). */
  private respond(r: HttpRequest, head: string): boolean {
    const { headers } = http2ResponseHead(head);
    try {
      // No DATA frames for HEAD, 204 and 304: END_STREAM on the HEADERS frame.
      this.stream.respond(headers, { endStream: r.headerOnly });
      return true;
    } catch (e) {
      this.log('alert', `ngts: the response head cannot be sent over HTTP/2: ${(e as Error).message}`);
      this.terminate();
      return false;
    }
  }

  private writeBody(data: Buffer): boolean {
    const s = this.stream;
    // After END_STREAM (a header-only response) a body has nowhere to go.
    if (s.writableEnded || s.destroyed) return true;
    return s.write(data);
  }

  onDrain(cb: () => void): void {
    const s = this.stream;
    if (s.destroyed || s.writableEnded) {
      setImmediate(cb);
      return;
    }
    onceDrainedOrClosed(s, cb);
  }

  end(): void {
    if (this.ended) return;
    this.ended = true;
    const s = this.stream;
    if (!s.destroyed && !s.writableEnded) s.end();
    // A body nobody asked for is read and dropped, so that the client's window does not stall.
    if (!this.bodyTaken && !this.endStream && !s.destroyed) {
      s.on('data', () => undefined);
      s.resume();
    }
    this.finish();
  }

  terminate(): void {
    if (this.ended) return;
    this.aborted = true;
    this.ended = true;
    if (!this.stream.destroyed) this.stream.close(h2constants.NGHTTP2_INTERNAL_ERROR);
    this.finish();
  }

  // ngx_http_v2_close_stream → ngx_http_free_request: the log phase, then the cleanups.
  private finish(): void {
    if (this.finished) return;
    this.finished = true;
    const r = this.r;
    if (r !== null && !r.logged) {
      r.logged = true;
      logRequest(r, (message) => this.log('alert', message));
      r.release();
    }
    this.onDone();
  }

  private hasBody(): boolean {
    return !this.endStream && !this.stream.readableEnded;
  }

  discardBody(): number {
    const r = this.r;
    if (this.bodyTaken || r === null || !this.hasBody()) return 0;
    this.bodyTaken = true;
    r.discardBody = true;
    this.stream.on('data', () => undefined);
    this.stream.resume();
    return 0;
  }

  readBody(): Promise<Buffer | number> {
    const r = this.r;
    if (this.bodyTaken || r === null || !this.hasBody()) return Promise.resolve(EMPTY_BUFFER);
    this.bodyTaken = true;
    return new Promise((resolve) => {
      const chunks: Buffer[] = [];
      this.readStream(r, true, {
        data: (d) => chunks.push(d),
        end: (status) => resolve(status === 0 ? Buffer.concat(chunks) : status),
      });
    });
  }

  readBodyUnbuffered(): Buffer | number | UnbufferedBody {
    const r = this.r;
    if (this.bodyTaken || r === null || !this.hasBody()) return EMPTY_BUFFER;
    this.bodyTaken = true;
    const queued: Buffer[] = [];
    let ended: number | null = null;
    let reader: BodyReader | null = null;
    this.readStream(r, false, {
      data: (d) => (reader !== null ? reader.data(d) : queued.push(d)),
      end: (status) => {
        ended = status;
        reader?.end(status);
      },
    });
    return {
      preread: EMPTY_BUFFER,
      attach: (next) => {
        reader = next;
        for (const d of queued.splice(0)) next.data(d);
        if (ended !== null) next.end(ended);
      },
      pause: () => this.stream.pause(),
      resume: () => this.stream.resume(),
    };
  }

  /**
   * The body as DATA frames bring it (ngx_http_v2_process_request_body): each piece to `out`, then
   * the end: 0 when whole, 413 past client_max_body_size, 408 after client_body_timeout without
   * data, 400 when the client reset the stream first. `buffered`: the whole body is kept, and its
   * size becomes r->headers_in.content_length_n (`$content_length` without the header).
   */
  private readStream(r: HttpRequest, buffered: boolean, out: BodyReader): void {
    const s = this.stream;
    const max = r.conf.core.clientMaxBodySize;
    let size = 0;
    let over = false;
    let timer: NodeJS.Timeout | null = null;
    const stop = (status: number): void => {
      if (over) return;
      over = true;
      if (timer !== null) clearTimeout(timer);
      r.bodyBytesRead = size;
      if (status === 0 && buffered) r.contentLengthN = size;
      out.end(status);
    };
    const arm = (): void => {
      if (timer !== null) clearTimeout(timer);
      timer = setTimeout(() => stop(408), r.conf.core.clientBodyTimeout);
    };
    s.on('data', (d: Buffer) => {
      if (over) return;
      size += d.length;
      if (max && size > max) {
        this.log('error', `client intended to send too large chunked body: ${size} bytes`);
        stop(413);
        return;
      }
      arm();
      out.data(d);
    });
    s.on('end', () => stop(0));
    s.on('close', () => stop(400));
    arm();
    s.resume();
  }

  testExpect(): void {
    // ngx_http_test_expect does nothing for a stream: HTTP/2 has no 100 Continue of nginx's.
  }

  private abortWatcher: ((err: NodeJS.ErrnoException | null) => void) | null = null;

  watchClientAbort(cb: ((err: NodeJS.ErrnoException | null) => void) | null): void {
    this.abortWatcher = this.ended ? null : cb;
  }

  upgrade(_tunnel: ClientTunnel): UpgradedConnection | null {
    // nginx 1.22 has no extended CONNECT: nothing upgrades on HTTP/2.
    return null;
  }

  log(level: LogLevel, message: string): void {
    const r = this.r;
    let text = `*${this.info.id} ${message}, client: ${this.info.remoteAddress}, server: ${r?.server.coreSrv.serverName ?? ''}`;
    if (r && r.head.requestLine) text += `, request: "${r.head.requestLine}"`;
    if (r && r.proxy?.logUpstream) text += `, upstream: "${r.proxy.logUpstream}"`;
    if (r && r.head.host) text += `, host: "${r.head.host}"`;
    this.host.log(level, text);
  }
}
