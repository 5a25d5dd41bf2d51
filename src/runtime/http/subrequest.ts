/**
 * Subrequests (ngx_http_subrequest), as auth_request uses them: a GET for another URI of the same
 * server, with the client's headers and no body, sharing the request's variables, run through
 * the phases (subrequests skip the access phase) and answered into nothing but its status and
 * headers.
 */
import { finalizeRequest, runPhases } from './phases.js';
import { HttpRequest } from './request.js';
import type { LogLevel, ResponseSink } from './response.js';
import { uriExten } from './internal-redirect.js';
import { EMPTY_BUFFER } from '../empty-buffer.js';

/** What a finished subrequest leaves for its parent. */
export interface SubrequestResult {
  readonly request: HttpRequest;
  /** r->headers_out.status after the response was "sent". */
  readonly status: number;
}

/** A sink that writes nothing and resolves when the subrequest's response is complete. */
class SubrequestSink implements ResponseSink {
  aborted = false;
  private done = false;

  constructor(
    private readonly parent: ResponseSink,
    private readonly finish: () => void,
    /** The subrequest: its upstream, once proxied, goes into log lines. */
    private readonly request: HttpRequest | null = null,
  ) {}

  write(): boolean {
    return true;
  }

  onDrain(cb: () => void): void {
    setImmediate(cb);
  }

  end(): void {
    if (this.done) return;
    this.done = true;
    this.finish();
  }

  terminate(): void {
    this.end();
  }

  discardBody(): number {
    return 0;
  }

  readBody(): Promise<Buffer | number> {
    // auth_request gives its subrequest an empty request body (ngx_http_auth_request_handler).
    return Promise.resolve(EMPTY_BUFFER);
  }

  readBodyUnbuffered(): Buffer {
    return EMPTY_BUFFER;
  }

  testExpect(): void {}

  upgrade(): null {
    return null;
  }

  watchClientAbort(): void {}

  log(level: LogLevel, message: string): void {
    const upstream = this.request?.proxy?.logUpstream;
    this.parent.log(level, `${message} while sending to client, subrequest${upstream ? `, upstream: "${upstream}"` : ''}`);
  }
}

/** Runs a GET subrequest of `r` for `uri` and resolves when it has its status. */
export function subrequest(r: HttpRequest, parentSink: ResponseSink, uri: string): Promise<SubrequestResult> {
  return new Promise((resolve) => {
    const sr = new HttpRequest(r.conn, r.head, r.addr, r.vs, r.variables, r);
    sr.uri = uri;
    sr.args = '';
    sr.exten = uriExten(uri);
    sr.method = 'GET';
    sr.internal = true;
    sr.headerOnly = true;
    sr.keepalive = r.keepalive;
    let settled = false;
    const sink = new SubrequestSink(parentSink, () => {
      if (settled) return;
      settled = true;
      resolve({ request: sr, status: sr.headersOut.status });
    }, sr);
    let rc: number | Promise<number>;
    try {
      rc = runPhases(sr, sink);
    } catch (e) {
      parentSink.log('alert', `ngts internal error in subrequest: ${(e as Error).stack ?? String(e)}`);
      rc = 500;
    }
    const done = (code: number): void => {
      finalizeRequest(sr, sink, code);
      // A subrequest finalized without output (444, DONE without a response) still ends.
      if (!settled && code !== -4) sink.end();
    };
    if (typeof rc === 'number') done(rc);
    else rc.then(done, () => done(500));
  });
}
