/**
 * The TLS side of a client connection on an ssl address (what nginx keeps in c->ssl and in
 * ngx_http_connection_t: ssl_servername, and the server the SNI name chose as hc->conf_ctx).
 */
import type { TLSSocket } from 'node:tls';
import type { CompiledServer } from '../../compile/servers.js';

export interface SslConnectionState {
  /** The TLS socket; null when a plain HTTP request came to the ssl address (answered 497). */
  readonly socket: TLSSocket | null;
  /** hc->ssl_servername: the SNI name, validated (lower case, no trailing dot), when it chose a server. */
  readonly servername: string | null;
  /** The server that name chose: the connection's server until a Host header chooses another. */
  readonly sniServer: CompiledServer | null;
}
