/**
 * A failed TLS handshake as nginx logs it (ngx_ssl_connection_error, ngx_ssl_error), from the
 * error Node gives: OpenSSL's error as ERR_error_string_n writes it with OpenSSL 3 (no function
 * name, the extra data after a colon) where Node's message carries the thread id, the function and
 * the source file; the errno of a failed system call; or the peer closing mid-handshake. The level
 * is the connection's own (info for a client, error for an upstream) for the failures
 * ngx_ssl_connection_error counts as the peer's doing, crit for the rest.
 */
import { errnoText } from '../../config/source.js';

export interface HandshakeFailure {
  /** `SSL_do_handshake() failed (SSL: error:…)`, `… failed (104: …)` or `peer closed connection in SSL handshake`. */
  readonly message: string;
  /** Whether nginx logs it at the connection's level rather than crit. */
  readonly peers: boolean;
}

// ngx_ssl_connection_error's "handshake failures" (nginx 1.22 built with OpenSSL 3), by
// OpenSSL's reason text.
const PEER_REASONS: ReadonlySet<string> = new Set([
  'bad change cipher spec',
  'no suitable key share',
  'no suitable signature algorithm',
  'block cipher pad is wrong',
  'digest check failed',
  'error in received cipher list',
  'excessive message size',
  'https proxy request',
  'http request',
  'length mismatch',
  'no ciphers specified',
  'no compression specified',
  'no shared cipher',
  'record length mismatch',
  'parse tlsext',
  'callback failed',
  'unexpected message',
  'unexpected record',
  'unknown alert type',
  'unknown protocol',
  'no common signature algorithms',
  'unsupported protocol',
  'no shared group',
  'wrong version number',
  'decryption failed or bad record mac',
  'renegotiate ext too long',
  'renegotiation encoding err',
  'renegotiation mismatch',
  'unsafe legacy renegotiation disabled',
  'scsv received when renegotiating',
  'inappropriate fallback',
  'cert cb error',
  'version too low',
  // The peer's alerts (SSL_AD_REASON_OFFSET + the alert), those the list names.
  'sslv3 alert close notify',
  'sslv3 alert unexpected message',
  'sslv3 alert bad record mac',
  'tlsv1 alert decryption failed',
  'tlsv1 alert record overflow',
  'sslv3 alert decompression failure',
  'sslv3 alert handshake failure',
  'sslv3 alert no certificate',
  'sslv3 alert bad certificate',
  'sslv3 alert unsupported certificate',
  'sslv3 alert certificate revoked',
  'sslv3 alert certificate expired',
  'sslv3 alert certificate unknown',
  'sslv3 alert illegal parameter',
  'tlsv1 alert unknown ca',
  'tlsv1 alert access denied',
  'tlsv1 alert decode error',
  'tlsv1 alert decrypt error',
  'tlsv1 alert export restriction',
  'tlsv1 alert protocol version',
  'tlsv1 alert insufficient security',
  'tlsv1 alert internal error',
  'tlsv1 alert user cancelled',
  'tlsv1 alert no renegotiation',
]);

// The errnos of SSL_ERROR_SYSCALL that nginx logs at the connection's level.
const PEER_ERRNOS: ReadonlySet<string> = new Set(['ECONNRESET', 'EPIPE', 'ENOTCONN', 'ETIMEDOUT', 'ECONNREFUSED', 'ENETDOWN', 'ENETUNREACH', 'EHOSTDOWN', 'EHOSTUNREACH']);

/** The peer closed the connection before the handshake was done (SSL_ERROR_SYSCALL, no errno). */
export const PEER_CLOSED: HandshakeFailure = { message: 'peer closed connection in SSL handshake', peers: true };

export function handshakeFailure(e: NodeJS.ErrnoException): HandshakeFailure {
  if (e.syscall !== undefined) return { message: `SSL_do_handshake() failed ${errnoText(e)}`, peers: PEER_ERRNOS.has(e.code ?? '') };
  const m = /error:([0-9A-F]{8}):([^:]*):[^:]*:([^:\n]*)(?::[^:\n]*:\d+:?([^\n]*))?/.exec(e.message);
  if (m === null) return PEER_CLOSED;
  const extra = m[4] !== undefined && m[4] !== '' ? `:${m[4]}` : '';
  return { message: `SSL_do_handshake() failed (SSL: error:${m[1]}:${m[2]}::${m[3]}${extra})`, peers: PEER_REASONS.has(m[3] ?? '') };
}
