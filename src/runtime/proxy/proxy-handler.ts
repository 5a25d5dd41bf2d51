/**
 * The content handler of `proxy_pass` (ngx_http_proxy_handler with ngx_http_upstream): read the
 * client's body, build the upstream request as ngx_http_proxy_create_request does, pick a peer,
 * connect, send, read the response head, and pass status, headers and body to the client, trying
 * the next peer as proxy_next_upstream says (ngx_http_upstream_next, ngx_http_upstream_test_next).
 * Location and Refresh go through proxy_redirect; proxy_intercept_errors hands error statuses to
 * error_page; X-Accel-Redirect redirects internally. A URL with variables is made per request and
 * its host looked up among the upstreams or resolved (ngx_http_proxy_eval,
 * ngx_http_upstream_init_request); https upstreams speak TLS over the same connection code.
 */
import { connect, isIPv4, type Socket } from 'node:net';
import { errnoText } from '../../config/source.js';
import { type ProxyLocConf, type ProxyRedirect } from '../../compile/proxy-conf.js';
import { internalRedirect } from '../http/internal-redirect.js';
import { namedLocation } from '../http/phases.js';
import { takeConnectionNumber } from '../http/connection-stats.js';
import { headerFilter } from '../http/header-filter.js';
import { escapeUri } from '../http/normalize-uri.js';
import { ChunkedDecoder } from '../http/parse-request.js';
import type { HttpRequest } from '../http/request.js';
import type { LogLevel, ResponseSink, UnbufferedBody } from '../http/response.js';
import { evaluate } from '../http/variables.js';
import { createResolvedPeers, RoundRobinPeerData, type Peer, type PeerList } from '../upstream/round-robin.js';
import { ChashPeerData, HashPeerData, IpHashPeerData } from '../upstream/hash.js';
import { LeastConnPeerData } from '../upstream/least-conn.js';
import { RandomPeerData } from '../upstream/random.js';
import { findUpstream, type Balancer, type UpstreamConf } from '../../compile/upstreams.js';
import { KeepalivePool } from '../upstream/keepalive.js';
import { UpstreamResponseParser, type UpstreamHead } from '../upstream/parse-response.js';
import { processUpgraded } from '../upstream/upgraded.js';
import type { ProxyRequestState, UpstreamTry } from './proxy-variables.js';
import { constantTarget, evalTarget, type ProxyTarget } from './proxy-eval.js';
import { resolveName } from '../upstream/resolver.js';
import { sslContextReady, sslName, startTls } from '../upstream/upstream-ssl.js';
import { EMPTY_BUFFER as EMPTY } from '../empty-buffer.js';

const DONE = -4;

/**
 * Peer lists by upstream configuration, created at start-up and at each reload (names resolved).
 * Keyed by the compiled upstream itself, so that a request that began before a reload keeps the
 * peers of its own configuration, as it would in one of nginx's old workers.
 */
export type PeerRegistry = ReadonlyMap<UpstreamConf, PeerList>;

const registry = new WeakMap<UpstreamConf, PeerList>();
/** Idle upstream connections of upstreams with `keepalive`, by upstream configuration. */
const pools = new Map<UpstreamConf, KeepalivePool>();

function poolOf(u: UpstreamConf): KeepalivePool | null {
  if (u.keepalive <= 0) return null;
  let pool = pools.get(u);
  if (!pool) {
    pool = new KeepalivePool(u.keepalive, u.keepaliveTimeout, u.keepaliveRequests, u.keepaliveTime);
    pools.set(u, pool);
  }
  return pool;
}

/** Closes the idle upstream connections (on stop). */
export function closeUpstreamConnections(): void {
  for (const p of pools.values()) p.closeAll();
}

/**
 * After a reload: the idle connections of the old configuration's upstreams close, as an old
 * nginx worker's do when it exits (requests still running keep theirs until they finish).
 */
export function retireUpstreams(old: Iterable<UpstreamConf>): void {
  for (const u of old) {
    const p = pools.get(u);
    if (!p) continue;
    p.closeAll();
    pools.delete(u);
  }
}

/** Installs the resolved peers of the upstreams of a configuration (the running one, or a reload's). */
export function setPeerRegistry(peers: PeerRegistry): void {
  for (const [u, list] of peers) registry.set(u, list);
}

// ngx_http_upstream_next_errors: the upstream statuses proxy_next_upstream can name.
const NEXT_STATUSES: ReadonlyMap<number, string> = new Map([
  [500, 'http_500'],
  [502, 'http_502'],
  [503, 'http_503'],
  [504, 'http_504'],
  [403, 'http_403'],
  [404, 'http_404'],
  [429, 'http_429'],
]);

/**
 * Whether proxy_next_upstream allows trying the next peer after `condition`: a request already
 * sent with POST, LOCK or PATCH also needs `non_idempotent`.
 */
function nextAllowed(r: HttpRequest, conf: ProxyLocConf, condition: string, requestSent: boolean): boolean {
  const next = conf.nextUpstream;
  if (next.has('off') || !next.has(condition)) return false;
  if (requestSent && (r.method === 'POST' || r.method === 'LOCK' || r.method === 'PATCH')) return next.has('non_idempotent');
  return true;
}

/** Runs proxy_pass for `r`; resolves to DONE or a status for finalization. */
export async function proxyHandler(r: HttpRequest, sink: ResponseSink, conf: ProxyLocConf): Promise<number> {
  const pass = conf.pass!;
  // ngx_http_proxy_handler: a URL with variables is made before the body is read.
  let target: ProxyTarget;
  if (pass.variables !== null) {
    const t = evalTarget(r, pass);
    if (typeof t === 'string') {
      sink.log('error', t);
      return 500;
    }
    target = t;
  } else target = constantTarget(pass);
  const hadBody = r.head.contentLength > 0 || r.head.chunked;
  // After an internal redirect (X-Accel-Redirect, error_page) the body read before goes again, as
  // r->request_body does, and the upstreams tried so far stay in r->upstream_states.
  const previous = r.proxy?.requestBody ?? null;
  const states = r.proxy?.tries ?? null;
  // ngx_http_proxy_handler: proxy_request_buffering off streams the body, unless proxy_set_body
  // replaces it or it is not passed, and a chunked one only to an HTTP/1.1 upstream.
  const unbuffered = previous === null && !conf.requestBuffering && conf.setBody === null && conf.passRequestBody && (!r.head.chunked || conf.httpVersion === '1.1');
  const read = previous ?? (unbuffered ? sink.readBodyUnbuffered() : await sink.readBody());
  if (typeof read === 'number') return read;
  // A body already read whole goes as with buffering (ngx_http_read_client_request_body resets
  // r->request_body_no_buffering).
  const stream = Buffer.isBuffer(read) ? null : read;
  const state: ProxyRequestState = {
    hostHeader: target.hostHeader,
    port: target.port,
    generation: r.uriChanges,
    method: r.method,
    bodyLength: r.head.contentLength,
    chunked: false,
    requestBody: stream === null ? (read as Buffer) : null,
    tries: states ?? [],
    uri: '',
    logUpstream: null,
    responseHeaders: [],
  };
  r.proxy = state;
  let body: Buffer = EMPTY;
  if (stream !== null) {
    // ngx_http_proxy_create_request while r->reading_body: the client's Content-Length, or a
    // chunked body (ngx_http_proxy_body_output_filter) for a chunked one; the pre-read part goes
    // with the head.
    if (r.head.chunked) {
      state.bodyLength = -1;
      state.chunked = true;
      body = stream.preread.length ? chunk(stream.preread) : body;
    } else body = stream.preread;
  } else if (hadBody) {
    // With request buffering the whole body is read first: a chunked one goes on with a length.
    const whole = read as Buffer;
    state.bodyLength = whole.length;
    r.requestBody = whole;
    if (conf.passRequestBody) body = whole;
  }
  if (conf.setBody !== null) {
    body = Buffer.from(evaluate(r, conf.setBody), 'latin1');
    state.bodyLength = body.length;
  }
  const head = createRequest(r, conf, target);
  const request = body.length ? Buffer.concat([Buffer.from(head, 'latin1'), body]) : Buffer.from(head, 'latin1');

  // ngx_http_upstream_init_request: a later upstream of the request begins with an empty entry.
  if (states !== null) state.tries.push({ addr: null, status: '', connectTime: 0, headerTime: 0, responseTime: 0, start: Date.now(), bytesReceived: 0, bytesSent: 0, responseLength: 0 });
  // Only a name to resolve waits; a constant URL's upstream is at hand.
  const lookup = upstreamPeers(r, sink, conf, target);
  const found = lookup instanceof Promise ? await lookup : lookup;
  if (typeof found === 'number') return found;
  const { peers, upstream, sslHost } = found;
  const rr = upstream === null ? new RoundRobinPeerData(peers) : peerData(r, peers, upstream.balancer);
  if (conf.nextUpstreamTries && rr.tries > conf.nextUpstreamTries) rr.tries = conf.nextUpstreamTries;
  const via: Via = { target, upstream, sslHost };
  for (;;) {
    const peer = rr.get();
    if (peer === null) {
      // NGX_BUSY: ngx_http_upstream_next(NGX_HTTP_UPSTREAM_FT_NOLIVE), which is never retried.
      state.logUpstream = `${target.schema}${peers.name}${state.uri}`;
      sink.log('error', 'no live upstreams while connecting to upstream');
      state.tries.push({ addr: peers.name, status: '502', connectTime: -1, headerTime: -1, responseTime: 0, start: Date.now(), bytesReceived: 0, bytesSent: 0, responseLength: 0 });
      return 502;
    }
    // ngx_http_log_error_handler puts a `:` between a unix socket and the URI.
    state.logUpstream = `${target.schema}${peer.name}${peer.unix ? ':' : ''}${state.uri}`;
    const t: UpstreamTry = { addr: peer.name, status: '', connectTime: -1, headerTime: -1, responseTime: -1, start: Date.now(), bytesReceived: 0, bytesSent: 0, responseLength: 0 };
    state.tries.push(t);
    const outcome = await exchange(r, sink, conf, via, peer, request, stream, t, rr);
    if (outcome.kind === 'done') {
      const warn = rr.free(false);
      if (warn) sink.log('warn', warn);
      return DONE;
    }
    if (outcome.kind === 'intercepted' || outcome.kind === 'finalized') {
      // proxy_intercept_errors: the status goes to error_page; the peer did nothing wrong. Or
      // the client's unbuffered body failed (ngx_http_upstream_finalize_request with its status).
      rr.free(false);
      return outcome.status;
    }
    if (outcome.kind === 'redirect') {
      rr.free(false);
      return accelRedirect(r, sink, outcome.uri);
    }
    // ngx_http_upstream_next: 403 and 404 do not count against the peer; the rest do.
    const warn = rr.free(outcome.condition !== 'http_403' && outcome.condition !== 'http_404');
    if (outcome.message !== '') sink.log(outcome.level ?? 'error', outcome.message);
    // Logged under the same c->log->action as the failure ("while connecting to upstream"…).
    if (warn) sink.log('warn', warn + (/ while [^,]*$/.exec(outcome.message)?.[0] ?? ''));
    // A cached keep-alive connection that failed does not use up a try (u->peer.tries++).
    if (outcome.cached && outcome.condition === 'error') rr.tries++;
    t.status = String(outcome.status);
    t.responseTime = Date.now() - t.start;
    if (rr.tries === 0 || !nextAllowed(r, conf, outcome.condition, outcome.requestSent)) return outcome.status;
    // ngx_http_upstream_next: a body streamed to this peer cannot be sent again.
    if (stream !== null && outcome.requestSent) return outcome.status;
  }
}

/** Where the request goes: the target, its upstream if any, and the host TLS names by default. */
interface Via {
  readonly target: ProxyTarget;
  readonly upstream: UpstreamConf | null;
  /** u->ssl_name before proxy_ssl_name: the upstream's host, or the host of the URL. */
  readonly sslHost: string;
}

/**
 * The peers of the request (ngx_http_upstream_init_request): a constant URL's upstream; with
 * variables an upstream of that host and port, else the address in the URL, else the name resolved
 * by the location's resolver (ngx_http_upstream_resolve_handler). A number is the status to end with.
 */
type Found = { peers: PeerList; upstream: UpstreamConf | null; sslHost: string } | number;

function upstreamPeers(r: HttpRequest, sink: ResponseSink, conf: ProxyLocConf, target: ProxyTarget): Found | Promise<Found> {
  let upstream = target.upstream;
  const res = target.resolved;
  if (upstream === null && res !== null) upstream = findUpstream(conf.pass!.upstreams, res.host, res.port, res.noPort);
  if (upstream !== null) {
    const peers = registry.get(upstream);
    if (peers === undefined) {
      sink.log('error', `no resolved peers for upstream "${upstream.name}"`);
      return 502;
    }
    // u->ssl_name = uscf->host: the upstream's name, or the host of the literal proxy_pass.
    const host = upstream.explicit ? upstream.name : (upstream.servers[0]?.host ?? upstream.name);
    return { peers, upstream, sslHost: host };
  }
  if (res === null) return 502;
  if (res.address !== null) {
    return { peers: createResolvedPeers(res.host, [res.address.host], res.port, res.address.unix), upstream: null, sslHost: res.host };
  }
  // ngx_resolve_start: an IPv4 address needs no resolver.
  if (isIPv4(res.host)) return { peers: createResolvedPeers(res.host, [res.host], res.port), upstream: null, sslHost: res.host };
  const resolver = r.conf.core.resolver;
  if (resolver === null) {
    sink.log('error', `no resolver defined to resolve ${res.host}`);
    return 502;
  }
  // ngx_resolve_name drops a final dot and lower-cases the name where it lies, in the URL's
  // buffer: $proxy_host and the TLS name show it lower-cased from now on (the Host header went
  // out before).
  const name = res.host.toLowerCase();
  const state = r.proxy!;
  state.hostHeader = name + state.hostHeader.slice(name.length);
  target.hostHeader = state.hostHeader;
  const key = name.endsWith('.') ? name.slice(0, -1) : name;
  return resolveName(resolver, key).then((answer) => {
    if (!answer.ok) {
      sink.log('error', `${key} could not be resolved (${answer.code}: ${answer.text})`);
      return 502;
    }
    return { peers: createResolvedPeers(name, answer.addresses, res.port), upstream: null, sslHost: name };
  });
}

// X-Accel-Redirect (ngx_http_upstream_process_headers): a named location, or an internal redirect
// to a safe URI with its arguments, as GET unless the request is HEAD.
function accelRedirect(r: HttpRequest, sink: ResponseSink, value: string): number | Promise<number> {
  if (value.startsWith('@')) return namedLocation(r, sink, value);
  const parsed = parseUnsafeUri(value);
  if (parsed === null) return 404;
  if (r.method !== 'HEAD') r.method = 'GET';
  return internalRedirect(r, sink, parsed.uri, parsed.args);
}

// ngx_http_parse_unsafe_uri with NGX_HTTP_LOG_UNSAFE: the arguments after `?`; null for a URI that
// could leave the root (`..` segments, NUL, or a `%2E`-style dot sequence when escaped).
function parseUnsafeUri(value: string): { uri: string; args: string } | null {
  let uri = value;
  let args = '';
  if (uri.length === 0) return null;
  if (uri.charCodeAt(0) === 0x2e && uri.length > 1 && uri.charCodeAt(1) === 0x2e && (uri.length === 2 || uri.charCodeAt(2) === 0x2f)) return null;
  for (let i = 0; i < uri.length; i++) {
    const ch = uri.charCodeAt(i);
    if (ch === 0x25 /* % */) return { uri, args };
    if (ch === 0x3f /* ? */) {
      args = uri.slice(i + 1);
      uri = uri.slice(0, i);
      break;
    }
    if (ch === 0) return null;
    if (ch === 0x2f && uri.charCodeAt(i + 1) === 0x2e && uri.charCodeAt(i + 2) === 0x2e && (i + 3 === uri.length || uri.charCodeAt(i + 3) === 0x2f)) return null;
  }
  return { uri, args };
}

/** The balancer state of this request for the upstream's balancer (peer.init in nginx). */
function peerData(r: HttpRequest, peers: PeerList, balancer: Balancer): RoundRobinPeerData {
  switch (balancer.kind) {
    case 'ip_hash':
      return new IpHashPeerData(peers, r.remoteFamily === 'unix' ? '' : r.remoteAddress);
    case 'hash': {
      const key = evaluate(r, balancer.key);
      return balancer.consistent ? new ChashPeerData(peers, key) : new HashPeerData(peers, key);
    }
    case 'least_conn':
      return new LeastConnPeerData(peers);
    case 'random':
      return new RandomPeerData(peers, balancer.two);
    default:
      return new RoundRobinPeerData(peers);
  }
}

// ngx_http_proxy_create_request: the request line and headers (the body follows).
function createRequest(r: HttpRequest, conf: ProxyLocConf, target: ProxyTarget): string {
  const method = conf.method !== null ? evaluate(r, conf.method) : r.method;
  r.proxy!.method = method;
  let uri: string;
  if (target.evaluated && target.uri !== null) {
    // A URI part of a URL with variables goes as it is.
    uri = target.uri;
  } else if (target.uri === null && r.head.validUnparsedUri && !r.internal) {
    uri = r.head.unparsedUri;
  } else {
    const locLen = r.validLocation && target.uri !== null ? target.location.length : 0;
    const rest = r.uri.slice(locLen);
    uri = (r.validLocation && target.uri !== null ? target.uri : '') + (r.head.quotedUri || r.internal ? escapeUri(rest, 'uri') : rest);
    if (r.args.length) uri += '?' + r.args;
  }
  r.proxy!.uri = uri;
  let out = `${method} ${uri} HTTP/${conf.httpVersion}\r\n`;
  // Index loops on the request path: an array iterator costs an object per step where V8 has not
  // optimized the loop away.
  const set = conf.headers;
  for (let i = 0; i < set.length; i++) {
    const h = set[i]!;
    const value = evaluate(r, h.value);
    if (value.length === 0) continue;
    out += `${h.name}: ${value}\r\n`;
  }
  if (conf.passRequestHeaders) {
    const headers = r.head.headers;
    for (let i = 0; i < headers.length; i++) {
      const h = headers[i]!;
      if (conf.headerNames.has(h.name.toLowerCase())) continue;
      out += `${h.name}: ${h.value}\r\n`;
    }
  }
  return out + '\r\n';
}

/** One chunk of a chunked upstream request body. */
function chunk(data: Buffer): Buffer {
  return Buffer.concat([Buffer.from(data.length.toString(16) + '\r\n'), data, Buffer.from('\r\n')]);
}

type Outcome =
  | { kind: 'done' }
  | { kind: 'intercepted'; status: number }
  | { kind: 'finalized'; status: number }
  | { kind: 'redirect'; uri: string }
  | { kind: 'failed'; status: number; message: string; condition: string; requestSent: boolean; cached?: boolean; level?: LogLevel };

/**
 * One attempt on one peer; resolves when the response went out or the attempt failed before it.
 * `request` is the head with the body, or with its pre-read part when the rest comes in `stream`.
 */
function exchange(
  r: HttpRequest,
  sink: ResponseSink,
  conf: ProxyLocConf,
  via: Via,
  peer: Peer,
  request: Buffer,
  stream: UnbufferedBody | null,
  t: UpstreamTry,
  rr: RoundRobinPeerData,
): Promise<Outcome> {
  return new Promise((resolve) => {
    let settled = false;
    let headSent = false;
    let requestSent = false;
    /** The one timer of the attempt (connect, send, read), re-armed per read by refresh(). */
    let timer: NodeJS.Timeout | null = null;
    let timerMs = -1;
    let onTimer: () => void = () => undefined;
    const pool = via.upstream === null ? null : poolOf(via.upstream);
    const cached = pool?.take(peer.name) ?? null;
    const raw: Socket = cached?.socket ?? (peer.unix ? connect(peer.host) : connect({ host: peer.host, port: peer.port }));
    // ngx_event_connect_peer numbers the new connection from the process's counter.
    if (cached === null) takeConnectionNumber();
    /** What requests and responses go through: the connection, or TLS over it for https. */
    let socket: Socket = raw;
    /** Between connect and the end of the TLS handshake (c->log->action "SSL handshaking to upstream"). */
    let handshaking = false;
    const requests = (cached?.requests ?? 0) + 1;
    const since = cached?.since ?? Date.now();
    /** The response was read whole and the upstream keeps the connection: cache it. */
    let reusable = false;
    /** The connection became a tunnel, which closes the upstream side itself. */
    let upgraded = false;
    /** The whole request body went to the upstream (u->request_body_sent). */
    let bodySent = stream === null;
    /** proxy_send_timeout while the upstream does not take the streamed body. */
    let sendBlocked: NodeJS.Timeout | null = null;
    const chunkedBody = r.proxy?.chunked ?? false;
    const finish = (o: Outcome): void => {
      if (settled) return;
      settled = true;
      sink.watchClientAbort(null);
      if (timer) clearTimeout(timer);
      if (sendBlocked) clearTimeout(sendBlocked);
      // The client's body may still come: it is read on (and dropped) as the request ends.
      stream?.resume();
      socket.removeAllListeners('data');
      if (reusable && pool !== null && o.kind === 'done' && !sink.aborted) {
        socket.removeAllListeners('end');
        socket.removeAllListeners('error');
        socket.removeAllListeners('connect');
        if (raw !== socket) {
          // Under TLS the connection's own listeners belong to this attempt; the pool watches the TLS socket.
          raw.removeAllListeners('connect');
          raw.removeAllListeners('error');
          raw.on('error', () => undefined);
        }
        pool.put(peer.name, socket, requests, since);
      } else if (!upgraded) {
        socket.destroy();
        raw.destroy();
      }
      resolve(cached !== null && o.kind === 'failed' && !headSent ? { ...o, cached: true } : o);
    };
    // c->log->action of the client connection, for ngx_http_upstream_check_broken_connection.
    let action = 'connecting to upstream';
    if (!conf.ignoreClientAbort) {
      sink.watchClientAbort((err) => {
        if (settled) return;
        // ngx_http_upstream_check_broken_connection (epoll): the upstream connection closes and
        // the request ends with 499 — shown by the log unless a response had begun.
        sink.log('info', `epoll_wait() reported that client prematurely closed connection, so upstream connection is closed too${err ? ` ${errnoText(err)}` : ''} while ${action}`);
        if (t.responseTime < 0) t.responseTime = Date.now() - t.start;
        if (r.headersOut.status === 0 || r.bytesSent === 0) r.headersOut.status = 499;
        reusable = false;
        finish({ kind: 'finalized', status: 499 });
      });
    }
    const fail = (status: number, message: string, condition: string, level?: LogLevel): void => {
      if (headSent) {
        // The client already has the head: nginx can only cut its connection short.
        sink.log('error', `${message} while reading upstream`);
        sink.terminate();
        finish({ kind: 'done' });
        return;
      }
      finish({ kind: 'failed', status, message, condition, requestSent, ...(level === undefined ? {} : { level }) });
    };
    const arm = (ms: number, what: () => void): void => {
      onTimer = what;
      if (timer !== null && timerMs === ms) {
        timer.refresh();
        return;
      }
      if (timer) clearTimeout(timer);
      timerMs = ms;
      timer = setTimeout(() => onTimer(), ms);
    };
    const readTimedOut = (): void => fail(504, 'upstream timed out (110: Connection timed out) while reading upstream', 'timeout');
    // proxy_connect_timeout covers the TLS handshake too (ngx_http_upstream_ssl_init_connection);
    // a cached connection is connected already.
    if (cached === null) {
      arm(conf.connectTimeout, () =>
        fail(504, `upstream timed out (110: Connection timed out) while ${handshaking ? 'SSL handshaking' : 'connecting'} to upstream`, 'timeout'),
      );
    }
    raw.setNoDelay(true);
    const onError = (e: NodeJS.ErrnoException): void => {
      if (handshaking) {
        fail(502, `SSL_do_handshake() failed ${errnoText(e)} while SSL handshaking to upstream`, 'error');
        return;
      }
      if (t.connectTime < 0 && peer.unix) {
        // ngx_event_connect_peer: a unix socket fails at connect() itself, named, at crit unless
        // the listener refused or was full.
        const level: LogLevel = e.code === 'ECONNREFUSED' || e.code === 'EAGAIN' || e.code === 'ECONNRESET' ? 'error' : 'crit';
        fail(502, `connect() to ${peer.name} failed ${errnoText(e)} while connecting to upstream`, 'error', level);
        return;
      }
      const where = t.connectTime < 0 ? 'connect() failed' : 'recv() failed';
      const phase = t.connectTime < 0 ? 'while connecting to upstream' : 'while reading response header from upstream';
      fail(502, `${where} ${errnoText(e)} ${phase}`, 'error');
    };
    raw.on('error', onError);
    const armHeaderTimeout = (): void =>
      arm(conf.readTimeout, () => fail(504, 'upstream timed out (110: Connection timed out) while reading response header from upstream', 'timeout'));
    const send = (): void => {
      t.connectTime = Date.now() - t.start;
      requestSent = true;
      action = 'sending request to upstream';
      socket.write(request);
      t.bytesSent += request.length;
      if (stream === null) {
        armHeaderTimeout();
        return;
      }
      // ngx_http_upstream_send_request_body: the rest of the body as it arrives; proxy_read_timeout
      // starts once it is all sent.
      if (timer) clearTimeout(timer);
      timer = null;
      stream.attach({
        data: (d) => {
          if (settled) return;
          const out = chunkedBody ? chunk(d) : d;
          t.bytesSent += out.length;
          if (socket.write(out) || sendBlocked !== null) return;
          stream.pause();
          sendBlocked = setTimeout(() => fail(504, 'upstream timed out (110: Connection timed out) while sending request to upstream', 'timeout'), conf.sendTimeout);
          socket.once('drain', () => {
            if (sendBlocked) clearTimeout(sendBlocked);
            sendBlocked = null;
            stream.resume();
          });
        },
        end: (status) => {
          if (settled) return;
          if (status === 0) {
            if (chunkedBody) {
              socket.write('0\r\n\r\n');
              t.bytesSent += 5;
            }
            bodySent = true;
            if (!headSent) armHeaderTimeout();
            return;
          }
          // ngx_http_upstream_send_request_body failed reading the client: finalize with its status.
          if (headSent) {
            sink.terminate();
            finish({ kind: 'done' });
          } else finish({ kind: 'finalized', status });
        },
      });
    };
    // https: ngx_http_upstream_ssl_init_connection, then the request once the handshake (and the
    // certificate checks of proxy_ssl_verify) passed; a failure tries the next peer.
    const secure = (): void => {
      handshaking = true;
      action = 'SSL handshaking to upstream';
      const name = sslName(r, conf.ssl, via.sslHost);
      const ready = sslContextReady(conf.ssl);
      if (ready !== null) {
        // nginx reads these files at start-up and refuses to start without them.
        sink.log('emerg', ready);
        finish({ kind: 'finalized', status: 500 });
        return;
      }
      startTls(raw, { conf: conf.ssl, peer, name, reuse: conf.ssl.sessionReuse }, (res) => {
        if (settled) return;
        handshaking = false;
        if (!res.ok) {
          fail(502, `${res.message} while SSL handshaking to upstream`, 'error', res.level);
          return;
        }
        socket = res.socket;
        socket.on('error', onError);
        readResponse();
        send();
      });
    };
    if (cached === null) raw.on('connect', via.target.https ? secure : send);
    const parser = new UpstreamResponseParser(conf.bufferSize);
    let bodyWriter: ((chunk: Buffer) => void) | null = null;
    let bodyEnd: (() => void) | null = null;
    const onHead = (h: UpstreamHead, rest: Buffer): void => {
      t.headerTime = Date.now() - t.start;
      t.status = String(h.status);
      const state = r.proxy!;
      state.responseHeaders = h.headers;
      if (h.httpVersion !== 9 && h.status >= 300) {
        // ngx_http_upstream_test_next: another peer, while one is left to try.
        const cond = NEXT_STATUSES.get(h.status);
        // Not after a body streamed to this peer (u->request_sent && r->request_body_no_buffering):
        // its response goes to the client as it is.
        if (cond !== undefined && rr.tries > 1 && stream === null && nextAllowed(r, conf, cond, true)) {
          finish({ kind: 'failed', status: h.status, message: '', condition: cond, requestSent: true });
          return;
        }
        // ngx_http_upstream_intercept_errors
        if (conf.interceptErrors && r.conf.errorPages.some((p) => p.status === h.status)) {
          if (h.status === 401) {
            let auth: [string, string] | undefined;
            for (let i = 0; i < h.headers.length; i++) if (h.headers[i]![0].toLowerCase() === 'www-authenticate') auth = h.headers[i];
            if (auth !== undefined) r.headersOut.headers.push([auth[0], auth[1]]);
          }
          t.responseTime = Date.now() - t.start;
          finish({ kind: 'intercepted', status: h.status });
          return;
        }
      }
      if (!conf.ignoreHeaders.has('x-accel-redirect')) {
        let accel: string | undefined;
        for (let i = 0; i < h.headers.length; i++) if (h.headers[i]![0].toLowerCase() === 'x-accel-redirect') accel = h.headers[i]![1];
        if (accel !== undefined) {
          // Only the headers ngx_http_upstream_headers_in marks `redirect` go along.
          passHead(r, conf, h, ACCEL_REDIRECT_KEEPS);
          t.responseTime = Date.now() - t.start;
          finish({ kind: 'redirect', uri: accel });
          return;
        }
      }
      const http09 = h.httpVersion === 9;
      if (!http09) passHead(r, conf, h, null);
      headSent = true;
      // ngx_http_proxy_process_header: a 101 upgrades the connection only when the client's request
      // has Upgrade (r->headers_in.upgrade), whatever the versions; otherwise it is an ordinary
      // response read until the upstream closes.
      if (h.status === 101 && !http09 && r.header('Upgrade') !== undefined) {
        upgraded = true;
        sink.watchClientAbort(null);
        if (timer) clearTimeout(timer);
        socket.removeAllListeners('data');
        socket.removeAllListeners('end');
        socket.removeAllListeners('error');
        // ngx_http_upstream_send_response writes the head, then ngx_http_upstream_upgrade.
        const out = headerFilter(r);
        if (out) sink.write(out);
        r.keepalive = false;
        // The error log's context names the upstream (ProxyRequestState.logUpstream).
        const where = '';
        const timeouts = { read: conf.readTimeout, send: conf.sendTimeout, clientSend: r.conf.core.sendTimeout };
        processUpgraded(sink, socket, rest, timeouts, where, (how) => {
          t.responseTime = Date.now() - t.start;
          if (how === 'done') r.completed = true;
          finish({ kind: 'done' });
        });
        return;
      }
      // ngx_http_proxy_input_filter_init: no body after 204, 304 or a HEAD request upstream.
      const upstreamHead = (r.proxy?.method ?? r.method) === 'HEAD';
      const noUpstreamBody = !http09 && (h.status === 204 || h.status === 304 || upstreamHead);
      if (http09) {
        // ngx_http_proxy_process_status_line: the client gets the bytes alone, as HTTP/0.9.
        r.headerSent = true;
      } else {
        const out = headerFilter(r);
        if (out) sink.write(out);
      }
      const chunkedOut = r.chunked;
      let remaining = noUpstreamBody ? 0 : h.contentLength;
      const decoder = h.chunked && !noUpstreamBody ? new ChunkedDecoder() : null;
      const complete = (): void => {
        // ngx_http_proxy: u->keepalive — an HTTP/1.1 answer without `Connection: close`, whose
        // end was known (a length or the last chunk), on an upstream with `keepalive`.
        reusable = pool !== null && bodySent && !h.close && h.httpVersion >= 1001 && (decoder !== null || h.contentLength >= 0 || noUpstreamBody);
        t.responseTime = Date.now() - t.start;
        if (chunkedOut) sink.write('0\r\n\r\n');
        r.completed = true;
        sink.end();
        finish({ kind: 'done' });
      };
      const emit = (data: Buffer): void => {
        if (data.length === 0 || r.headerOnly) return;
        const more = sink.write(chunkedOut ? Buffer.concat([Buffer.from(data.length.toString(16) + '\r\n'), data, Buffer.from('\r\n')]) : data);
        if (!more) {
          // A slow client holds the upstream: memory stays bounded by the socket buffers.
          socket.pause();
          sink.onDrain(() => socket.resume());
        }
      };
      bodyWriter = (chunk: Buffer): void => {
        // u->state->response_length: the body's bytes as read, chunk framing included.
        t.responseLength += chunk.length;
        if (sink.aborted) {
          finish({ kind: 'done' });
          return;
        }
        if (decoder !== null) {
          const res = decoder.feed(chunk);
          // What one read brought goes out as one chunk, as nginx's chunked filter sends one
          // output chain ($body_bytes_sent counts the framing).
          if (res.data.length === 1) emit(res.data[0]!);
          else if (res.data.length > 1) emit(Buffer.concat(res.data));
          if (res.kind === 'error') fail(502, 'upstream sent invalid chunked response', 'invalid_header');
          else if (res.kind === 'done') complete();
          return;
        }
        if (remaining >= 0) {
          const take = chunk.length <= remaining ? chunk : chunk.subarray(0, remaining);
          remaining -= take.length;
          emit(take);
          if (remaining === 0) complete();
          return;
        }
        emit(chunk);
      };
      bodyEnd = (): void => {
        if (decoder !== null || remaining > 0) {
          sink.log('error', 'upstream prematurely closed connection while reading upstream');
          sink.terminate();
          finish({ kind: 'done' });
          return;
        }
        complete();
      };
      if (remaining === 0) {
        complete();
        return;
      }
      arm(conf.readTimeout, readTimedOut);
      action = 'reading upstream';
      if (rest.length) bodyWriter(rest);
    };
    // The response is read from the socket requests go through (over TLS once the handshake is done).
    const readResponse = (): void => {
      socket.on('data', (chunk: Buffer) => {
        if (settled) return;
        // u->state->bytes_received: every byte read from the upstream, head and body.
        t.bytesReceived += chunk.length;
        if (bodyWriter !== null) {
          arm(conf.readTimeout, readTimedOut);
          bodyWriter(chunk);
          return;
        }
        action = 'reading response header from upstream';
        const res = parser.feed(chunk);
        if (res.kind === 'again') return;
        if (res.kind === 'error') {
          fail(502, `${res.message} while reading response header from upstream`, 'invalid_header');
          return;
        }
        onHead(res.head, res.rest);
      });
      socket.on('end', () => {
        if (settled) return;
        if (bodyEnd !== null) {
          bodyEnd();
          return;
        }
        const res = parser.end();
        if (res.kind === 'head') {
          onHead(res.head, res.rest);
          if (!settled && bodyEnd !== null) (bodyEnd as () => void)();
          return;
        }
        // "upstream prematurely closed connection" is NGX_HTTP_UPSTREAM_FT_ERROR; a head too big or
        // invalid is NGX_HTTP_UPSTREAM_FT_INVALID_HEADER.
        const premature = res.kind === 'error' && res.message === 'upstream prematurely closed connection';
        fail(502, `${res.kind === 'error' ? res.message : 'upstream prematurely closed connection'} while reading response header from upstream`, premature ? 'error' : 'invalid_header');
      });
    };
    if (!via.target.https || cached !== null) readResponse();
    // A cached connection is already connected (pc->cached): the request goes at once.
    if (cached !== null) send();
  });
}

// The headers ngx_http_upstream_headers_in marks `redirect`: they survive an X-Accel-Redirect.
const ACCEL_REDIRECT_KEEPS: ReadonlySet<string> = new Set(['content-type', 'set-cookie', 'content-disposition', 'cache-control', 'expires', 'accept-ranges']);

// ngx_http_upstream_process_headers with ngx_http_proxy's hidden headers and the copy handlers of
// ngx_http_upstream_headers_in; `only`: the headers an X-Accel-Redirect keeps (hidden ones too).
function passHead(r: HttpRequest, conf: ProxyLocConf, h: UpstreamHead, only: ReadonlySet<string> | null): void {
  const out = r.headersOut;
  let sawServer = false;
  let sawDate = false;
  for (let i = 0; i < h.headers.length; i++) {
    const [name, value] = h.headers[i]!;
    const n = name.toLowerCase();
    if (n === 'server') sawServer = true;
    else if (n === 'date') sawDate = true;
    if (only !== null ? !only.has(n) : conf.hideHeaders.has(n)) continue;
    switch (n) {
      case 'content-type':
        out.contentType = value;
        continue;
      case 'content-length':
      case 'connection':
      case 'keep-alive':
      case 'transfer-encoding':
        continue;
      case 'server':
        out.serverInList = true;
        break;
      case 'date':
        out.dateInList = true;
        break;
      case 'location': {
        // ngx_http_upstream_rewrite_location: a rewritten value is r->headers_out.location, made
        // absolute by the header filter when relative; any other stays in the list as it came.
        const v = conf.redirects === null ? null : rewriteRedirect(r, conf.redirects, value, 0);
        if (v !== null && v.startsWith('/') && r.conf.core.absoluteRedirect) out.location = v;
        else out.headers.push([name, v ?? value]);
        continue;
      }
      case 'refresh': {
        // ngx_http_upstream_rewrite_refresh: the part after `url=`.
        const at = value.toLowerCase().indexOf('url=');
        const v = conf.redirects === null || at < 0 ? null : rewriteRedirect(r, conf.redirects, value, at + 4);
        out.headers.push([name, v ?? value]);
        continue;
      }
    }
    out.headers.push([name, value]);
  }
  if (only !== null) return;
  // ngx_http_proxy_process_header adds empty Server and Date headers when the upstream sent none:
  // passed (proxy_pass_header), they suppress nginx's own and are not written.
  if (!sawServer && !conf.hideHeaders.has('server')) out.serverInList = true;
  if (!sawDate && !conf.hideHeaders.has('date')) out.dateInList = true;
  out.status = h.status;
  out.statusLine = h.statusLine;
  out.contentLength = h.contentLength;
  // ngx_http_chunked_header_filter: a body of unknown length goes chunked to HTTP/1.1 clients.
  if (out.contentLength < 0 && !r.headerOnly && h.status >= 200 && h.status !== 204 && h.status !== 304) {
    // HTTP/2 (2000) frames the body itself: nginx's chunked filter never sees a stream.
    if (r.head.httpVersion >= 1001 && r.head.httpVersion < 2000 && r.conf.core.chunkedTransferEncoding) r.chunked = true;
    else r.keepalive = false;
  }
}

// ngx_http_proxy_rewrite_redirect: the first rule that applies rewrites the value from `prefix` on;
// null when none does (NGX_DECLINED).
function rewriteRedirect(r: HttpRequest, rules: readonly ProxyRedirect[], value: string, prefix: number): string | null {
  const tail = value.slice(prefix);
  for (const rule of rules) {
    if (rule.kind === 'prefix') {
      const pattern = evaluate(r, rule.pattern);
      if (!tail.startsWith(pattern)) continue;
      return value.slice(0, prefix) + evaluate(r, rule.replacement) + tail.slice(pattern.length);
    }
    rule.re.lastIndex = 0;
    const m = rule.re.exec(tail);
    if (m === null) continue;
    if (m.length > 1) r.captures = m;
    for (const n of rule.names) r.values[n.index] = m.groups?.[n.name] ?? '';
    return value.slice(0, prefix) + evaluate(r, rule.replacement);
  }
  return null;
}
