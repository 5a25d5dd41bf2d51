/**
 * ngx_http_upstream_keepalive_module: idle connections to an upstream's peers, kept for the next
 * request (at most `keepalive N` per upstream, the least recently used closed first), each for
 * `keepalive_timeout` and at most `keepalive_requests` requests. The balancer still picks the
 * peer; the cache only saves the connect.
 */
import type { Socket } from 'node:net';

interface Idle {
  readonly peer: string;
  readonly socket: Socket;
  readonly requests: number;
  readonly since: number;
  timer: NodeJS.Timeout;
  drop: () => void;
}

export class KeepalivePool {
  /** Least recently cached first. */
  private readonly idle: Idle[] = [];

  constructor(
    private readonly max: number,
    private readonly timeoutMs: number,
    readonly maxRequests: number,
    private readonly maxTimeMs: number,
  ) {}

  // ngx_http_upstream_get_keepalive_peer: a cached connection to the chosen peer, newest first.
  /** An idle connection to `peer` and how many requests it carried, or null. */
  take(peer: string): { socket: Socket; requests: number; since: number } | null {
    for (let i = this.idle.length - 1; i >= 0; i--) {
      const item = this.idle[i]!;
      if (item.peer !== peer) continue;
      this.idle.splice(i, 1);
      clearTimeout(item.timer);
      item.socket.off('close', item.drop);
      item.socket.off('data', item.drop);
      item.socket.off('error', item.drop);
      item.socket.off('end', item.drop);
      return { socket: item.socket, requests: item.requests, since: item.since };
    }
    return null;
  }

  // ngx_http_upstream_free_keepalive_peer: keep it, unless it carried enough requests or lived
  // long enough; anything the upstream sends while idle, or its close, ends it.
  /** Caches `socket` (idle, listeners removed by the caller) for `peer`. */
  put(peer: string, socket: Socket, requests: number, since: number): void {
    if (requests >= this.maxRequests || Date.now() - since > this.maxTimeMs) {
      socket.destroy();
      return;
    }
    if (this.idle.length >= this.max) {
      const oldest = this.idle.shift()!;
      clearTimeout(oldest.timer);
      oldest.socket.destroy();
    }
    const item: Idle = {
      peer,
      socket,
      requests,
      since,
      timer: setTimeout(() => item.drop(), this.timeoutMs),
      drop: () => {
        const i = this.idle.indexOf(item);
        if (i >= 0) this.idle.splice(i, 1);
        clearTimeout(item.timer);
        socket.destroy();
      },
    };
    socket.on('close', item.drop);
    socket.on('data', item.drop);
    socket.on('error', item.drop);
    socket.on('end', item.drop);
    socket.resume();
    this.idle.push(item);
  }

  /** Closes every idle connection (stop, reload). */
  closeAll(): void {
    for (const item of this.idle.splice(0)) {
      clearTimeout(item.timer);
      item.socket.destroy();
    }
  }
}
