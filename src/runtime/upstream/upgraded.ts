/**
 * An upgraded connection (ngx_http_upstream_upgrade, ngx_http_upstream_process_upgraded): after the
 * 101 head went to the client, bytes are relayed both ways as they come until either side closes.
 *
 * As nginx does:
 * - the first side to close (or fail) ends the tunnel, and both connections close once what was
 *   read from that side has been written to the other; a half-close is not passed on;
 * - what the client sent after the request before the upgrade (r->header_in) goes first to the
 *   upstream, what the upstream sent after the 101 head goes first to the client;
 * - proxy_read_timeout limits the time without any bytes in either direction (nginx re-arms the
 *   upstream read timer at every event of the tunnel, from the client's side too);
 *   proxy_send_timeout and send_timeout limit a blocked write to the upstream and to the client.
 *   The timeouts are logged at `info`: ngx_connection_error on the client's connection, whose
 *   log_error is NGX_ERROR_INFO.
 */
import type { Socket } from 'node:net';
import { errnoText } from '../../config/source.js';
import type { ResponseSink } from '../http/response.js';

export interface UpgradeTimeouts {
  /** proxy_read_timeout */
  readonly read: number;
  /** proxy_send_timeout */
  readonly send: number;
  /** send_timeout: a blocked write to the client. */
  readonly clientSend: number;
}

/**
 * How a tunnel ended: `done` (a side closed, or the upstream failed or timed out, which nginx
 * finalizes as a response already sent), `client-timeout` (the client did not read in time:
 * NGX_HTTP_REQUEST_TIME_OUT, the request is not complete), `subrequest` (no tunnel in a
 * subrequest).
 */
export type UpgradeEnd = 'done' | 'client-timeout' | 'subrequest';

/**
 * Relays between the client of `sink` and `upstream` from now on; `head` is what the upstream sent
 * after the 101 head. `where` ends upstream error messages (`, upstream: "…"`). Calls `done` once,
 * when the tunnel is over; the client's connection is then closing and the upstream's is closed.
 */
export function processUpgraded(
  sink: ResponseSink,
  upstream: Socket,
  head: Buffer,
  timeouts: UpgradeTimeouts,
  where: string,
  done: (how: UpgradeEnd) => void,
): void {
  let over = false;
  let idle: NodeJS.Timeout | null = null;
  let upstreamBlocked: NodeJS.Timeout | null = null;
  let clientBlocked: NodeJS.Timeout | null = null;

  const finalize = (how: UpgradeEnd): void => {
    if (over) return;
    over = true;
    for (const t of [idle, upstreamBlocked, clientBlocked]) if (t !== null) clearTimeout(t);
    upstream.removeAllListeners('data');
    upstream.removeAllListeners('end');
    upstream.removeAllListeners('drain');
    upstream.on('error', () => undefined);
    // What the client sent before closing is flushed to the upstream before its connection goes.
    upstream.end(() => upstream.destroy());
    // The owner records the outcome before the request is logged with the connection's end.
    done(how);
    if (how === 'client-timeout') sink.terminate();
    else sink.end();
  };

  const client = sink.upgrade({
    data: (chunk) => toUpstream(chunk),
    end: () => finalize('done'),
  });
  if (client === null) {
    // ngx_http_upstream_upgrade: "connection upgrade in subrequest", NGX_ERROR.
    sink.log('error', 'connection upgrade in subrequest');
    finalize('subrequest');
    return;
  }

  // ngx_add_timer(upstream->read, u->conf->read_timeout) at the end of every
  // ngx_http_upstream_process_upgraded, whichever side the event came from.
  const touch = (): void => {
    if (over) return;
    if (idle !== null) clearTimeout(idle);
    idle = setTimeout(() => {
      sink.log('info', `upstream timed out (110: Connection timed out) while proxying upgraded connection${where}`);
      finalize('done');
    }, timeouts.read);
  };

  function toUpstream(chunk: Buffer): void {
    if (over || chunk.length === 0) return;
    touch();
    if (upstream.write(chunk) || upstreamBlocked !== null) return;
    // The upstream does not read: stop reading the client until it does.
    client!.pause();
    upstreamBlocked = setTimeout(() => {
      sink.log('info', `upstream timed out (110: Connection timed out) while proxying upgraded connection${where}`);
      finalize('done');
    }, timeouts.send);
    upstream.once('drain', () => {
      if (upstreamBlocked !== null) clearTimeout(upstreamBlocked);
      upstreamBlocked = null;
      if (over) return;
      client!.resume();
      touch();
    });
  }

  const toClient = (chunk: Buffer): void => {
    if (over || chunk.length === 0) return;
    touch();
    if (sink.write(chunk) || clientBlocked !== null) return;
    upstream.pause();
    clientBlocked = setTimeout(() => {
      sink.log('info', 'client timed out (110: Connection timed out) while proxying upgraded connection');
      finalize('client-timeout');
    }, timeouts.clientSend);
    sink.onDrain(() => {
      if (clientBlocked !== null) clearTimeout(clientBlocked);
      clientBlocked = null;
      if (over) return;
      upstream.resume();
      touch();
    });
  };

  upstream.on('data', toClient);
  // The upstream's end: all it sent has been handed to the client's socket, which closes after it.
  upstream.on('end', () => finalize('done'));
  upstream.on('error', (e: NodeJS.ErrnoException) => {
    if (over) return;
    sink.log('error', `recv() failed ${errnoText(e)} while proxying upgraded connection${where}`);
    finalize('done');
  });
  toClient(head);
  toUpstream(client.early);
  touch();
}
