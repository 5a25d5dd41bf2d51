/**
 * The listening sockets of the http block (ngx_http_optimize_servers, ngx_open_listening_sockets)
 * and the connections they accept. As in nginx, a wildcard address (`*:8080`) takes the port, and
 * the servers of specific addresses on that port (`127.0.0.1:8080`) are found from the local
 * address of each connection.
 */
import { createServer, type Server, type Socket } from 'node:net';
import { unlinkSync } from 'node:fs';
import type { AddressServers, CompiledHttp } from '../compile/servers.js';
import { HttpConnection, type ConnectionHost } from './http/connection.js';
import { connectionCounters, takeConnectionNumber } from './http/connection-stats.js';
import type { LogLevel } from './http/response.js';
import { errnoText } from '../config/source.js';
import type { VariableDef } from '../compile/variable-table.js';
import type { ErrorLogTarget } from '../compile/error-log-conf.js';
import { errorLogFor } from './error-log.js';
import type { ClientConnection } from './client-connection.js';
import { acceptSecure } from './ssl/ssl-handshake.js';

/** One socket to bind and the address tables its connections choose from. */
interface Binding {
  readonly text: string;
  readonly family: 'inet' | 'inet6' | 'unix';
  readonly host: string;
  readonly port: number;
  /** The wildcard address's servers, or the only address's. */
  readonly fallback: AddressServers;
  /** Specific addresses on a wildcard socket, by local IP. */
  readonly specific: ReadonlyMap<string, AddressServers>;
}

/** The servers of a connection's address: a specific address on a wildcard socket, or the socket's. */
function addressOf(b: Binding, ip: string): AddressServers {
  return b.specific.size ? (b.specific.get(ip) ?? b.fallback) : b.fallback;
}

/** A socket's identity across reloads: the same address and family is the same socket. */
function bindingKey(b: Binding): string {
  return `${b.family} ${b.host} ${b.port}`;
}

/** Groups the compiled addresses into the sockets nginx would bind. */
export function planBindings(http: CompiledHttp): Binding[] {
  const out: Binding[] = [];
  const wild = new Map<string, { a: AddressServers; specific: Map<string, AddressServers> }>();
  for (const a of http.addresses.values()) {
    if (a.addr.family !== 'unix' && a.addr.wildcard) wild.set(`${a.addr.family}:${a.addr.port}`, { a, specific: new Map() });
  }
  for (const a of http.addresses.values()) {
    const { family, host, port } = a.addr;
    if (family === 'unix') {
      out.push({ text: a.addr.text, family, host, port, fallback: a, specific: new Map() });
      continue;
    }
    if (a.addr.wildcard) continue;
    const w = wild.get(`${family}:${port}`);
    if (w) w.specific.set(host, a);
    else out.push({ text: a.addr.text, family, host, port, fallback: a, specific: new Map() });
  }
  for (const w of wild.values()) {
    const { family, host, port } = w.a.addr;
    out.push({ text: w.a.addr.text, family, host, port, fallback: w.a, specific: w.specific });
  }
  return out;
}

export interface HttpServerLog {
  write(level: LogLevel, message: string): void;
}

export class HttpServer implements ConnectionHost {
  exiting = false;
  /** False in a worker process: the sockets are shared, the master removes unix socket files. */
  unlinkUnixSockets = true;
  readonly variables: readonly VariableDef[];
  private readonly servers: { server: Server; binding: Binding }[] = [];
  private readonly connections = new Set<ClientConnection>();
  /** The socket each connection came in on, and its local address: for moving it at a reload. */
  private readonly origins = new Map<ClientConnection, { readonly key: string; readonly ip: string }>();
  private drainedResolve: (() => void) | null = null;
  /** A worker quitting at a reload: where its keep-alive connections go when idle. */
  private handover: ((socket: Socket, key: string, ip: string) => void) | null = null;

  constructor(
    private readonly http: CompiledHttp,
    private readonly errorLog: HttpServerLog,
  ) {
    this.variables = http.variables;
  }

  /** To `logs` (an http level's error_log lines), else to the main error log. */
  log(level: LogLevel, message: string, logs: readonly ErrorLogTarget[] | null = null): void {
    if (logs === null) this.errorLog.write(level, message);
    else errorLogFor(logs).write(level, message);
  }

  /**
   * Binds every listening socket; rejects with nginx's `bind() to … failed` message. With
   * `previous` (a reload), a socket of the same address is taken over from it instead of bound
   * again, so that no connection is refused; if a new socket cannot be bound, nothing is taken and
   * the sockets bound here are closed again, leaving `previous` as it was.
   */
  async listen(previous?: HttpServer): Promise<void> {
    const plan = planBindings(this.http);
    const adopt = new Map<string, Server>();
    for (const { server, binding } of previous?.servers ?? []) adopt.set(bindingKey(binding), server);
    const bound: { server: Server; binding: Binding }[] = [];
    try {
      for (const b of plan) {
        if (adopt.has(bindingKey(b))) continue;
        const server = createServer({ pauseOnConnect: false, noDelay: true });
        await new Promise<void>((resolve, reject) => {
          server.once('error', (e: NodeJS.ErrnoException) => reject(new Error(`bind() to ${b.text} failed ${errnoText(e)}`)));
          if (b.family === 'unix') server.listen(b.host, resolve);
          else server.listen({ host: b.host, port: b.port, ipv6Only: b.family === 'inet6', backlog: 511 }, resolve);
        });
        bound.push({ server, binding: b });
      }
    } catch (e) {
      for (const { server } of bound) server.close();
      throw e;
    }
    for (const b of plan) {
      const key = bindingKey(b);
      let server = adopt.get(key);
      if (server !== undefined && previous) {
        previous.servers.splice(previous.servers.findIndex((x) => x.server === server), 1);
        server.removeAllListeners('connection');
        server.removeAllListeners('error');
      } else {
        server = bound.find((x) => x.binding === b)!.server;
      }
      server.on('connection', (socket: Socket) => this.accept(socket, b));
      server.on('error', (e) => this.log('alert', `accept() failed ${errnoText(e)}`));
      this.servers.push({ server, binding: b });
    }
  }

  /** The bound ports, by listen text (for tests that listen on port 0). */
  boundPorts(): Map<string, number> {
    const m = new Map<string, number>();
    for (const { server, binding } of this.servers) {
      const a = server.address();
      if (a && typeof a === 'object') m.set(binding.text, a.port);
    }
    return m;
  }

  private accept(socket: Socket, b: Binding): void {
    connectionCounters.accepted++;
    const number = takeConnectionNumber();
    if (this.exiting) {
      socket.destroy();
      return;
    }
    const local = socket.localAddress ?? '';
    const ip = local.startsWith('::ffff:') ? local.slice(7) : local;
    const addr = addressOf(b, ip);
    const track = (conn: ClientConnection): void => {
      this.connections.add(conn);
      this.origins.set(conn, { key: bindingKey(b), ip });
    };
    // ssl and http2 addresses: the TLS handshake or HTTP/2 first (ssl/ssl-handshake.ts).
    if (addr.ssl || addr.http2) acceptSecure(socket, number, addr, this, track);
    else track(new HttpConnection(socket, number, addr, this));
  }

  /**
   * A keep-alive connection another worker process handed over when it exited (worker.ts), on
   * the socket of `key` with local address `ip`: served here from its next request on. It was
   * accepted and handled there, so it counts only as active here.
   */
  adopt(socket: Socket, key: string, ip: string): void {
    const b = this.servers.find((s) => bindingKey(s.binding) === key)?.binding;
    if (b === undefined || this.exiting) {
      socket.destroy();
      return;
    }
    const conn = new HttpConnection(socket, takeConnectionNumber(), addressOf(b, ip), this);
    connectionCounters.handled--;
    socket.resume();
    this.connections.add(conn);
    this.origins.set(conn, { key, ip });
  }

  /**
   * After a reload: the connections of `previous` that came in on a socket this configuration
   * also listens on move here, so that keep-alive clients go on without a closed connection;
   * the others stay with `previous`, which finishes them gracefully.
   */
  adoptConnections(previous: HttpServer): void {
    const bindings = new Map(this.servers.map(({ binding }) => [bindingKey(binding), binding]));
    for (const conn of [...previous.connections]) {
      const origin = previous.origins.get(conn);
      const b = origin ? bindings.get(origin.key) : undefined;
      if (!origin || !b) continue;
      previous.connections.delete(conn);
      previous.origins.delete(conn);
      conn.migrate(addressOf(b, origin.ip), this);
      this.connections.add(conn);
      this.origins.set(conn, origin);
    }
  }

  closed(conn: ClientConnection): void {
    this.connections.delete(conn);
    this.origins.delete(conn);
    if ((this.exiting || this.handover !== null) && this.connections.size === 0 && this.drainedResolve) this.drainedResolve();
  }

  /** A connection between requests: while handing over, it goes to a new worker now. */
  idle(conn: HttpConnection): void {
    if (this.handover === null) return;
    const origin = this.origins.get(conn);
    const socket = origin === undefined ? null : conn.detach();
    if (socket !== null) this.handover(socket, origin!.key, origin!.ip);
  }

  /** Stops accepting and closes the listening sockets (unix socket files are removed). */
  private closeListeners(): void {
    for (const { server, binding } of this.servers) {
      server.close();
      if (binding.family === 'unix' && this.unlinkUnixSockets) {
        try {
          unlinkSync(binding.host);
        } catch {
          // Already gone.
        }
      }
    }
    this.servers.length = 0;
  }

  /** SIGTERM/SIGINT: close everything now. */
  stopFast(): void {
    this.exiting = true;
    this.closeListeners();
    for (const c of [...this.connections]) c.destroy();
  }

  /**
   * SIGQUIT, and the old configuration after a reload (whose sockets the new one took over):
   * stop accepting, close idle keep-alive connections, let requests in flight finish
   * (their connections close after the response), and resolve when none is left. With
   * `handover` (a worker replaced at a reload), idle plain connections go to it instead of being
   * closed: a client that sends its next request at that moment is not cut off.
   */
  stopGraceful(handover?: (socket: Socket, key: string, ip: string) => void): Promise<void> {
    // Handing over, answers keep their connections alive: each goes when its request is done.
    if (handover === undefined) this.exiting = true;
    else this.handover = handover;
    this.closeListeners();
    for (const c of [...this.connections]) {
      if (!c.idle) continue;
      const origin = this.origins.get(c);
      const socket = handover !== undefined && origin !== undefined ? (c.detach?.() ?? null) : null;
      if (socket !== null) handover!(socket, origin!.key, origin!.ip);
      else c.destroy();
    }
    if (this.connections.size === 0) return Promise.resolve();
    return new Promise((resolve) => {
      this.drainedResolve = resolve;
    });
  }
}
