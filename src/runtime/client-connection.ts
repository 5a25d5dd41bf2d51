/**
 * What the listening side (http-server.ts) needs of an accepted connection, whatever it speaks:
 * HTTP/1.x (http/connection.ts) or HTTP/2 (http2/http2-connection.ts).
 */
import type { Socket } from 'node:net';
import type { AddressServers } from '../compile/servers.js';
import type { ConnectionHost } from './http/connection.js';

export interface ClientConnection {
  /** True between requests, when a graceful stop may close the connection at once. */
  readonly idle: boolean;
  /** Closes the connection now. */
  destroy(): void;
  /** A reload moves the connection to the new configuration (for its next requests). */
  migrate(addr: AddressServers, host: ConnectionHost): void;
  /** An idle plain HTTP/1.x connection leaves this process with its socket (worker handover). */
  detach?(): Socket | null;
}
