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
import type { LogLevel } from './http/response.js';
import { errnoText } from '../config/source.js';
import type { VariableDef } from '../compile/variable-table.js';

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
  readonly variables: readonly VariableDef[];
  private readonly servers: { server: Server; binding: Binding }[] = [];
  private readonly connections = new Set<HttpConnection>();
  private drainedResolve: (() => void) | null = null;

  constructor(
    private readonly http: CompiledHttp,
    private readonly errorLog: HttpServerLog,
  ) {
    this.variables = http.variables;
  }

  log(level: LogLevel, message: string): void {
    this.errorLog.write(level, message);
  }

  /** Binds every listening socket; rejects with nginx's `bind() to … failed` message. */
  async listen(): Promise<void> {
    for (const b of planBindings(this.http)) {
      const server = createServer({ pauseOnConnect: false, noDelay: true }, (socket) => this.accept(socket, b));
      await new Promise<void>((resolve, reject) => {
        server.once('error', (e: NodeJS.ErrnoException) => reject(new Error(`bind() to ${b.text} failed ${errnoText(e)}`)));
        if (b.family === 'unix') server.listen(b.host, resolve);
        else server.listen({ host: b.host, port: b.port, ipv6Only: b.family === 'inet6', backlog: 511 }, resolve);
      });
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
    if (this.exiting) {
      socket.destroy();
      return;
    }
    let addr = b.fallback;
    if (b.specific.size) {
      const local = socket.localAddress ?? '';
      const ip = local.startsWith('::ffff:') ? local.slice(7) : local;
      addr = b.specific.get(ip) ?? b.fallback;
    }
    this.connections.add(new HttpConnection(socket, addr, this));
  }

  closed(conn: HttpConnection): void {
    this.connections.delete(conn);
    if (this.exiting && this.connections.size === 0 && this.drainedResolve) this.drainedResolve();
  }

  /** Stops accepting and closes the listening sockets (unix socket files are removed). */
  private closeListeners(): void {
    for (const { server, binding } of this.servers) {
      server.close();
      if (binding.family === 'unix') {
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
   * SIGQUIT: stop accepting, close idle keep-alive connections, let requests in flight finish
   * (their connections close after the response), and resolve when none is left.
   */
  stopGraceful(): Promise<void> {
    this.exiting = true;
    this.closeListeners();
    for (const c of [...this.connections]) if (c.idle) c.destroy();
    if (this.connections.size === 0) return Promise.resolve();
    return new Promise((resolve) => {
      this.drainedResolve = resolve;
    });
  }
}
