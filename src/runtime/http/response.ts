/**
 * Sending a response: ngx_http_send_response (a body of our own, as `return` sends it), the special
 * responses nginx answers errors and redirects with (ngx_http_special_response_handler), and the
 * interface a request writes its bytes through.
 */
import type { EventEmitter } from 'node:events';
import { PRODUCT, PRODUCT_VERSION } from '../product.js';
import { headerFilter } from './header-filter.js';
import type { HttpRequest } from './request.js';
import { msieRefreshBody, specialResponseBody } from './special-response.js';

export type LogLevel = 'emerg' | 'alert' | 'crit' | 'error' | 'warn' | 'notice' | 'info' | 'debug';

/** The client's side of an upgraded connection, as the tunnel's owner sees it. */
export interface ClientTunnel {
  /** Bytes the client sent through the tunnel. */
  data(chunk: Buffer): void;
  /** The client closed its side, or the connection was lost; called once. */
  end(): void;
}

/** What the connection gives a tunnel: the bytes already read, and flow control of the client. */
export interface UpgradedConnection {
  /** What the client sent after the request (and its body) before the upgrade (r->header_in). */
  readonly early: Buffer;
  pause(): void;
  resume(): void;
}

/**
 * A request body read without buffering (r->request_body_no_buffering, proxy_request_buffering
 * off): what came with the head, then the rest as it arrives.
 */
export interface UnbufferedBody {
  /** The body bytes already read (the pre-read part), de-chunked. */
  readonly preread: Buffer;
  /**
   * Where the rest goes: `data` for each piece (de-chunked), then `end` once: 0 when the body is
   * whole, else the status nginx finalizes with (400 bad or cut-off body, 408 client_body_timeout,
   * 413 too large). What arrived before is delivered at once.
   */
  attach(reader: BodyReader): void;
  /** Flow control: stop and restart reading the client. */
  pause(): void;
  resume(): void;
}

export interface BodyReader {
  data(chunk: Buffer): void;
  end(status: number): void;
}

/** What a request writes its response through; the connection implements it per request. */
export interface ResponseSink {
  /** Writes bytes (a latin1 string or a buffer); false when the socket wants the writer to wait. */
  write(chunk: string | Buffer): boolean;
  /** Calls `cb` once the socket has drained. */
  onDrain(cb: () => void): void;
  /** The response is complete: the connection keeps alive, lingers or closes. */
  end(): void;
  /** Closes the connection without (more of) a response. */
  terminate(): void;
  /**
   * Starts reading and dropping the request body (ngx_http_discard_request_body). Returns 0, or
   * the status nginx answers when the bytes already read are a bad (400) or too large (413) body.
   */
  discardBody(): number;
  /** Reads the whole request body: the bytes, or the status nginx answers (400, 408, 413). */
  readBody(): Promise<Buffer | number>;
  /**
   * ngx_http_read_client_request_body with r->request_body_no_buffering: the whole body when it
   * is already in (or there is none), else the body as it comes; or the status nginx answers for
   * a body already bad (400, 413).
   */
  readBodyUnbuffered(): Buffer | number | UnbufferedBody;
  /** Sends `HTTP/1.1 100 Continue` when the client expects it (ngx_http_test_expect). */
  testExpect(): void;
  /**
   * ngx_http_upstream_upgrade, after the 101 head was written: the connection stops speaking HTTP
   * and relays bytes. Later client bytes go to `tunnel`; `write` sends to the client and `end`
   * closes the connection (no keep-alive). Null in a subrequest, which cannot be upgraded.
   */
  upgrade(tunnel: ClientTunnel): UpgradedConnection | null;
  /**
   * ngx_http_upstream_check_broken_connection: `cb` runs (once) when the client closes or resets
   * its connection while the request waits for or reads from an upstream; null stops watching.
   * It gets the socket error, if any. Subrequests do not watch (their main request does).
   */
  watchClientAbort(cb: ((err: NodeJS.ErrnoException | null) => void) | null): void;
  /** The connection went away: stop producing the response. */
  readonly aborted: boolean;
  /** Writes to the error log with the request's context. */
  log(level: LogLevel, message: string): void;
}

/** Sets Content-Type from the URI's extension and `types`, else `default_type` (ngx_http_set_content_type). */
export function setContentType(r: HttpRequest): void {
  if (r.headersOut.contentType) return;
  const core = r.conf.core;
  if (r.exten.length > 0) {
    const type = core.types.get(r.exten.toLowerCase());
    if (type !== undefined) {
      r.headersOut.contentType = type;
      return;
    }
  }
  r.headersOut.contentType = core.defaultType;
}

/** Writes the head and a whole body and ends the response. */
export function sendWhole(r: HttpRequest, sink: ResponseSink, body: string | Buffer): void {
  const head = headerFilter(r);
  if (r.headerOnly || body.length === 0) {
    if (head) sink.write(head);
  } else if (typeof body === 'string') {
    sink.write(head + body);
  } else {
    if (head) sink.write(head);
    sink.write(body);
  }
  sink.end();
}

// ngx_http_send_response
/**
 * Answers with `status` and `text`: for 301/302/303/307/308 the text is the Location and the
 * answer is nginx's redirect page (the status is returned for finalization); otherwise the text is
 * the body with the Content-Type of the URI. Returns DONE (-4) when the response went out.
 */
export function sendResponse(r: HttpRequest, sink: ResponseSink, status: number, text: string): number {
  const rc = sink.discardBody();
  if (rc !== 0) return rc;
  r.headersOut.status = status;
  if (status === 301 || status === 302 || status === 303 || status === 307 || status === 308) {
    r.headersOut.location = text;
    return status;
  }
  r.headersOut.contentLength = text.length;
  setContentType(r);
  sendWhole(r, sink, text);
  return -4;
}

// ngx_http_send_special_response (and ngx_http_send_refresh)
/** nginx's built-in answer for `r.errStatus`: the page for `error`, or an empty body. */
export function sendSpecialPage(r: HttpRequest, sink: ResponseSink, error: number): void {
  const out = r.headersOut;
  if (r.conf.core.msieRefresh && r.head.userAgent.msie && (r.errStatus === 301 || r.errStatus === 302) && out.location !== null) {
    // ngx_http_send_refresh: MSIE gets a page that refreshes instead of the redirect.
    const body = msieRefreshBody(out.location);
    r.errStatus = 200;
    out.location = null;
    out.contentType = 'text/html';
    out.contentLength = body.length;
    sendWhole(r, sink, body);
    return;
  }
  const body =
    error === 201 || error === 204
      ? ''
      : specialResponseBody(error, {
          serverTokens: r.conf.core.serverTokens,
          product: PRODUCT,
          version: PRODUCT_VERSION,
          msiePadding: r.conf.core.msiePadding,
          browser: r.head.userAgent,
          httpVersion: r.head.httpVersion,
        });
  out.contentType = body.length > 0 ? 'text/html' : '';
  out.contentLength = body.length;
  out.lastModified = -1;
  for (let i = out.headers.length - 1; i >= 0; i--) {
    const n = out.headers[i]![0].toLowerCase();
    // ngx_http_clear_accept_ranges / _last_modified / _etag
    if (n === 'accept-ranges' || n === 'etag') out.headers.splice(i, 1);
  }
  sendWhole(r, sink, body);
}

/**
 * ResponseSink.onDrain for a writable that is still open: `cb` once, at its next 'drain' or at its
 * 'close' (writers then stop).
 */
export function onceDrainedOrClosed(w: EventEmitter, cb: () => void): void {
  let called = false;
  const once = (): void => {
    if (called) return;
    called = true;
    w.off('drain', once);
    w.off('close', once);
    cb();
  };
  w.on('drain', once);
  w.on('close', once);
}
