/**
 * One request in flight (ngx_http_request_t): what the client sent, the server and location it
 * reached, and the response being built. The phase handlers read and change it; the connection
 * owns the socket.
 */
import type { AddressServers, CompiledServer, LocationConf } from '../../compile/servers.js';
import type { HttpLocConf } from '../../compile/http-loc-conf.js';
import type { VirtualServerMatch } from '../find-virtual-server.js';
import type { RequestHead } from './parse-request.js';
import type { VariableDef } from '../../compile/variable-table.js';
import { NOT_EVALUATED } from './variables.js';
import type { ProxyRequestState } from '../proxy/proxy-variables.js';
import type { RangePlan } from './range-filter.js';
import type { Socket } from 'node:net';
import type { SslConnectionState } from '../ssl/ssl-connection.js';

/** The parts of the connection a request reads (ngx_connection_t). */
export interface ConnectionInfo {
  readonly id: number;
  readonly remoteAddress: string;
  readonly remotePort: number;
  readonly localAddress: string;
  readonly localPort: number;
  readonly family: 'inet' | 'inet6' | 'unix';
  readonly ssl: boolean;
  /** The TLS side of a connection to an ssl address (null on plain addresses). */
  readonly tls: SslConnectionState | null;
  /** Requests on this connection so far, this one included. */
  requests: number;
  /** When the connection was accepted (ms). */
  readonly startTime: number;
}

/** What an accepted connection (HTTP/1.x or HTTP/2) knows of itself, numbered `id`. */
export function connectionInfo(id: number, socket: Socket, addr: AddressServers, tls: SslConnectionState | null): ConnectionInfo {
  const family = addr.addr.family;
  return {
    id,
    remoteAddress: family === 'unix' ? 'unix:' : normalizeAddress(socket.remoteAddress ?? ''),
    remotePort: socket.remotePort ?? 0,
    localAddress: family === 'unix' ? `unix:${addr.addr.host}` : normalizeAddress(socket.localAddress ?? ''),
    localPort: socket.localPort ?? addr.addr.port,
    family,
    ssl: tls !== null && tls.socket !== null,
    tls,
    requests: 0,
    startTime: Date.now(),
  };
}

/** IPv4-mapped IPv6 addresses as nginx prints them for an IPv4 listener. */
function normalizeAddress(a: string): string {
  return a.startsWith('::ffff:') && a.includes('.') ? a.slice(7) : a;
}

/** The response headers nginx keeps as fields (ngx_http_headers_out_t) plus the rest in order. */
export class HeadersOut {
  status = 0;
  /** A status line taken from the upstream (`200 Okay`), used as is unless an error status replaces it. */
  statusLine = '';
  contentType = '';
  /** -1 when unknown (the body is then sent chunked or until close). */
  contentLength = -1;
  /** null when there is no Location header; relative values are made absolute by the header filter. */
  location: string | null = null;
  lastModified = -1;
  /** add_header Last-Modified put the header in the list: the fixed one is not written. */
  lastModifiedInList = false;
  /**
   * r->headers_out.server / .date were set by an upstream (proxy_pass_header Server, Date): nginx's
   * own header is not written; the upstream's, if any, is in `headers`.
   */
  serverInList = false;
  dateInList = false;
  /** Headers without a field of their own, in the order they were added. */
  readonly headers: [string, string][] = [];
}

export class HttpRequest {
  readonly headersOut = new HeadersOut();
  /** The client's address, port and family; the realip module may replace them for the request. */
  remoteAddress: string;
  remotePort: number;
  remoteFamily: 'inet' | 'inet6' | 'unix';
  /** The realip module replaced the address (it does so once per request). */
  realIpDone = false;
  /** `$uri`: changed by rewrites and internal redirects. */
  uri: string;
  args: string;
  exten: string;
  server: CompiledServer;
  /** The location whose configuration is in force, or null for the server's own. */
  loc: LocationConf | null = null;
  /** The location configuration in force (r->loc_conf). */
  conf: HttpLocConf;
  /** Regex captures of the last matched location or server name. */
  captures: RegExpExecArray | null;
  keepalive: boolean;
  /** r->lingering_close: the client may still be sending a body when we answer. */
  lingeringClose: boolean;
  /** r->internal: set by internal redirects; `internal` locations accept only these. */
  internal = false;
  /** NGX_HTTP_MAX_URI_CHANGES + 1: internal redirects left before nginx gives up with 500. */
  uriChanges = 11;
  /** r->valid_location: false after `rewrite … break`, where `alias` can no longer map the URI. */
  validLocation = true;
  /** r->err_status: the status the response goes out with, whatever the handler set. */
  errStatus = 0;
  /** `$request_method`: error_page redirects turn all but HEAD into GET. */
  method: string;
  /** r->access_code: a 401/403 held while `satisfy any` tries the other access handlers. */
  accessCode = 0;
  /** r->error_page: an error_page redirect happened (no second one unless recursive). */
  errorPage = false;
  headerOnly: boolean;
  headerSent = false;
  /** r->allow_ranges: the static module serves ranges of this response. */
  allowRanges = false;
  /** What the range filter decided for the body (null: the whole body). */
  rangePlan: RangePlan | null = null;
  /** The body goes out with chunked transfer encoding. */
  chunked = false;
  /** r->discard_body: the body is being read and thrown away (the 413 check no longer applies). */
  discardBody = false;
  /** r->expect_tested: `Expect: 100-continue` was answered or is moot. */
  expectTested = false;
  readonly startTime = Date.now();
  /** Variable slots (r->variables): NOT_EVALUATED, a value, or undefined for "not found". */
  readonly values: (string | undefined | typeof NOT_EVALUATED)[];
  /** Bytes written to the client, head included, and the head's share. */
  bytesSent = 0;
  headBytes = 0;
  bodyBytesRead = 0;
  /** The response went out whole ($request_completion). */
  completed = false;
  /** `$remote_user`, once an auth module has parsed the credentials. */
  remoteUser: string | null = null;
  /** `$limit_req_status` / `$limit_conn_status` (null until the module ran). */
  limitReqStatus: string | null = null;
  limitConnStatus: string | null = null;
  /** r->headers_in.content_length_n: the Content-Length, then what the body readers leave in it. */
  contentLengthN: number;
  /** The request body, once read whole (`$request_body`). */
  requestBody: Buffer | null = null;
  /** The log phase ran. */
  logged = false;
  /** r->pipeline: read with the request before it (`$pipe` is `p`). */
  pipeline = false;
  /** Run once when the request is done (ngx_pool_cleanup of the request pool). */
  readonly cleanups: (() => void)[] = [];
  /** The proxy module's state, once the request is proxied. */
  proxy: ProxyRequestState | null = null;
  /** Called when a `set` variable is read before any `set` ran (uninitialized_variable_warn). */
  onUninitialized: ((name: string) => void) | null = null;

  constructor(
    readonly conn: ConnectionInfo,
    readonly head: RequestHead,
    readonly addr: AddressServers,
    readonly vs: VirtualServerMatch,
    readonly variables: readonly VariableDef[] = [],
    /** The main request of a subrequest (r->main): the subrequest shares its variables. */
    readonly parent: HttpRequest | null = null,
  ) {
    this.values = parent ? parent.values : new Array(variables.length).fill(NOT_EVALUATED);
    this.uri = head.uri;
    this.method = head.method;
    this.contentLengthN = head.contentLength;
    this.remoteAddress = parent ? parent.remoteAddress : conn.remoteAddress;
    this.remotePort = parent ? parent.remotePort : conn.remotePort;
    this.remoteFamily = parent ? parent.remoteFamily : conn.family;
    this.args = head.args;
    this.exten = head.exten;
    this.server = vs.server;
    this.conf = vs.server.conf;
    this.captures = vs.captures;
    this.keepalive = head.keepalive;
    this.lingeringClose = head.contentLength > 0 || head.chunked;
    this.headerOnly = head.method === 'HEAD';
  }

  /** Runs the cleanups (once): the request is over, answered or not. */
  release(): void {
    const list = this.cleanups.splice(0);
    for (const c of list) c();
  }

  uninitialized(name: string): void {
    if (this.onUninitialized) this.onUninitialized(name);
  }

  /** The first request header named `name` (case-insensitive), or undefined. */
  header(name: string): string | undefined {
    const lower = name.toLowerCase();
    const headers = this.head.headers;
    for (let i = 0; i < headers.length; i++) if (headers[i]!.name.toLowerCase() === lower) return headers[i]!.value;
    return undefined;
  }
}
