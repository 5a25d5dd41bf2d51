/**
 * One HTTP/2 connection (ngx_http_v2_init and the connection's state machine): node:http2 speaks
 * the framing, flow control and HPACK; every stream becomes a request of the same engine as
 * HTTP/1.x (http/phases.ts), answered through an Http2Stream. Reached after ALPN chose `h2` on an
 * `ssl http2` address, or at once on a plain `http2` address (prior knowledge, as nginx 1.22: such
 * an address speaks HTTP/2 only).
 */
import { constants as h2constants, performServerHandshake, type ServerHttp2Session, type ServerHttp2Stream, type IncomingHttpHeaders } from 'node:http2';
import type { Socket } from 'node:net';
import { Duplex } from 'node:stream';
import { TLSSocket } from 'node:tls';
import type { AddressServers } from '../../compile/servers.js';
import type { ClientConnection } from '../client-connection.js';
import { connectionCounters, moveStat, type ConnectionStat } from '../http/connection-stats.js';
import type { ConnectionHost } from '../http/connection.js';
import { connectionInfo, type ConnectionInfo } from '../http/request.js';
import type { SslConnectionState } from '../ssl/ssl-connection.js';
import { Http2Stream } from './http2-stream.js';

/** nginx's http2_max_concurrent_streams default, announced in the first SETTINGS frame. */
const MAX_CONCURRENT_STREAMS = 128;

export class Http2Connection implements ClientConnection {
  readonly info: ConnectionInfo;
  private readonly session: ServerHttp2Session;
  private readonly streams = new Set<Http2Stream>();
  private timer: NodeJS.Timeout | null = null;
  private stat: ConnectionStat = 'none';
  private closed = false;

  constructor(
    private readonly socket: Socket,
    number: number,
    private addr: AddressServers,
    private host: ConnectionHost,
    tls: SslConnectionState | null,
  ) {
    // c->number, taken when the socket was accepted (connection-stats.ts).
    this.info = connectionInfo(number, socket, addr, tls);
    connectionCounters.handled++;
    connectionCounters.active++;
    this.stat = moveStat(this.stat, 'waiting');
    socket.setNoDelay(true);
    // Over TLS the session reads through a JS stream: the TLSSocket was made after the first byte
    // was peeked, and then pulls decrypted bytes into its own buffer, where a session consuming
    // the native handle never sees them (the client's preface is lost and the connection stalls).
    const transport = socket instanceof TLSSocket ? jsTransport(socket) : socket;
    this.session = performServerHandshake(transport, { settings: { maxConcurrentStreams: MAX_CONCURRENT_STREAMS, enablePush: false } });
    this.session.on('stream', (stream: ServerHttp2Stream, _headers: IncomingHttpHeaders, flags: number, raw: string[]) => this.onStream(stream, flags, raw));
    this.session.on('error', () => this.destroy());
    this.session.on('close', () => this.destroy());
    socket.on('close', () => this.destroy());
    this.armIdle();
  }

  /** No stream in progress: a graceful stop may close the connection. */
  get idle(): boolean {
    return this.streams.size === 0;
  }

  migrate(addr: AddressServers, host: ConnectionHost): void {
    this.addr = addr;
    this.host = host;
  }

  destroy(): void {
    if (this.closed) return;
    this.closed = true;
    this.clearTimer();
    for (const s of [...this.streams]) s.connectionGone();
    this.streams.clear();
    if (!this.session.destroyed) this.session.destroy();
    this.socket.destroy();
    this.stat = moveStat(this.stat, 'none');
    connectionCounters.active--;
    this.host.closed(this);
  }

  private onStream(stream: ServerHttp2Stream, flags: number, raw: string[]): void {
    if (this.closed) {
      stream.close(h2constants.NGHTTP2_REFUSED_STREAM);
      return;
    }
    this.clearTimer();
    this.info.requests++;
    connectionCounters.requests++;
    this.stat = moveStat(this.stat, 'writing');
    const endStream = (flags & h2constants.NGHTTP2_FLAG_END_STREAM) !== 0;
    const s = new Http2Stream(stream, raw, endStream, this.info, this.addr, this.host, () => this.streamDone(s));
    this.streams.add(s);
    s.start();
  }

  private streamDone(s: Http2Stream): void {
    if (!this.streams.delete(s) || this.closed) return;
    const core = this.addr.defaultServer.conf.core;
    // keepalive_requests: the connection takes no more streams (GOAWAY), those begun finish.
    if (this.host.exiting || this.info.requests >= core.keepaliveRequests) this.session.close();
    if (this.streams.size === 0) {
      this.stat = moveStat(this.stat, 'waiting');
      if (this.host.exiting) this.destroy();
      else this.armIdle();
    }
  }

  // ngx_http_v2_idle_handler: keepalive_timeout without a stream closes the connection.
  private armIdle(): void {
    this.clearTimer();
    const timeout = this.addr.defaultServer.conf.core.keepaliveTimeout;
    if (timeout > 0) this.timer = setTimeout(() => this.destroy(), timeout);
  }

  private clearTimer(): void {
    if (this.timer !== null) {
      clearTimeout(this.timer);
      this.timer = null;
    }
  }
}

/** A Duplex over `s` that moves bytes through JavaScript (node:http2 then uses a JSStreamSocket). */
function jsTransport(s: TLSSocket): Duplex {
  const d = new Duplex({
    read: () => {
      s.resume();
    },
    write: (chunk: Buffer, _enc, cb) => {
      s.write(chunk, cb);
    },
    final: (cb) => {
      s.end();
      cb();
    },
    destroy: (err, cb) => {
      s.destroy();
      cb(err);
    },
  });
  s.on('data', (chunk: Buffer) => {
    if (!d.push(chunk)) s.pause();
  });
  s.on('end', () => d.push(null));
  s.on('close', () => d.destroy());
  s.on('error', () => d.destroy());
  return d;
}
