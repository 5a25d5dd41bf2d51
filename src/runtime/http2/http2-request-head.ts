/**
 * The request head of an HTTP/2 stream, as ngx_http_v2_state_process_header and
 * ngx_http_v2_run_request make it: `:method` and `:path` give the request line (checked and
 * normalised by the same code as HTTP/1.x: ngx_http_parse_uri, ngx_http_process_request_uri),
 * `:authority` becomes a `host` header at its place, the `cookie` fields are joined with "; "
 * into one header after the others (ngx_http_v2_construct_cookie_header), and the request line
 * reads `METHOD PATH HTTP/2.0` (ngx_http_v2_construct_request_line).
 *
 * The fields are laid out as an HTTP/1.1 head and read by RequestParser, so that every check
 * nginx shares between the protocols (the URI, Host validation, duplicate unique headers,
 * underscores_in_headers, Content-Length) answers the same. The result is then marked HTTP/2.0.
 */
import { RequestParser, refusedHead, type ParseRequestResult, type RequestHead, type RequestReadConfig } from '../http/parse-request.js';

/** nginx's r->http_version for HTTP/2 (NGX_HTTP_VERSION_20). */
export const HTTP_VERSION_20 = 2000;

export type Http2HeadResult =
  | { readonly kind: 'head'; readonly head: RequestHead }
  | { readonly kind: 'error'; readonly status: number; readonly reason: string; readonly head: RequestHead };

/**
 * Reads the fields of a HEADERS frame (node's raw form: name, value, name, value…). `endStream`:
 * the frame ended the stream (no body). `onHost` picks the server as the Host is read.
 */
export function http2RequestHead(
  raw: readonly string[],
  endStream: boolean,
  read: RequestReadConfig,
  onHost: (host: string) => RequestReadConfig | undefined,
): Http2HeadResult {
  let method = '';
  let path = '';
  const lines: string[] = [];
  const cookies: string[] = [];
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = raw[i]!;
    const value = raw[i + 1]!;
    if (name === ':method') method = value;
    else if (name === ':path') path = value;
    else if (name === ':authority') lines.push(`host: ${value}`);
    else if (name === 'cookie') cookies.push(value);
    else if (!name.startsWith(':')) lines.push(`${name}: ${value}`);
  }
  if (cookies.length) lines.push(`cookie: ${cookies.join('; ')}`);
  const requestLine = `${method} ${path} HTTP/2.0`;
  // ngx_http_v2_construct_request_line: no method or no path is a bad request.
  if (method === '' || path === '') return { kind: 'error', status: 400, reason: 'client sent no :method or :path header', head: bareHead(method, requestLine) };
  const text = `${method} ${path} HTTP/1.1\r\n${lines.map((l) => l + '\r\n').join('')}\r\n`;
  const parser = new RequestParser(read, { onHost });
  const res: ParseRequestResult = parser.feed(Buffer.from(text, 'latin1'));
  if (res.kind === 'head') {
    const head: RequestHead = {
      ...res.head,
      requestLine,
      httpVersion: HTTP_VERSION_20,
      httpProtocol: 'HTTP/2.0',
      keepalive: true,
      connectionType: undefined,
      // ngx_http_v2_run_request: a body without content-length is read as it comes, like a chunked one.
      chunked: res.head.contentLength < 0 && !endStream,
    };
    return { kind: 'head', head };
  }
  if (res.kind === 'error') {
    const line = res.line;
    // Refused while the fields were read: ngx_http_v2_construct_request_line never ran, so the
    // request has no request line ($request and the error log's `request:` are absent).
    const head: RequestHead = {
      ...bareHead(res.method || method, ''),
      unparsedUri: line?.unparsedUri ?? '',
      uri: line?.uri ?? '',
      args: line?.args ?? '',
      exten: line?.exten ?? '',
    };
    return { kind: 'error', status: res.status, reason: res.reason, head };
  }
  // A whole head was given: the parser cannot want more.
  return { kind: 'error', status: 400, reason: 'client sent invalid header', head: bareHead(method, requestLine) };
}

/** The head of a stream refused before its fields were understood: enough for the error page and the log. */
function bareHead(method: string, requestLine: string): RequestHead {
  return refusedHead({
    method,
    requestLine,
    unparsedUri: '',
    uri: '',
    args: '',
    exten: '',
    httpVersion: HTTP_VERSION_20,
    httpProtocol: 'HTTP/2.0',
    headers: [],
    requestLength: requestLine.length,
  });
}
