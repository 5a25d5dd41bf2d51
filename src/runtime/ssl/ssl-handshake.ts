/**
 * A connection accepted on an ssl or http2 address (ngx_http_init_connection's choice, then
 * ngx_http_ssl_handshake, ngx_http_ssl_servername and ngx_http_ssl_handshake_handler):
 *   - ssl: the first byte decides. A TLS record (0x16) or an SSLv2 hello (high bit) starts the
 *     handshake; anything else is plain HTTP, read as usual and answered 497 (400 "The plain HTTP
 *     request was sent to HTTPS port"). During the handshake the SNI name picks the server as a
 *     Host header would (exact, wildcards, regexes; no match keeps the address's default server)
 *     and that server's certificates; ALPN offers h2 on `http2` addresses, and `h2` makes the
 *     connection HTTP/2, anything else HTTP/1.x on the same port.
 *   - http2 without ssl: HTTP/2 with prior knowledge, as nginx 1.22 (no HTTP/1.x there).
 * client_header_timeout (nginx's post_accept_timeout) bounds the wait for the first byte and the
 * handshake.
 */
import type { Socket } from 'node:net';
import { createSecureContext, TLSSocket, type SecureContext } from 'node:tls';
import type { AddressServers } from '../../compile/servers.js';
import type { ClientConnection } from '../client-connection.js';
import { findVirtualServer } from '../find-virtual-server.js';
import { HttpConnection, type ConnectionHost } from '../http/connection.js';
import { validateHost } from '../http/parse-request.js';
import { Http2Connection } from '../http2/http2-connection.js';
import type { SslConnectionState } from './ssl-connection.js';
import { sslContextOf } from './ssl-contexts.js';
import { handshakeFailure, PEER_CLOSED, type HandshakeFailure } from './ssl-error.js';
import type { LogLevel } from '../http/response.js';

/** ngx_http_alpn_select's protocols: h2 first on http2 addresses (NGX_HTTP_ALPN_PROTOS). */
const ALPN_HTTP1 = ['http/1.1', 'http/1.0', 'http/0.9'];
const ALPN_H2 = ['h2', ...ALPN_HTTP1];

/** A context with no certificate: a handshake that needs one fails, as nginx's would. */
let noCertificate: SecureContext | null = null;

/**
 * Takes over a socket of an ssl or http2 address; `accepted` gets the connection once it speaks
 * HTTP (after the handshake, or at once for plain HTTP and prior-knowledge HTTP/2).
 */
export function acceptSecure(socket: Socket, number: number, addr: AddressServers, host: ConnectionHost, accepted: (conn: ClientConnection) => void): void {
  if (!addr.ssl) {
    accepted(new Http2Connection(socket, number, addr, host, null));
    return;
  }
  socket.setNoDelay(true);
  // The address goes when the socket closes: taken now, for the log lines.
  const end: HandshakeEnd = { logged: false, client: clientOf(socket) };
  // ngx_http_ssl_handshake / ngx_http_ssl_handshake_handler on a timeout; the action is "SSL
  // handshaking" from the accept on (ngx_http_init_connection).
  const timer = setTimeout(() => {
    end.logged = true;
    handshakeLog(host, number, addr, end.client, 'info', 'client timed out (110: Connection timed out)');
    socket.destroy();
  }, addr.defaultServer.coreSrv.clientHeaderTimeout);
  socket.on('error', () => socket.destroy());
  socket.once('close', () => clearTimeout(timer));
  // ngx_http_ssl_handshake: the client closed before its first byte (recv() gave 0).
  const closedFirst = (): void => {
    if (end.logged) return;
    end.logged = true;
    handshakeLog(host, number, addr, end.client, 'info', 'client closed connection');
  };
  socket.once('end', closedFirst);
  socket.once('data', (first: Buffer) => {
    socket.removeListener('end', closedFirst);
    socket.pause();
    socket.unshift(first);
    const b = first[0]!;
    if ((b & 0x80) === 0 && b !== 0x16) {
      clearTimeout(timer);
      socket.removeAllListeners('error');
      const conn = new HttpConnection(socket, number, addr, host, { socket: null, servername: null, sniServer: null });
      socket.resume();
      accepted(conn);
      return;
    }
    handshake(socket, number, addr, host, timer, end, accepted);
  });
}

/** Whether the connection's end was logged already (a timeout, a failure). */
interface HandshakeEnd {
  logged: boolean;
  readonly client: string;
}

function handshake(socket: Socket, number: number, addr: AddressServers, host: ConnectionHost, timer: NodeJS.Timeout, end: HandshakeEnd, accepted: (conn: ClientConnection) => void): void {
  let servername: string | null = null;
  let sniServer: SslConnectionState['sniServer'] = null;
  const defaultContext = sslContextOf(addr.defaultServer) ?? (noCertificate ??= createSecureContext({}));
  // TLSSocket replays what was unshifted into the socket before taking its handle.
  const tls = new TLSSocket(socket, {
    isServer: true,
    secureContext: defaultContext,
    ALPNProtocols: addr.http2 ? ALPN_H2 : ALPN_HTTP1,
    // ngx_http_ssl_servername
    SNICallback: (name, cb) => {
      const h = validateHost(name);
      if (h === undefined || h === '') return cb(null, undefined);
      const vs = findVirtualServer(addr, h);
      if (vs.rule === 'default') return cb(null, undefined);
      servername = h;
      sniServer = vs.server;
      // ssl_reject_handshake: the handshake ends with an alert.
      if (vs.server.ssl.rejectHandshake) return cb(new Error('handshake rejected'), undefined);
      cb(null, sslContextOf(vs.server) ?? undefined);
    },
  });
  const fail = (f: HandshakeFailure): void => {
    if (end.logged) return;
    end.logged = true;
    clearTimeout(timer);
    // A client connection's level is info (c->log_error NGX_ERROR_INFO).
    handshakeLog(host, number, addr, end.client, f.peers ? 'info' : 'crit', f.message);
    tls.destroy();
  };
  tls.on('error', (e: NodeJS.ErrnoException) => fail(handshakeFailure(e)));
  // The peer closed before the handshake was done, which Node reports as no error.
  const closed = (): void => fail(PEER_CLOSED);
  tls.once('close', closed);
  tls.once('secure', () => {
    clearTimeout(timer);
    tls.removeListener('close', closed);
    tls.removeAllListeners('error');
    if (host.exiting) {
      tls.destroy();
      return;
    }
    const state: SslConnectionState = { socket: tls, servername, sniServer };
    // ngx_http_ssl_handshake_handler: h2 when ALPN chose it on an http2 address.
    if (addr.http2 && tls.alpnProtocol === 'h2') accepted(new Http2Connection(tls, number, addr, host, state));
    else accepted(new HttpConnection(tls, number, addr, host, state));
  });
}

/** A line of the connection's log (the default server's error_log) while SSL handshaking. */
function handshakeLog(host: ConnectionHost, number: number, addr: AddressServers, client: string, level: LogLevel, message: string): void {
  host.log(level, `*${number} ${message} while SSL handshaking, client: ${client}, server: ${addr.addr.text}`, addr.defaultServer.conf.errorLogs);
}

function clientOf(socket: Socket): string {
  const a = socket.remoteAddress ?? '';
  return a.startsWith('::ffff:') && a.includes('.') ? a.slice(7) : a;
}
