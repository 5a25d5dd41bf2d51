/**
 * The content handler of `proxy_pass` (ngx_http_proxy_handler with ngx_http_upstream): read the
 * client's body, build the upstream request as ngx_http_proxy_create_request does, pick a peer,
 * connect, send, read the response head, and pass status, headers and body to the client, trying
 * the next peer on errors and timeouts as proxy_next_upstream says.
 */
import { connect, type Socket } from 'node:net';
import { upstreamKeyOf, type ProxyLocConf, type ProxyPass } from '../../compile/proxy-conf.js';
import { headerFilter } from '../http/header-filter.js';
import { escapeUri } from '../http/normalize-uri.js';
import { ChunkedDecoder } from '../http/parse-request.js';
import type { HttpRequest } from '../http/request.js';
import type { ResponseSink } from '../http/response.js';
import { evaluate } from '../http/variables.js';
import { RoundRobinPeerData, type Peer, type PeerList } from '../upstream/round-robin.js';
import { UpstreamResponseParser, type UpstreamHead } from '../upstream/parse-response.js';
import type { UpstreamTry } from './proxy-variables.js';

const DONE = -4;

/** Peer lists by upstream, created at start-up (names resolved); see createUpstreamPeers. */
export type PeerRegistry = ReadonlyMap<string, PeerList>;

let registry: PeerRegistry = new Map();

/** Installs the resolved peers of every upstream of the running configuration. */
export function setPeerRegistry(peers: PeerRegistry): void {
  registry = peers;
}


/** Runs proxy_pass for `r`; resolves to DONE or a status for finalization. */
export async function proxyHandler(r: HttpRequest, sink: ResponseSink, conf: ProxyLocConf): Promise<number> {
  const pass = conf.pass!;
  const hadBody = r.head.contentLength > 0 || r.head.chunked;
  const state = { hostHeader: pass.hostHeader, port: pass.port, bodyLength: r.head.contentLength, chunked: false, tries: [] as UpstreamTry[], responseHeaders: [] as [string, string][] };
  r.proxy = state;
  let body: Buffer = Buffer.alloc(0);
  const read = await sink.readBody();
  if (typeof read === 'number') return read;
  if (hadBody) {
    // With request buffering the whole body is read first: a chunked one goes on with a length.
    state.bodyLength = read.length;
    if (conf.passRequestBody) body = read;
  }
  if (conf.setBody !== null) {
    body = Buffer.from(evaluate(r, conf.setBody), 'latin1');
    state.bodyLength = body.length;
  }
  const head = createRequest(r, conf, pass);
  const request = body.length ? Buffer.concat([Buffer.from(head, 'latin1'), body]) : Buffer.from(head, 'latin1');

  const peers = registry.get(upstreamKeyOf(pass.upstream));
  if (peers === undefined) {
    sink.log('error', `no resolved peers for upstream "${pass.upstream.name}"`);
    return 502;
  }
  const rr = new RoundRobinPeerData(peers);
  let tries = conf.nextUpstreamTries ? Math.min(conf.nextUpstreamTries, rr.tries) : rr.tries;
  let lastStatus = 502;
  for (;;) {
    const peer = rr.get();
    if (peer === null) {
      sink.log('error', `no live upstreams while connecting to upstream, upstream: "http://${peers.name}${r.uri}"`);
      state.tries.push({ addr: peers.name, status: '502', connectTime: -1, headerTime: -1, responseTime: 0, start: Date.now() });
      return 502;
    }
    const t: UpstreamTry = { addr: peer.name, status: '', connectTime: -1, headerTime: -1, responseTime: -1, start: Date.now() };
    state.tries.push(t);
    const outcome = await exchange(r, sink, conf, pass, peer, request, t);
    if (outcome.kind === 'done') {
      const warn = rr.free(false);
      if (warn) sink.log('warn', warn);
      return DONE;
    }
    if (outcome.condition === 'intercepted') {
      // proxy_intercept_errors: the status goes to error_page; the peer did nothing wrong.
      rr.free(false);
      return outcome.status;
    }
    // A failure: count it, log it as nginx does, and maybe try the next peer.
    const warn = rr.free(true);
    sink.log('error', `${outcome.message}, upstream: "${pass.https ? 'https' : 'http'}://${peer.name}${uriForLog(r)}"`);
    if (warn) sink.log('warn', warn);
    t.status = String(outcome.status);
    t.responseTime = Date.now() - t.start;
    lastStatus = outcome.status;
    tries--;
    if (tries <= 0 || !conf.nextUpstream.has(outcome.condition) || conf.nextUpstream.has('off')) return lastStatus;
  }
}

function uriForLog(r: HttpRequest): string {
  return r.head.unparsedUri || r.uri;
}

// ngx_http_proxy_create_request: the request line and headers (the body follows).
function createRequest(r: HttpRequest, conf: ProxyLocConf, pass: ProxyPass): string {
  const method = conf.method !== null ? evaluate(r, conf.method) : r.method;
  let uri: string;
  if (pass.uri === null && r.head.validUnparsedUri && !r.internal) {
    uri = r.head.unparsedUri;
  } else {
    const locLen = r.validLocation && pass.uri !== null ? pass.location.length : 0;
    const rest = r.uri.slice(locLen);
    uri = (r.validLocation && pass.uri !== null ? pass.uri : '') + (r.head.quotedUri || r.internal ? escapeUri(rest, 'uri') : rest);
    if (r.args.length) uri += '?' + r.args;
  }
  let out = `${method} ${uri} HTTP/${conf.httpVersion}\r\n`;
  for (const h of conf.headers) {
    const value = evaluate(r, h.value);
    if (value.length === 0) continue;
    out += `${h.name}: ${value}\r\n`;
  }
  if (conf.passRequestHeaders) {
    for (const h of r.head.headers) {
      if (conf.headerNames.has(h.name.toLowerCase())) continue;
      out += `${h.name}: ${h.value}\r\n`;
    }
  }
  return out + '\r\n';
}

type Outcome =
  | { kind: 'done' }
  | { kind: 'failed'; status: number; message: string; condition: string };

/** One attempt on one peer; resolves when the response went out or the attempt failed before it. */
function exchange(
  r: HttpRequest,
  sink: ResponseSink,
  conf: ProxyLocConf,
  pass: ProxyPass,
  peer: Peer,
  request: Buffer,
  t: UpstreamTry,
): Promise<Outcome> {
  return new Promise((resolve) => {
    let settled = false;
    let headSent = false;
    let timer: NodeJS.Timeout | null = null;
    const socket: Socket = peer.unix ? connect(peer.host) : connect({ host: peer.host, port: peer.port });
    const finish = (o: Outcome): void => {
      if (settled) return;
      settled = true;
      if (timer) clearTimeout(timer);
      socket.removeAllListeners('data');
      socket.destroy();
      resolve(o);
    };
    const fail = (status: number, message: string, condition: string): void => {
      if (headSent) {
        // The client already has the head: nginx can only cut its connection short.
        sink.log('error', `${message} while reading upstream, upstream: "http://${peer.name}${uriForLog(r)}"`);
        sink.terminate();
        finish({ kind: 'done' });
        return;
      }
      finish({ kind: 'failed', status, message, condition });
    };
    const arm = (ms: number, what: () => void): void => {
      if (timer) clearTimeout(timer);
      timer = setTimeout(what, ms);
    };
    arm(conf.connectTimeout, () => fail(504, 'upstream timed out (110: Connection timed out) while connecting to upstream', 'timeout'));
    socket.setNoDelay(true);
    socket.on('error', (e: NodeJS.ErrnoException) => {
      const text = e.code === 'ECONNREFUSED' ? '111: Connection refused' : e.code === 'ECONNRESET' ? '104: Connection reset by peer' : e.code === 'ENOENT' ? '2: No such file or directory' : `${e.code ?? 'error'}: ${e.message}`;
      const where = t.connectTime < 0 ? 'connect() failed' : 'recv() failed';
      const phase = t.connectTime < 0 ? 'while connecting to upstream' : 'while reading response header from upstream';
      fail(502, `${where} (${text}) ${phase}`, 'error');
    });
    socket.on('connect', () => {
      t.connectTime = Date.now() - t.start;
      socket.write(request);
      arm(conf.readTimeout, () => fail(504, 'upstream timed out (110: Connection timed out) while reading response header from upstream', 'timeout'));
    });
    const parser = new UpstreamResponseParser(conf.bufferSize);
    let bodyWriter: ((chunk: Buffer) => void) | null = null;
    let bodyEnd: (() => void) | null = null;
    const onHead = (h: UpstreamHead, rest: Buffer): void => {
      t.headerTime = Date.now() - t.start;
      t.status = String(h.status);
      const state = r.proxy!;
      state.responseHeaders = h.headers;
      // proxy_next_upstream http_5xx/http_404 before anything went to the client.
      const cond = `http_${h.status}`;
      if (conf.nextUpstream.has(cond) && (h.status === 500 || h.status === 502 || h.status === 503 || h.status === 504 || h.status === 403 || h.status === 404 || h.status === 429)) {
        fail(h.status, `upstream sent ${h.status}`, cond);
        return;
      }
      if (conf.interceptErrors && h.status >= 300 && r.conf.errorPages.some((p) => p.status === h.status)) {
        t.responseTime = Date.now() - t.start;
        finish({ kind: 'failed', status: h.status, message: '', condition: 'intercepted' });
        return;
      }
      passHead(r, conf, h);
      headSent = true;
      const noBody = r.headerOnly || h.status === 204 || h.status === 304 || (h.status >= 100 && h.status < 200);
      const out = headerFilter(r);
      if (out) sink.write(out);
      if (noBody) {
        t.responseTime = Date.now() - t.start;
        sink.end();
        finish({ kind: 'done' });
        return;
      }
      const chunkedOut = r.chunked;
      let remaining = h.contentLength;
      const decoder = h.chunked ? new ChunkedDecoder() : null;
      const complete = (): void => {
        t.responseTime = Date.now() - t.start;
        if (chunkedOut) sink.write('0\r\n\r\n');
        r.completed = true;
        sink.end();
        finish({ kind: 'done' });
      };
      const emit = (data: Buffer): void => {
        if (data.length === 0) return;
        const more = sink.write(chunkedOut ? Buffer.concat([Buffer.from(data.length.toString(16) + '\r\n'), data, Buffer.from('\r\n')]) : data);
        if (!more) {
          // A slow client holds the upstream: memory stays bounded by the socket buffers.
          socket.pause();
          sink.onDrain(() => socket.resume());
        }
      };
      bodyWriter = (chunk: Buffer): void => {
        if (sink.aborted) {
          finish({ kind: 'done' });
          return;
        }
        if (decoder !== null) {
          const res = decoder.feed(chunk);
          for (const d of res.data) emit(d);
          if (res.kind === 'error') fail(502, 'upstream sent invalid chunked response', 'invalid_header');
          else if (res.kind === 'done') complete();
          return;
        }
        if (remaining >= 0) {
          const take = chunk.subarray(0, remaining);
          remaining -= take.length;
          emit(take);
          if (remaining === 0) complete();
          return;
        }
        emit(chunk);
      };
      bodyEnd = (): void => {
        if (decoder !== null || remaining > 0) {
          sink.log('error', `upstream prematurely closed connection while reading upstream, upstream: "http://${peer.name}${uriForLog(r)}"`);
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
      arm(conf.readTimeout, () => fail(504, 'upstream timed out (110: Connection timed out) while reading upstream', 'timeout'));
      if (rest.length) bodyWriter(rest);
    };
    socket.on('data', (chunk: Buffer) => {
      if (settled) return;
      if (bodyWriter !== null) {
        arm(conf.readTimeout, () => fail(504, 'upstream timed out (110: Connection timed out) while reading upstream', 'timeout'));
        bodyWriter(chunk);
        return;
      }
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
      fail(502, 'upstream prematurely closed connection while reading response header from upstream', 'error');
    });
  });
}

// ngx_http_upstream_process_headers with ngx_http_proxy's hidden headers.
function passHead(r: HttpRequest, conf: ProxyLocConf, h: UpstreamHead): void {
  const out = r.headersOut;
  out.status = h.status;
  out.statusLine = h.statusLine;
  for (const [name, value] of h.headers) {
    const n = name.toLowerCase();
    if (conf.hideHeaders.has(n)) continue;
    switch (n) {
      case 'content-type':
        out.contentType = value;
        continue;
      case 'content-length':
        out.contentLength = Number(value);
        continue;
      case 'connection':
      case 'keep-alive':
      case 'transfer-encoding':
      case 'upgrade':
        continue;
      case 'location': {
        // proxy_redirect default: the proxied URL prefix becomes the location's. A relative
        // result is made absolute by the header filter, in its own place; a URL stays in order.
        const v = rewriteLocation(r, conf, value);
        if (v.startsWith('/')) out.location = v;
        else out.headers.push([name, v]);
        continue;
      }
    }
    out.headers.push([name, value]);
  }
  if (out.contentLength < 0 && !r.headerOnly && h.status !== 204 && h.status !== 304) {
    // ngx_http_chunked_header_filter: a body of unknown length goes chunked to HTTP/1.1 clients.
    if (r.head.httpVersion >= 1001 && r.conf.core.chunkedTransferEncoding) r.chunked = true;
    else r.keepalive = false;
  }
}

// proxy_redirect default (ngx_http_proxy_rewrite_redirect with the default rule).
function rewriteLocation(r: HttpRequest, conf: ProxyLocConf, value: string): string {
  const pass = conf.pass!;
  if (pass.uri === null || r.loc === null) return value;
  const prefix = `${pass.https ? 'https' : 'http'}://${pass.hostHeader}${pass.uri}`;
  if (value.startsWith(prefix)) return pass.location + value.slice(prefix.length);
  return value;
}
