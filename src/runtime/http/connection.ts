/**
 * One client connection (ngx_http_init_connection and the request/keep-alive cycle around it):
 * read a head, run the request, discard or hand over its body, then keep the connection alive
 * for the next (possibly pipelined) request, linger, or close — with nginx's timeouts.
 */
import type { Socket } from 'node:net';
import type { AddressServers, CompiledServer } from '../../compile/servers.js';
import type { HttpLocConf } from '../../compile/http-loc-conf.js';
import type { ErrorLogTarget } from '../../compile/error-log-conf.js';
import { findVirtualServer } from '../find-virtual-server.js';
import { finalizeRequest, handleRequest } from './phases.js';
import { logRequest } from './access-log.js';
import {
  ChunkedDecoder,
  RequestParser,
  refusedHead,
  type HeaderBufferState,
  type ParseRequestResult,
  type RequestHead,
} from './parse-request.js';
import { connectionInfo, HttpRequest, type ConnectionInfo } from './request.js';
import type { VariableDef } from '../../compile/variable-table.js';
import { onceDrainedOrClosed, type BodyReader, type ClientTunnel, type LogLevel, type ResponseSink, type UnbufferedBody, type UpgradedConnection } from './response.js';
import { connectionCounters, moveStat, type ConnectionStat } from './connection-stats.js';
import type { ClientConnection } from '../client-connection.js';
import type { SslConnectionState } from '../ssl/ssl-connection.js';
import { EMPTY_BUFFER as EMPTY } from '../empty-buffer.js';

/** What a connection needs from the server that accepted it. */
export interface ConnectionHost {
  /** True once a graceful or fast stop began: answers close their connections (ngx_exiting). */
  readonly exiting: boolean;
  /** The configuration's variable slots. */
  readonly variables: readonly VariableDef[];
  /** Writes an error log line to `logs` (an http level's error_log lines), or the main log for null. */
  log(level: LogLevel, message: string, logs?: readonly ErrorLogTarget[] | null): void;
  /** Called once when the connection is gone. */
  closed(conn: ClientConnection): void;
  /** Called when a keep-alive connection waits for its next request (a worker handing it over). */
  idle?(conn: HttpConnection): void;
}

/** Bytes buffered while nobody reads the body: beyond this the socket pauses. */
const PENDING_LIMIT = 64 * 1024;

/**
 * The event loop's turns, counted while some request needs to know (one setImmediate per turn
 * for all connections): bytes that arrive in the turn a head was read came with that head.
 */
let loopTurn = 0;
let turnPending = false;
function currentLoopTurn(): number {
  if (!turnPending) {
    turnPending = true;
    setImmediate(() => {
      loopTurn++;
      turnPending = false;
    });
  }
  return loopTurn;
}

/** `upgraded`: after a 101 the connection is a tunnel (ngx_http_upstream_upgrade). */
type State = 'head' | 'request' | 'upgraded' | 'idle' | 'lingering' | 'closed';

export class HttpConnection {
  readonly info: ConnectionInfo;
  private state: State = 'head';
  private parser: RequestParser;
  /** Bytes received and not yet consumed by a parser or a body reader. */
  private pending: Buffer = EMPTY;
  private request: HttpRequest | null = null;
  private sink: RequestSink | null = null;
  private body: BodyDiscarder | null = null;
  private timer: NodeJS.Timeout | null = null;
  private bufferState: HeaderBufferState | undefined;
  /** The server chosen from the Host header while reading the head (for error pages). */
  private hostServer: CompiledServer | null = null;
  /**
   * A reload moves the connection to the new configuration: the request in flight, if any, keeps
   * the configuration it started with; the next request on the connection gets the new one.
   */
  migrate(addr: AddressServers, host: ConnectionHost): void {
    this.addr = addr;
    this.host = host;
    this.hostServer = null;
    this.logConf = null;
  }

  /**
   * c->log between requests: the default server's until a request chooses its location, then that
   * location's until the next one does (ngx_http_update_location_config sets it, nothing resets it).
   */
  private logConf: HttpLocConf | null = null;
  /** hc->pipeline: the next request was already read with the last one ($pipe). */
  private pipelined = false;

  /** Where client bytes go once the connection is upgraded. */
  private tunnel: ClientTunnel | null = null;
  /** An unbuffered body's reader asked to stop reading the client. */
  private bodyPaused = false;
  /** The loop turn a request's head was read in (see onEnd and currentLoopTurn). */
  private headTurn = -1;
  /** The request in flight watches for the client going away (ResponseSink.watchClientAbort). */
  private abortWatcher: ((err: NodeJS.ErrnoException | null) => void) | null = null;

  watchClientAbort(r: HttpRequest, cb: ((err: NodeJS.ErrnoException | null) => void) | null): void {
    if (r === this.request && this.state === 'request') this.abortWatcher = cb;
    else if (cb === null && r === this.request) this.abortWatcher = null;
  }

  /** Where the connection counts for stub_status (connection-stats.ts); 'none' once released. */
  private stat: ConnectionStat = 'none';
  private released = false;

  constructor(
    private readonly socket: Socket,
    number: number,
    private addr: AddressServers,
    private host: ConnectionHost,
    tls: SslConnectionState | null = null,
  ) {
    // c->number, taken when the socket was accepted (connection-stats.ts).
    this.info = connectionInfo(number, socket, addr, tls);
    this.parser = this.newParser();
    // ngx_event_accept counts the connection; ngx_http_init_connection makes it reusable (waiting).
    connectionCounters.handled++;
    connectionCounters.active++;
    this.stat = moveStat(this.stat, 'waiting');
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('end', () => this.onEnd());
    socket.on('error', (e: NodeJS.ErrnoException) => this.destroy(e));
    socket.on('close', () => this.destroy());
    // ngx_http_init_connection: client_header_timeout runs from the accept.
    this.setTimer(this.addr.defaultServer.coreSrv.clientHeaderTimeout, () => this.destroy());
  }

  /** True between requests, when a graceful stop may close the connection at once. */
  get idle(): boolean {
    return this.state === 'idle' || (this.state === 'head' && this.pending.length === 0 && this.info.requests > 0);
  }

  /** Closes the connection now (fast stop, or an idle keep-alive one during graceful stop). */
  destroy(err: NodeJS.ErrnoException | null = null): void {
    if (this.state === 'closed') return;
    const watcher = this.abortWatcher;
    this.abortWatcher = null;
    // A reset reaches the request in flight first, so that it is logged as nginx logs it (499).
    if (watcher !== null && err !== null && this.state === 'request') watcher(err);
    if ((this.state as State) === 'closed') return;
    this.state = 'closed';
    this.clearTimer();
    // What was written in this tick goes out first, as it would have without the cork.
    this.uncork();
    this.socket.destroy();
    if (this.sink) this.sink.aborted = true;
    const tunnel = this.tunnel;
    this.tunnel = null;
    tunnel?.end();
    if (this.request) this.finishRequest(this.request);
    this.release();
    this.host.closed(this);
  }

  /**
   * A worker process that exits hands its idle keep-alive connections to a new worker instead of
   * closing them (cli/worker.ts): the connection leaves this process, its socket is returned
   * paused and open. Null when it is not idle, or TLS (whose state cannot move).
   */
  detach(): Socket | null {
    if (!this.idle || this.socket.readableLength > 0 || (this.socket as { encrypted?: boolean }).encrypted === true) return null;
    // Stop reading now: bytes read after this would be lost with the handle (pause() alone
    // still lets node fill the stream's buffer); what is unread stays in the socket.
    (this.socket as unknown as { _handle?: { readStop?: () => void } })._handle?.readStop?.();
    this.state = 'closed';
    this.clearTimer();
    this.socket.pause();
    for (const e of ['data', 'end', 'error', 'close']) this.socket.removeAllListeners(e);
    this.release();
    this.host.closed(this);
    return this.socket;
  }

  // ngx_http_close_connection: the connection leaves the counters (once).
  private release(): void {
    if (this.released) return;
    this.released = true;
    this.stat = moveStat(this.stat, 'none');
    connectionCounters.active--;
  }

  // ngx_http_create_request (ngx_http_alloc_request): the first bytes of a head make a request.
  private beginRequest(): void {
    connectionCounters.requests++;
    this.stat = moveStat(this.stat, 'reading');
  }

  private newParser(): RequestParser {
    const cfg = this.addr.defaultServer.coreSrv.read;
    this.hostServer = null;
    return new RequestParser(cfg, {
      onHost: (host) => {
        const vs = findVirtualServer(this.addr, host);
        this.hostServer = vs.server;
        return vs.server.coreSrv.read;
      },
      ...(this.bufferState ? { buffer: this.bufferState } : {}),
    });
  }

  private onData(chunk: Buffer): void {
    switch (this.state) {
      case 'idle':
        // The first byte of the next request: keepalive_timeout gives way to client_header_timeout.
        this.state = 'head';
        this.beginRequest();
        this.setTimer(this.addr.defaultServer.coreSrv.clientHeaderTimeout, () => this.destroy());
        this.feedHead(chunk);
        return;
      case 'head':
        if (this.stat === 'waiting') this.beginRequest();
        this.feedHead(chunk);
        return;
      case 'request':
        this.pending = this.pending.length ? Buffer.concat([this.pending, chunk]) : chunk;
        if (this.body) this.pumpBody();
        if (this.pending.length > PENDING_LIMIT && this.state === 'request') this.socket.pause();
        return;
      case 'upgraded':
        this.tunnel?.data(chunk);
        return;
      case 'lingering':
      case 'closed':
        return;
    }
  }

  private onEnd(): void {
    if (this.state === 'upgraded') {
      const tunnel = this.tunnel;
      this.tunnel = null;
      tunnel?.end();
      return;
    }
    if (this.state === 'head') {
      const res = this.parser.end();
      if (res.kind === 'closed') {
        // ngx_http_wait_request_handler: closed before sending anything (a keep-alive connection's
        // next request never came: ngx_http_keepalive_handler, which logs without the context).
        if (this.info.requests === 0) this.log('info', 'client closed connection while waiting for request', null);
        else this.logBare('info', `client ${this.info.remoteAddress} closed keepalive connection`);
        this.destroy();
      } else this.onHeadResult(res);
      return;
    }
    if (this.state === 'request' && this.abortWatcher !== null && (this.body === null || this.body.done) && this.headTurn !== loopTurn) {
      // EPOLLRDHUP while an upstream answers: nginx finalizes the request (499) and closes. A FIN
      // that came with the request's own bytes raises no new (edge-triggered) event: unnoticed.
      const watcher = this.abortWatcher;
      this.abortWatcher = null;
      watcher(null);
      this.destroy();
      return;
    }
    if (this.state === 'request' && this.body) {
      // The client closed mid-body: nothing more can come, the connection cannot be reused.
      this.body.clientClosed = true;
      if (this.request) this.request.keepalive = false;
      if (!this.body.done && this.body.onDone) {
        this.body.failed = true;
        this.body.status = 400;
        this.body.onDone();
      }
      return;
    }
    if (this.state === 'idle') this.logBare('info', `client ${this.info.remoteAddress} closed keepalive connection`);
    if (this.state === 'lingering' || this.state === 'idle') this.destroy();
  }

  private feedHead(chunk: Buffer): void {
    this.onHeadResult(this.parser.feed(chunk));
  }

  private onHeadResult(res: ParseRequestResult): void {
    switch (res.kind) {
      case 'again':
        return;
      case 'closed':
        this.destroy();
        return;
      case 'error':
        this.clearTimer();
        this.failHead(res);
        return;
      case 'head':
        this.clearTimer();
        this.bufferState = res.buffer;
        this.pending = res.rest;
        this.startRequest(res.head);
        return;
    }
  }

  /** A head nginx refuses: its special response with the server known so far, then close. */
  private failHead(res: Extract<ParseRequestResult, { kind: 'error' }>): void {
    this.info.requests++;
    // Before a Host header, the server of the TLS handshake's SNI name (hc->conf_ctx), if any.
    const server = this.hostServer ?? this.info.tls?.sniServer ?? this.addr.defaultServer;
    const head = errorHead(res);
    const r = new HttpRequest(this.info, head, this.addr, { server, rule: 'default', name: null, captures: null }, this.host.variables);
    r.pipeline = this.pipelined;
    this.pipelined = false;
    r.keepalive = false;
    r.headerOnly = head.method === 'HEAD';
    r.lingeringClose = res.lingeringClose;
    // c->log->action while the head is read: the line, then the headers (a pipelined line says so).
    const action = res.line !== undefined ? 'reading client request headers' : r.pipeline ? 'reading client pipelined request line' : 'reading client request line';
    this.log('info', `${res.reason} while ${action}`, r);
    if (!res.respond) {
      // ngx_http_read_request_header: the client is gone; the request is still logged, as a 400.
      r.headersOut.status = res.status;
      this.finishRequest(r);
      this.destroy();
      return;
    }
    this.state = 'request';
    this.request = r;
    this.sink = new RequestSink(this, r);
    finalizeRequest(r, this.sink, res.status);
  }

  private startRequest(head: RequestHead): void {
    this.state = 'request';
    // Until the event loop polls again, whatever the client sent came with this head.
    this.headTurn = currentLoopTurn();
    this.info.requests++;
    // ngx_http_process_request: from reading to writing.
    this.stat = moveStat(this.stat, 'writing');
    const vs = findVirtualServer(this.addr, head.host ?? '');
    const r = new HttpRequest(this.info, head, this.addr, vs, this.host.variables);
    r.pipeline = this.pipelined;
    this.pipelined = false;
    if (this.host.exiting) r.keepalive = false;
    this.request = r;
    const sink = new RequestSink(this, r);
    r.onUninitialized = (name) => {
      if (r.conf.uninitializedVariableWarn) sink.log('warn', `using uninitialized "${name}" variable`);
    };
    this.sink = sink;
    // ngx_http_process_request: a plain HTTP request on an ssl address.
    if (this.info.tls !== null && this.info.tls.socket === null) {
      sink.log('info', 'client sent plain HTTP request to HTTPS port while reading client request headers');
      finalizeRequest(r, sink, 497);
      return;
    }
    handleRequest(r, sink);
  }

  /**
   * Reads the whole request body for a handler (ngx_http_read_client_request_body with request
   * buffering): resolves to the body, or to the status nginx answers (400 bad chunked, 413 too large).
   */
  readBody(r: HttpRequest): Promise<Buffer | number> {
    const head = r.head;
    if (this.body || r !== this.request || (head.contentLength <= 0 && !head.chunked)) return Promise.resolve(EMPTY);
    const body = new BodyDiscarder(head.chunked ? new ChunkedDecoder() : null, head.contentLength, r.conf.core.clientMaxBodySize, true);
    this.body = body;
    return new Promise((resolve) => {
      const finish = (): void => {
        body.onDone = null;
        this.clearTimer();
        r.bodyBytesRead = body.received;
        if (body.failed) {
          r.keepalive = false;
          if (body.status === 413) r.lingeringClose = true;
          resolve(body.status);
        } else resolve(Buffer.concat(body.chunks ?? []));
      };
      body.onDone = finish;
      this.pumpBody();
      if (!body.done && !body.failed) {
        // client_body_timeout: nginx answers 408 (logged only; the client gets no response).
        this.setTimer(r.conf.core.clientBodyTimeout, () => {
          body.onDone = null;
          resolve(408);
        });
      }
    });
  }

  /**
   * ngx_http_read_client_request_body with r->request_body_no_buffering: a body already read
   * whole is returned as with buffering; otherwise the rest goes to a reader as it arrives, with
   * client_body_timeout between reads (r->reading_body).
   */
  readBodyUnbuffered(r: HttpRequest): Buffer | number | UnbufferedBody {
    const head = r.head;
    if (this.body || r !== this.request || (head.contentLength <= 0 && !head.chunked)) return EMPTY;
    const body = new BodyDiscarder(head.chunked ? new ChunkedDecoder() : null, head.contentLength, r.conf.core.clientMaxBodySize, true);
    this.body = body;
    this.pumpBody();
    r.bodyBytesRead = body.received;
    if (body.failed) {
      r.keepalive = false;
      if (body.status === 413) r.lingeringClose = true;
      return body.status;
    }
    if (body.done) return Buffer.concat(body.chunks ?? []);
    body.unbuffered = true;
    const preread = Buffer.concat(body.chunks ?? []);
    body.chunks?.splice(0);
    let reader: BodyReader | null = null;
    const queued: Buffer[] = [];
    let ended: number | null = null;
    const end = (status: number): void => {
      if (ended !== null) return;
      ended = status;
      body.onData = null;
      body.onDone = null;
      r.bodyBytesRead = body.received;
      if (status !== 0) {
        r.keepalive = false;
        if (status === 413) r.lingeringClose = true;
      }
      reader?.end(status);
    };
    const armTimer = (): void =>
      this.setTimer(r.conf.core.clientBodyTimeout, () => {
        if (this.body === body && ended === null) end(408);
      });
    body.onData = (d) => {
      armTimer();
      if (reader !== null) reader.data(d);
      else queued.push(d);
    };
    body.onDone = () => {
      if (this.body === body) this.clearTimer();
      end(body.failed ? body.status : 0);
    };
    armTimer();
    return {
      preread,
      attach: (next) => {
        reader = next;
        for (const d of queued.splice(0)) next.data(d);
        if (ended !== null) next.end(ended);
      },
      pause: () => {
        this.bodyPaused = true;
        this.socket.pause();
      },
      resume: () => {
        if (!this.bodyPaused) return;
        this.bodyPaused = false;
        if (this.state !== 'closed') this.socket.resume();
      },
    };
  }

  // The request's side of the body: discard (read and drop) or, later, hand to a reader.
  startDiscard(r: HttpRequest): number {
    if (this.body || r !== this.request) return 0;
    const head = r.head;
    if (head.contentLength <= 0 && !head.chunked) return 0;
    const body = new BodyDiscarder(head.chunked ? new ChunkedDecoder() : null, head.contentLength, r.conf.core.clientMaxBodySize);
    this.body = body;
    this.pumpBody();
    // ngx_http_discard_request_body: a body already read whole needs no lingering close; one that
    // is already wrong is answered with its error.
    if (body.done) r.lingeringClose = false;
    // r->discard_body: the rest of the body is still being read and dropped.
    else if (!body.failed) r.discardBody = true;
    if (body.failed) {
      r.keepalive = false;
      return body.status;
    }
    return 0;
  }

  private pumpBody(): void {
    const body = this.body;
    if (!body || body.done) return;
    if (this.pending.length) {
      const rest = body.feed(this.pending);
      this.pending = rest;
    }
    if (body.failed && this.request) this.request.keepalive = false;
    // r->headers_in.content_length_n once the body is in: 0 after discarding it, its size after
    // reading it (what `$content_length` shows for a chunked request).
    if (body.done && this.request) this.request.contentLengthN = body.chunks === null ? 0 : body.received;
    if ((body.done || body.failed) && body.onDone) body.onDone();
    if (body.done || body.failed) {
      this.socket.resume();
      if (this.sink?.ended) this.afterRequest();
    } else if (this.pending.length === 0 && !this.bodyPaused) this.socket.resume();
  }

  /**
   * ngx_http_upstream_upgrade: from now on the client's bytes go to `tunnel`; what was read after
   * the request (and its body) is handed over. No client timer runs: the tunnel keeps its own.
   */
  upgrade(r: HttpRequest, tunnel: ClientTunnel): UpgradedConnection | null {
    if (r !== this.request || this.state !== 'request') return null;
    this.state = 'upgraded';
    this.abortWatcher = null;
    this.tunnel = tunnel;
    this.clearTimer();
    const early = this.pending;
    this.pending = EMPTY;
    this.socket.resume();
    // The client closed its side while the upstream was answering: the tunnel sees it at once.
    if (this.socket.readableEnded) setImmediate(() => this.onEnd());
    return {
      early,
      pause: () => this.socket.pause(),
      resume: () => this.socket.resume(),
    };
  }

  /** The response of the current request is complete (all bytes handed to the socket). */
  responseEnded(r: HttpRequest): void {
    if (r === this.request && this.state === 'upgraded') {
      // The tunnel is over: the request is logged and the connection closes once what was
      // written has gone out (ngx_http_finalize_request with r->keepalive = 0).
      this.tunnel = null;
      this.state = 'closed';
      this.finishRequest(r);
      this.request = null;
      this.abortWatcher = null;
      this.sink = null;
      this.socket.end(() => this.socket.destroy());
      this.release();
      this.host.closed(this);
      return;
    }
    if (r !== this.request || this.state !== 'request') return;
    // ngx_http_finalize_connection: a body still coming without buffering (r->reading_body) is
    // not waited for; the connection closes, lingering.
    if (this.body?.unbuffered && !this.body.done && !this.body.failed) {
      r.keepalive = false;
      r.lingeringClose = true;
      this.bodyPaused = false;
    }
    // Keep reading a body being discarded before deciding about the next request.
    if (this.body && !this.body.done && !this.body.failed && r.keepalive && !this.body.clientClosed) {
      this.setTimer(r.conf.core.lingeringTimeout, () => this.destroy());
      return;
    }
    this.afterRequest();
  }

  // ngx_http_finalize_connection → ngx_http_set_keepalive / ngx_http_set_lingering_close
  private afterRequest(): void {
    const r = this.request;
    if (!r || this.state !== 'request') return;
    this.clearTimer();
    const bodyUnread = (r.head.contentLength > 0 || r.head.chunked) && !(this.body?.done ?? false);
    this.finishRequest(r);
    this.request = null;
    this.abortWatcher = null;
    this.sink = null;
    const keep = r.keepalive && !this.host.exiting && !(this.body?.failed ?? false) && !(bodyUnread && !this.body);
    this.body = null;
    if (!keep) {
      const core = r.conf.core;
      if (core.lingeringClose === 'always' || (core.lingeringClose === 'on' && r.lingeringClose && bodyUnread)) {
        this.linger(core.lingeringTime, core.lingeringTimeout);
        return;
      }
      this.state = 'closed';
      this.socket.end();
      this.release();
      this.host.closed(this);
      return;
    }
    // Keep-alive: the next request may already be here (pipelining). Its head continues in the
    // same header buffer only when no body came between the two heads.
    this.state = 'idle';
    this.socket.resume();
    const rest = this.pending;
    this.pending = EMPTY;
    if (r.head.contentLength > 0 || r.head.chunked) this.bufferState = undefined;
    if (rest.length) {
      this.parser = this.newParser();
      this.state = 'head';
      // ngx_http_set_keepalive with a pipelined request: it is created at once.
      this.pipelined = true;
      this.stat = moveStat(this.stat, 'none');
      this.beginRequest();
      this.setTimer(this.addr.defaultServer.coreSrv.clientHeaderTimeout, () => this.destroy());
      setImmediate(() => {
        if (this.state === 'head') this.feedHead(rest);
      });
      return;
    }
    this.bufferState = undefined;
    this.parser = this.newParser();
    this.stat = moveStat(this.stat, 'waiting');
    this.setTimer(r.conf.core.keepaliveTimeout, () => this.destroy());
    this.host.idle?.(this);
  }

  // ngx_http_set_lingering_close: stop writing, read and drop what the client still sends. nginx
  // frees the request only when lingering ends, so the connection still counts as writing.
  private linger(time: number, timeout: number): void {
    this.state = 'lingering';
    this.socket.resume();
    this.socket.end();
    const deadline = Date.now() + time;
    const arm = (): void => this.setTimer(Math.min(timeout, Math.max(0, deadline - Date.now())), () => this.destroy());
    arm();
    this.socket.on('data', () => {
      if (this.state === 'lingering') arm();
    });
  }

  // ngx_http_free_request: the log phase, then the request's cleanups.
  private finishRequest(r: HttpRequest): void {
    if (r.logged) return;
    r.logged = true;
    this.logConf = r.conf;
    logRequest(r, (level, message) => this.log(level, `${message} while logging request`, r));
    r.release();
  }

  /**
   * Writes to the socket; false when its buffer is full. Writes of one tick (a response head and
   * the first part of its body) leave in one writev, as nginx's output chain does: the socket is
   * corked at the first and uncorked once the tick's work is done.
   */
  write(chunk: string | Buffer): boolean {
    if (this.state === 'closed') return false;
    if (!this.corked) {
      this.corked = true;
      this.socket.cork();
      process.nextTick(this.uncork);
    }
    return typeof chunk === 'string' ? this.socket.write(chunk, 'latin1') : this.socket.write(chunk);
  }

  private corked = false;
  private readonly uncork = (): void => {
    if (!this.corked) return;
    this.corked = false;
    this.socket.uncork();
  };

  /** Calls `cb` once the socket drains, or at once if it closes meanwhile (writers then stop). */
  onDrain(cb: () => void): void {
    if (this.state === 'closed') {
      setImmediate(cb);
      return;
    }
    onceDrainedOrClosed(this.socket, cb);
  }

  private setTimer(ms: number, fn: () => void): void {
    this.clearTimer();
    if (ms > 0) this.timer = setTimeout(fn, ms);
  }

  private clearTimer(): void {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = null;
    }
  }

  /**
   * An error log line of this connection (ngx_http_log_error, ngx_http_log_error_handler), to the
   * error_log of the request's location, or of the connection's last one.
   */
  log(level: LogLevel, message: string, r: HttpRequest | null): void {
    let text = `*${this.info.id} ${message}, client: ${this.info.remoteAddress}`;
    if (r === null) {
      // No request: the listening socket stands for the server.
      this.host.log(level, `${text}, server: ${this.addr.addr.text}`, (this.logConf ?? this.addr.defaultServer.conf).errorLogs);
      return;
    }
    text += `, server: ${r.server.coreSrv.serverName}`;
    if (r.head.requestLine) text += `, request: "${r.head.requestLine}"`;
    // ngx_http_log_error_handler: the upstream once one was chosen (r->upstream->peer.name).
    if (r.proxy?.logUpstream) text += `, upstream: "${r.proxy.logUpstream}"`;
    const host = r.header('Host');
    if (host !== undefined) text += `, host: "${host}"`;
    const referer = r.header('Referer');
    if (referer !== undefined) text += `, referrer: "${referer}"`;
    this.host.log(level, text, r.conf.errorLogs);
  }

  /** A line without the request context (c->log->handler cleared), to the connection's log. */
  private logBare(level: LogLevel, message: string): void {
    this.host.log(level, `*${this.info.id} ${message}`, (this.logConf ?? this.addr.defaultServer.conf).errorLogs);
  }
}

/** The ResponseSink of one request on one connection. */
class RequestSink implements ResponseSink {
  aborted = false;
  ended = false;

  constructor(
    private readonly conn: HttpConnection,
    private readonly r: HttpRequest,
  ) {}

  write(chunk: string | Buffer): boolean {
    if (this.aborted) return false;
    this.r.bytesSent += chunk.length;
    return this.conn.write(chunk);
  }

  onDrain(cb: () => void): void {
    this.conn.onDrain(cb);
  }

  end(): void {
    if (this.ended) return;
    this.ended = true;
    this.conn.responseEnded(this.r);
  }

  terminate(): void {
    this.aborted = true;
    this.conn.destroy();
  }

  watchClientAbort(cb: ((err: NodeJS.ErrnoException | null) => void) | null): void {
    this.conn.watchClientAbort(this.r, cb);
  }

  discardBody(): number {
    this.testExpect();
    return this.conn.startDiscard(this.r);
  }

  readBody(): Promise<Buffer | number> {
    this.testExpect();
    return this.conn.readBody(this.r);
  }

  readBodyUnbuffered(): Buffer | number | UnbufferedBody {
    this.testExpect();
    return this.conn.readBodyUnbuffered(this.r);
  }

  testExpect(): void {
    const r = this.r;
    if (r.expectTested || r.head.httpVersion < 1001) return;
    const expect = r.header('Expect');
    if (expect === undefined) return;
    r.expectTested = true;
    if (expect.toLowerCase() === '100-continue') this.conn.write('HTTP/1.1 100 Continue\r\n\r\n');
  }

  upgrade(tunnel: ClientTunnel): UpgradedConnection | null {
    return this.conn.upgrade(this.r, tunnel);
  }

  log(level: LogLevel, message: string): void {
    this.conn.log(level, message, this.r);
  }
}

/**
 * Reads a request body (Content-Length or chunked), dropping it or keeping it for a handler;
 * leftover bytes are the next request.
 */
class BodyDiscarder {
  /** The body, when kept. */
  readonly chunks: Buffer[] | null;
  received = 0;
  onDone: (() => void) | null = null;
  /** An unbuffered body's pieces go here instead of `chunks`. */
  onData: ((d: Buffer) => void) | null = null;
  /** Read without buffering (r->request_body_no_buffering). */
  unbuffered = false;
  done = false;
  failed = false;
  /** 400 for an invalid chunked body, 413 for one larger than client_max_body_size. */
  status = 0;
  clientClosed = false;
  private remaining: number;
  private size = 0;

  constructor(
    private readonly chunked: ChunkedDecoder | null,
    contentLength: number,
    private readonly maxBody: number,
    keep = false,
  ) {
    this.remaining = contentLength;
    this.chunks = keep ? [] : null;
  }

  private keep(d: Buffer): void {
    if (this.onData !== null) this.onData(d);
    else if (this.chunks !== null) this.chunks.push(d);
  }

  private fail(status: number): void {
    this.failed = true;
    this.status = status;
  }

  /** Consumes what belongs to the body; returns the bytes after it. */
  feed(buf: Buffer): Buffer {
    if (this.chunked === null) {
      const take = Math.min(this.remaining, buf.length);
      this.remaining -= take;
      this.received += take;
      if (take > 0) this.keep(buf.subarray(0, take));
      if (this.remaining === 0) this.done = true;
      return buf.subarray(take);
    }
    const res = this.chunked.feed(buf);
    for (const d of res.data) {
      this.size += d.length;
      this.received += d.length;
    }
    if (res.kind === 'error') {
      this.fail(400);
      return EMPTY;
    }
    // ngx_http_discard_request_body_filter checks each chunk's announced size against the limit.
    if (this.maxBody && (this.size > this.maxBody || BigInt(this.size) + this.chunked.pendingChunkBytes > BigInt(this.maxBody))) {
      this.fail(413);
      return EMPTY;
    }
    // Only then is the data passed on: ngx_http_request_body_chunked_filter hands over what one
    // read parsed when all of it was good (an unbuffered body sends none of a bad read upstream).
    for (const d of res.data) this.keep(d);
    if (res.kind === 'done') {
      this.done = true;
      return res.rest;
    }
    return EMPTY;
  }
}

/** The head of a request nginx refused: what it had read, enough for its error page and log. */
function errorHead(res: Extract<ParseRequestResult, { kind: 'error' }>): RequestHead {
  const line = res.line;
  return refusedHead({
    method: res.method,
    requestLine: res.requestLine ?? '',
    unparsedUri: line?.unparsedUri ?? '',
    uri: line?.uri ?? '',
    args: line?.args ?? '',
    exten: line?.exten ?? '',
    httpVersion: res.http09 ? 9 : (line?.httpVersion ?? 1001),
    httpProtocol: line?.httpProtocol ?? '',
    headers: res.headers,
    requestLength: res.requestLength,
  });
}
