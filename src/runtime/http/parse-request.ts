// Reading an HTTP/1.x request head the way nginx 1.22.1 does (src/http/ngx_http_parse.c and
// src/http/ngx_http_request.c), including its header buffers, so that malformed or oversized
// requests get nginx's exact answers. Strings are latin1-decoded bytes: one char per byte.

import { isUsualUriByte, parseComplexUri } from './normalize-uri.js';
import { asciiLower, latin1 } from './ascii.js';

/** The server-level directives that shape request reading (ngx_http_core_srv_conf_t). */
export interface RequestReadConfig {
  /** `client_header_buffer_size` (1k). */
  clientHeaderBufferSize: number;
  /** `large_client_header_buffers` (4 8k). */
  largeClientHeaderBuffers: { num: number; size: number };
  /** `ignore_invalid_headers` (on). */
  ignoreInvalidHeaders: boolean;
  /** `underscores_in_headers` (off). */
  underscoresInHeaders: boolean;
  /** `merge_slashes` (on). */
  mergeSlashes: boolean;
}

/** nginx's defaults for the request-reading directives. */
export const DEFAULT_REQUEST_READ_CONFIG: Readonly<RequestReadConfig> = Object.freeze({
  clientHeaderBufferSize: 1024,
  largeClientHeaderBuffers: Object.freeze({ num: 4, size: 8192 }),
  ignoreInvalidHeaders: true,
  underscoresInHeaders: false,
  mergeSlashes: true,
});

/** One accepted header line, in arrival order, with the name as the client wrote it. */
export interface RequestHeader {
  name: string;
  value: string;
}

/** The browser guesses of ngx_http_process_user_agent (used by msie_padding, msie_refresh, ...). */
export interface UserAgentFlags {
  msie: boolean;
  msie6: boolean;
  opera: boolean;
  gecko: boolean;
  chrome: boolean;
  safari: boolean;
  konqueror: boolean;
}

/** Where a request's head sits in nginx's header buffers, so a pipelined request can go on from it. */
export interface HeaderBufferState {
  /** Size of the buffer in use. */
  size: number;
  /** Bytes of it already taken before the next request's first byte. */
  used: number;
  /** Large buffers counted against `large_client_header_buffers`. */
  nbusy: number;
}

/** A request head nginx would accept and hand to the phases. */
export interface RequestHead {
  /** `$request_method`. */
  method: string;
  /** `$request`: the request line without CRLF. */
  requestLine: string;
  /** `$request_uri`: the URI as sent (path part only for absolute URIs). */
  unparsedUri: string;
  /** False after `http://host?args`, where nginx's `$uri` is not a prefix of the raw URI. */
  validUnparsedUri: boolean;
  /** `$uri`: decoded and normalised. */
  uri: string;
  /** `$args`. */
  args: string;
  /** The extension nginx found after the last `.` of the last segment. */
  exten: string;
  /** r->quoted_uri: the URI had `%XX` escapes (proxy_pass then re-escapes the URI it sends). */
  quotedUri: boolean;
  /** `http` in `GET http://host/`; empty for origin-form. */
  schema: string;
  /** nginx's encoding: 9, 1000, 1001 ... */
  httpVersion: number;
  /** `$server_protocol`: as sent, up to the CR; empty for HTTP/0.9. */
  httpProtocol: string;
  headers: RequestHeader[];
  /** The validated server name: lower-cased, no port, no trailing dot; request line wins over Host. */
  host: string | undefined;
  /** `Content-Length` as a number, -1 when absent or superseded by chunked. */
  contentLength: number;
  chunked: boolean;
  /** From `Connection`: nginx looks for `close`, then `keep-alive`, anywhere in the value. */
  connectionType: 'close' | 'keep-alive' | undefined;
  /** What ngx_http_handler would set r->keepalive to. */
  keepalive: boolean;
  userAgent: UserAgentFlags;
  /** `$request_length` so far: the head from the first byte of the request line. */
  requestLength: number;
}

/**
 * The outcome of feeding bytes:
 *   again  - nginx would wait for more bytes
 *   head   - a complete head; `rest` holds the bytes after it (body or a pipelined request)
 *   error  - nginx answers `status` (its internal code: 494 is sent as 400 with its own page) and
 *            closes; `http09` means the answer has no status line or headers; `respond` is false
 *            when the client went away and nothing is sent (the status is only logged);
 *            `lingeringClose` is r->lingering_close: nginx drains the client before closing
 *   closed - the client closed before sending a byte; nginx closes silently
 */
export type ParseRequestResult =
  | { kind: 'again' }
  | { kind: 'head'; head: RequestHead; consumed: number; rest: Buffer; buffer: HeaderBufferState }
  | {
      kind: 'error';
      status: number;
      reason: string;
      close: true;
      respond: boolean;
      lingeringClose: boolean;
      http09: boolean;
      requestLine: string | undefined;
      /** The method, once nginx has read it (a HEAD is answered without a body). */
      method: string;
      /** The request line's parts when it was read whole (the error came from a header). */
      line: { uri: string; args: string; exten: string; unparsedUri: string; httpVersion: number; httpProtocol: string } | undefined;
      /** `$request_length` so far: the request line and the header lines accepted before the error. */
      requestLength: number;
      /** The header lines accepted before the error (r->headers_in so far: logs show them). */
      headers: RequestHeader[];
    }
  | { kind: 'closed' };

type ErrorResult = Extract<ParseRequestResult, { kind: 'error' }>;

// Return codes of the two line parsers (NGX_OK / NGX_AGAIN / NGX_HTTP_PARSE_*).
const enum Rc {
  Ok,
  Again,
  HeaderDone,
  InvalidMethod,
  InvalidRequest,
  InvalidVersion,
  Invalid09Method,
  InvalidHeader,
}

const CR = 0x0d;
const LF = 0x0a;
const SP = 0x20;


function isUpperAlpha(ch: number): boolean {
  return ch >= 0x41 && ch <= 0x5a;
}

function isLowerOrUpperAlpha(ch: number): boolean {
  const c = ch | 0x20;
  return c >= 0x61 && c <= 0x7a;
}

function isDigit(ch: number): boolean {
  return ch >= 0x30 && ch <= 0x39;
}

const enum Rl {
  Start,
  Method,
  SpacesBeforeUri,
  Schema,
  SchemaSlash,
  SchemaSlashSlash,
  HostStart,
  Host,
  HostEnd,
  HostIpLiteral,
  Port,
  AfterSlashInUri,
  CheckUri,
  Uri,
  Http09,
  HttpH,
  HttpHT,
  HttpHTT,
  HttpHTTP,
  FirstMajorDigit,
  MajorDigit,
  FirstMinorDigit,
  MinorDigit,
  SpacesAfterDigit,
  AlmostDone,
}

// The pointers nginx keeps in ngx_http_request_t while it parses the request line; offsets are
// into the request's byte stream, -1 for NULL.
class RequestLineState {
  state: Rl = Rl.Start;
  requestStart = 0;
  requestEnd = -1;
  method = '';
  schemaStart = -1;
  schemaEnd = -1;
  hostStart = -1;
  hostEnd = -1;
  uriStart = -1;
  uriEnd = -1;
  uriExt = -1;
  argsStart = -1;
  httpProtocolStart = -1;
  httpMajor = 0;
  httpMinor = 0;
  httpVersion = 1000;
  complexUri = false;
  quotedUri = false;
  emptyPathInUri = false;

  // ngx_http_parse_request_line (1.22.1: CONNECT takes a path, the host excludes the port)
  parse(b: Buffer, from: number, last: number): { rc: Rc; pos: number } {
    let state = this.state;
    let p = from;
    for (; p < last; p++) {
      const ch = b[p] as number;
      switch (state) {
        case Rl.Start:
          this.requestStart = p;
          if (ch === CR || ch === LF) {
            break;
          }
          if (!isUpperAlpha(ch) && ch !== 0x5f && ch !== 0x2d) {
            return this.stop(state, p, Rc.InvalidMethod);
          }
          state = Rl.Method;
          break;

        case Rl.Method:
          if (ch === SP) {
            this.method = latin1(b, this.requestStart, p);
            state = Rl.SpacesBeforeUri;
            break;
          }
          if (!isUpperAlpha(ch) && ch !== 0x5f && ch !== 0x2d) {
            return this.stop(state, p, Rc.InvalidMethod);
          }
          break;

        case Rl.SpacesBeforeUri:
          if (ch === 0x2f) {
            this.uriStart = p;
            state = Rl.AfterSlashInUri;
            break;
          }
          if (isLowerOrUpperAlpha(ch)) {
            this.schemaStart = p;
            state = Rl.Schema;
            break;
          }
          if (ch !== SP) {
            return this.stop(state, p, Rc.InvalidRequest);
          }
          break;

        case Rl.Schema:
          if (isLowerOrUpperAlpha(ch) || isDigit(ch) || ch === 0x2b || ch === 0x2d || ch === 0x2e) {
            break;
          }
          if (ch !== 0x3a) {
            return this.stop(state, p, Rc.InvalidRequest);
          }
          this.schemaEnd = p;
          state = Rl.SchemaSlash;
          break;

        case Rl.SchemaSlash:
          if (ch !== 0x2f) {
            return this.stop(state, p, Rc.InvalidRequest);
          }
          state = Rl.SchemaSlashSlash;
          break;

        case Rl.SchemaSlashSlash:
          if (ch !== 0x2f) {
            return this.stop(state, p, Rc.InvalidRequest);
          }
          state = Rl.HostStart;
          break;

        case Rl.HostStart:
        case Rl.Host:
        case Rl.HostEnd: {
          if (state === Rl.HostStart) {
            this.hostStart = p;
            if (ch === 0x5b) {
              state = Rl.HostIpLiteral;
              break;
            }
            state = Rl.Host;
          }
          if (state === Rl.Host && (isLowerOrUpperAlpha(ch) || isDigit(ch) || ch === 0x2e || ch === 0x2d)) {
            break;
          }
          this.hostEnd = p;
          if (ch === 0x3a) {
            state = Rl.Port;
            break;
          }
          const next = this.afterAuthority(ch, p);
          if (next === undefined) {
            return this.stop(state, p, Rc.InvalidRequest);
          }
          state = next;
          break;
        }

        case Rl.HostIpLiteral:
          if (isDigit(ch) || isLowerOrUpperAlpha(ch)) {
            break;
          }
          if (ch === 0x5d) {
            state = Rl.HostEnd;
            break;
          }
          // ':' and the unreserved and sub-delims characters of RFC 3986
          if (":-._~!$&'()*+,;=".includes(String.fromCharCode(ch))) {
            break;
          }
          return this.stop(state, p, Rc.InvalidRequest);

        case Rl.Port: {
          if (isDigit(ch)) {
            break;
          }
          const next = this.afterAuthority(ch, p);
          if (next === undefined) {
            return this.stop(state, p, Rc.InvalidRequest);
          }
          state = next;
          break;
        }

        case Rl.AfterSlashInUri:
          if (isUsualUriByte(ch)) {
            state = Rl.CheckUri;
            break;
          }
          switch (ch) {
            case SP:
              this.uriEnd = p;
              state = Rl.Http09;
              break;
            case CR:
              this.uriEnd = p;
              this.httpMinor = 9;
              state = Rl.AlmostDone;
              break;
            case LF:
              this.uriEnd = p;
              this.httpMinor = 9;
              return this.done(p);
            case 0x2e: // '.'
            case 0x2f: // '/'
            case 0x23: // '#'
              this.complexUri = true;
              state = Rl.Uri;
              break;
            case 0x25: // '%'
              this.quotedUri = true;
              state = Rl.Uri;
              break;
            case 0x3f: // '?'
              this.argsStart = p + 1;
              state = Rl.Uri;
              break;
            case 0x2b: // '+'
              break;
            default:
              if (ch < 0x20 || ch === 0x7f) {
                return this.stop(state, p, Rc.InvalidRequest);
              }
              state = Rl.CheckUri;
              break;
          }
          break;

        case Rl.CheckUri:
          if (isUsualUriByte(ch)) {
            break;
          }
          switch (ch) {
            case 0x2f:
              this.uriExt = -1;
              state = Rl.AfterSlashInUri;
              break;
            case 0x2e:
              this.uriExt = p + 1;
              break;
            case SP:
              this.uriEnd = p;
              state = Rl.Http09;
              break;
            case CR:
              this.uriEnd = p;
              this.httpMinor = 9;
              state = Rl.AlmostDone;
              break;
            case LF:
              this.uriEnd = p;
              this.httpMinor = 9;
              return this.done(p);
            case 0x25:
              this.quotedUri = true;
              state = Rl.Uri;
              break;
            case 0x3f:
              this.argsStart = p + 1;
              state = Rl.Uri;
              break;
            case 0x23:
              this.complexUri = true;
              state = Rl.Uri;
              break;
            case 0x2b:
              break;
            default:
              if (ch < 0x20 || ch === 0x7f) {
                return this.stop(state, p, Rc.InvalidRequest);
              }
              break;
          }
          break;

        case Rl.Uri:
          if (isUsualUriByte(ch)) {
            break;
          }
          switch (ch) {
            case SP:
              this.uriEnd = p;
              state = Rl.Http09;
              break;
            case CR:
              this.uriEnd = p;
              this.httpMinor = 9;
              state = Rl.AlmostDone;
              break;
            case LF:
              this.uriEnd = p;
              this.httpMinor = 9;
              return this.done(p);
            case 0x23:
              this.complexUri = true;
              break;
            default:
              if (ch < 0x20 || ch === 0x7f) {
                return this.stop(state, p, Rc.InvalidRequest);
              }
              break;
          }
          break;

        case Rl.Http09:
          switch (ch) {
            case SP:
              break;
            case CR:
              this.httpMinor = 9;
              state = Rl.AlmostDone;
              break;
            case LF:
              this.httpMinor = 9;
              return this.done(p);
            case 0x48: // 'H'
              this.httpProtocolStart = p;
              state = Rl.HttpH;
              break;
            default:
              return this.stop(state, p, Rc.InvalidRequest);
          }
          break;

        case Rl.HttpH:
        case Rl.HttpHT:
        case Rl.HttpHTT:
        case Rl.HttpHTTP: {
          const expected = 'TTP/'.charCodeAt(state - Rl.HttpH);
          if (ch !== expected) {
            return this.stop(state, p, Rc.InvalidRequest);
          }
          state = state === Rl.HttpHTTP ? Rl.FirstMajorDigit : state + 1;
          break;
        }

        case Rl.FirstMajorDigit:
          if (ch < 0x31 || ch > 0x39) {
            return this.stop(state, p, Rc.InvalidRequest);
          }
          this.httpMajor = ch - 0x30;
          if (this.httpMajor > 1) {
            return this.stop(state, p, Rc.InvalidVersion);
          }
          state = Rl.MajorDigit;
          break;

        case Rl.MajorDigit:
          if (ch === 0x2e) {
            state = Rl.FirstMinorDigit;
            break;
          }
          if (!isDigit(ch)) {
            return this.stop(state, p, Rc.InvalidRequest);
          }
          this.httpMajor = this.httpMajor * 10 + (ch - 0x30);
          if (this.httpMajor > 1) {
            return this.stop(state, p, Rc.InvalidVersion);
          }
          break;

        case Rl.FirstMinorDigit:
          if (!isDigit(ch)) {
            return this.stop(state, p, Rc.InvalidRequest);
          }
          this.httpMinor = ch - 0x30;
          state = Rl.MinorDigit;
          break;

        case Rl.MinorDigit:
          if (ch === CR) {
            state = Rl.AlmostDone;
            break;
          }
          if (ch === LF) {
            return this.done(p);
          }
          if (ch === SP) {
            state = Rl.SpacesAfterDigit;
            break;
          }
          if (!isDigit(ch) || this.httpMinor > 99) {
            return this.stop(state, p, Rc.InvalidRequest);
          }
          this.httpMinor = this.httpMinor * 10 + (ch - 0x30);
          break;

        case Rl.SpacesAfterDigit:
          switch (ch) {
            case SP:
              break;
            case CR:
              state = Rl.AlmostDone;
              break;
            case LF:
              return this.done(p);
            default:
              return this.stop(state, p, Rc.InvalidRequest);
          }
          break;

        case Rl.AlmostDone:
          this.requestEnd = p - 1;
          if (ch !== LF) {
            return this.stop(state, p, Rc.InvalidRequest);
          }
          return this.done(p);
      }
    }
    this.state = state;
    return { rc: Rc.Again, pos: p };
  }

  // What follows the host or port of an absolute URI: the path, '?', or the space before HTTP/.
  private afterAuthority(ch: number, p: number): Rl | undefined {
    switch (ch) {
      case 0x2f:
        this.uriStart = p;
        return Rl.AfterSlashInUri;
      case 0x3f:
        this.uriStart = p;
        this.argsStart = p + 1;
        this.emptyPathInUri = true;
        return Rl.Uri;
      case SP:
        // nginx points the URI at the second '/' of "scheme://" so that $uri is "/"
        this.uriStart = this.schemaEnd + 1;
        this.uriEnd = this.schemaEnd + 2;
        return Rl.Http09;
      default:
        return undefined;
    }
  }

  private stop(state: Rl, p: number, rc: Rc): { rc: Rc; pos: number } {
    this.state = state;
    return { rc, pos: p };
  }

  private done(p: number): { rc: Rc; pos: number } {
    if (this.requestEnd < 0) {
      this.requestEnd = p;
    }
    this.httpVersion = this.httpMajor * 1000 + this.httpMinor;
    this.state = Rl.Start;
    if (this.httpVersion === 9 && this.method !== 'GET') {
      return { rc: Rc.Invalid09Method, pos: p + 1 };
    }
    return { rc: Rc.Ok, pos: p + 1 };
  }
}

const enum Hl {
  Start,
  Name,
  SpaceBeforeValue,
  Value,
  SpaceAfterValue,
  AlmostDone,
  HeaderAlmostDone,
}

// Bytes that may appear in a header name as-is: letters (folded), digits and '-'.
function lowcase(ch: number): number {
  if (isUpperAlpha(ch)) {
    return ch | 0x20;
  }
  if ((ch >= 0x61 && ch <= 0x7a) || isDigit(ch) || ch === 0x2d) {
    return ch;
  }
  return 0;
}

// The pointers of ngx_http_parse_header_line, as stream offsets.
class HeaderLineState {
  state: Hl = Hl.Start;
  nameStart = -1;
  nameEnd = -1;
  valueStart = -1;
  valueEnd = -1;
  invalidHeader = false;

  // ngx_http_parse_header_line (1.22.1: only ' ' counts as whitespace around the value)
  parse(b: Buffer, from: number, last: number, allowUnderscores: boolean): { rc: Rc; pos: number } {
    let state = this.state;
    let p = from;
    for (; p < last; p++) {
      const ch = b[p] as number;
      switch (state) {
        case Hl.Start:
          this.nameStart = p;
          this.invalidHeader = false;
          if (ch === CR) {
            this.valueEnd = p;
            state = Hl.HeaderAlmostDone;
            break;
          }
          if (ch === LF) {
            this.valueEnd = p;
            return this.finish(p, Rc.HeaderDone);
          }
          state = Hl.Name;
          if (lowcase(ch) !== 0) {
            break;
          }
          if (ch === 0x5f) {
            this.invalidHeader = !allowUnderscores;
            break;
          }
          if (ch <= 0x20 || ch === 0x7f || ch === 0x3a) {
            this.valueEnd = p;
            return this.fail(state, p);
          }
          this.invalidHeader = true;
          break;

        case Hl.Name:
          if (lowcase(ch) !== 0) {
            break;
          }
          if (ch === 0x5f) {
            if (!allowUnderscores) {
              this.invalidHeader = true;
            }
            break;
          }
          if (ch === 0x3a) {
            this.nameEnd = p;
            state = Hl.SpaceBeforeValue;
            break;
          }
          if (ch === CR || ch === LF) {
            // a line without ':' is a header with an empty value
            this.nameEnd = p;
            this.valueStart = p;
            this.valueEnd = p;
            if (ch === LF) {
              return this.finish(p, Rc.Ok);
            }
            state = Hl.AlmostDone;
            break;
          }
          if (ch <= 0x20 || ch === 0x7f) {
            this.valueEnd = p;
            return this.fail(state, p);
          }
          this.invalidHeader = true;
          break;

        case Hl.SpaceBeforeValue:
          switch (ch) {
            case SP:
              break;
            case CR:
              this.valueStart = p;
              this.valueEnd = p;
              state = Hl.AlmostDone;
              break;
            case LF:
              this.valueStart = p;
              this.valueEnd = p;
              return this.finish(p, Rc.Ok);
            case 0:
              this.valueEnd = p;
              return this.fail(state, p);
            default:
              this.valueStart = p;
              state = Hl.Value;
              break;
          }
          break;

        case Hl.Value:
          switch (ch) {
            case SP:
              this.valueEnd = p;
              state = Hl.SpaceAfterValue;
              break;
            case CR:
              this.valueEnd = p;
              state = Hl.AlmostDone;
              break;
            case LF:
              this.valueEnd = p;
              return this.finish(p, Rc.Ok);
            case 0:
              this.valueEnd = p;
              return this.fail(state, p);
          }
          break;

        case Hl.SpaceAfterValue:
          switch (ch) {
            case SP:
              break;
            case CR:
              state = Hl.AlmostDone;
              break;
            case LF:
              return this.finish(p, Rc.Ok);
            case 0:
              this.valueEnd = p;
              return this.fail(state, p);
            default:
              state = Hl.Value;
              break;
          }
          break;

        case Hl.AlmostDone:
          if (ch === LF) {
            return this.finish(p, Rc.Ok);
          }
          if (ch !== CR) {
            return this.fail(state, p);
          }
          break;

        case Hl.HeaderAlmostDone:
          if (ch === LF) {
            return this.finish(p, Rc.HeaderDone);
          }
          return this.fail(state, p);
      }
    }
    this.state = state;
    return { rc: Rc.Again, pos: p };
  }

  private finish(p: number, rc: Rc): { rc: Rc; pos: number } {
    this.state = Hl.Start;
    return { rc, pos: p + 1 };
  }

  private fail(state: Hl, p: number): { rc: Rc; pos: number } {
    this.state = state;
    return { rc: Rc.InvalidHeader, pos: p };
  }
}

// ngx_http_validate_host
/**
 * nginx's check of a host name from the request line or the Host header: rejects `..`, `/`,
 * NUL, controls and spaces; strips the port and one trailing dot; lower-cases. Undefined = 400.
 */
export function validateHost(host: string): string | undefined {
  const enum Hs {
    Usual,
    Literal,
    Rest,
  }
  let dotPos = host.length;
  let hostLen = host.length;
  let state = Hs.Usual;
  for (let i = 0; i < host.length; i++) {
    const ch = host.charCodeAt(i);
    switch (ch) {
      case 0x2e:
        if (dotPos === i - 1) {
          return undefined;
        }
        dotPos = i;
        break;
      case 0x3a:
        if (state === Hs.Usual) {
          hostLen = i;
          state = Hs.Rest;
        }
        break;
      case 0x5b:
        if (i === 0) {
          state = Hs.Literal;
        }
        break;
      case 0x5d:
        if (state === Hs.Literal) {
          hostLen = i + 1;
          state = Hs.Rest;
        }
        break;
      default:
        if (ch === 0x2f || ch <= 0x20 || ch === 0x7f) {
          return undefined;
        }
        break;
    }
  }
  if (dotPos === hostLen - 1) {
    hostLen--;
  }
  if (hostLen <= 0) {
    return undefined;
  }
  return host.slice(0, hostLen).replace(/[A-Z]+/g, (m) => m.toLowerCase());
}

const MAX_OFF_T = 9223372036854775807n;

// ngx_atoof
/** A non-negative decimal that fits nginx's off_t, as `Content-Length` must be; undefined = 400. */
export function parseOffT(s: string): number | undefined {
  if (s.length === 0 || !/^[0-9]+$/.test(s)) {
    return undefined;
  }
  if (s.length < 16) {
    return Number(s);
  }
  const n = BigInt(s);
  return n > MAX_OFF_T ? undefined : Number(n);
}

/** What a refused request's head had read; refusedHead fills in the rest. */
export type RefusedRead = Pick<RequestHead, 'method' | 'requestLine' | 'unparsedUri' | 'uri' | 'args' | 'exten' | 'httpVersion' | 'httpProtocol' | 'headers' | 'requestLength'>;

/**
 * The head of a request refused before it was understood (HTTP/1.x and HTTP/2): what was read,
 * enough for the error page and the log, and no host, body length, chunking or keep-alive.
 */
export function refusedHead(read: RefusedRead): RequestHead {
  return {
    method: read.method,
    requestLine: read.requestLine,
    unparsedUri: read.unparsedUri,
    validUnparsedUri: false,
    uri: read.uri,
    args: read.args,
    exten: read.exten,
    quotedUri: false,
    schema: '',
    httpVersion: read.httpVersion,
    httpProtocol: read.httpProtocol,
    headers: read.headers,
    host: undefined,
    contentLength: -1,
    chunked: false,
    connectionType: undefined,
    keepalive: false,
    userAgent: userAgentFlags(undefined),
    requestLength: read.requestLength,
  };
}

// ngx_http_process_user_agent
/** The browser flags nginx derives from the first User-Agent header. */
export function userAgentFlags(ua: string | undefined): UserAgentFlags {
  const f: UserAgentFlags = {
    msie: false,
    msie6: false,
    opera: false,
    gecko: false,
    chrome: false,
    safari: false,
    konqueror: false,
  };
  if (ua === undefined) {
    return f;
  }
  const m = ua.indexOf('MSIE ');
  if (m >= 0 && m + 7 < ua.length) {
    f.msie = true;
    if (ua[m + 6] === '.') {
      const major = ua[m + 5];
      if (major === '4' || major === '5') {
        f.msie6 = true;
      } else if (major === '6' && ua.indexOf('SV1', m + 8) < 0) {
        f.msie6 = true;
      }
    }
  }
  if (ua.includes('Opera')) {
    f.opera = true;
    f.msie = false;
    f.msie6 = false;
  }
  if (!f.msie && !f.opera) {
    if (ua.includes('Gecko/')) {
      f.gecko = true;
    } else if (ua.includes('Chrome/')) {
      f.chrome = true;
    } else if (ua.includes('Safari/') && ua.includes('Mac OS X')) {
      f.safari = true;
    } else if (ua.includes('Konqueror')) {
      f.konqueror = true;
    }
  }
  return f;
}

// Headers whose second occurrence is a 400 (ngx_http_process_unique_header_line in 1.22.1).
const UNIQUE_HEADERS: ReadonlySet<string> = new Set([
  'if-modified-since',
  'if-unmodified-since',
  'if-match',
  'if-none-match',
  'content-length',
  'content-range',
  'if-range',
  'transfer-encoding',
  'expect',
  'authorization',
]);

function containsIgnoreCase(hay: string, needle: string): boolean {
  return asciiLower(hay).includes(needle);
}

/** Options of a request reader beyond the directives. */
export interface RequestParserOptions {
  /**
   * Called when nginx would pick the virtual server (ngx_http_set_virtual_server): with the host
   * of an absolute URI, else the first Host header. Returning a config switches to that server's
   * directives for the rest of the head, as nginx does; merge_slashes has by then been applied
   * with the default server's value, as in nginx.
   */
  onHost?: (host: string) => RequestReadConfig | undefined;
  /** Where a pipelined request starts in the previous request's buffer (default: a fresh one). */
  buffer?: HeaderBufferState;
}

// ngx_http_process_request_line, ngx_http_process_request_headers, ngx_http_read_request_header
/**
 * Reads one request head from a connection's bytes, as ngx_http_process_request_line and
 * ngx_http_process_request_headers do, including the header-buffer limits that give 414 and 494.
 */
export class RequestParser {
  private config: RequestReadConfig;
  private readonly onHost: ((host: string) => RequestReadConfig | undefined) | undefined;
  private data: Buffer = Buffer.alloc(0);
  private pos = 0;
  private phase: 'line' | 'headers' | 'finished' = 'line';
  private result: ParseRequestResult | undefined;
  // nginx's current header buffer as a window [bufStart, bufStart + bufSize) of the stream
  private bufStart: number;
  private bufSize: number;
  private nbusy: number;
  private readonly line = new RequestLineState();
  private readonly header = new HeaderLineState();
  private readonly headers: RequestHeader[] = [];
  private seenUnique = new Set<string>();
  private hostHeader: string | undefined;
  private server: string | undefined;
  private contentLengthValue: string | undefined;
  private transferEncodingValue: string | undefined;
  private userAgent: string | undefined;
  private connectionType: 'close' | 'keep-alive' | undefined;
  private head: Omit<RequestHead, 'headers' | 'host' | 'contentLength' | 'chunked' | 'connectionType' | 'keepalive' | 'userAgent' | 'requestLength'> | undefined;

  constructor(config: RequestReadConfig = DEFAULT_REQUEST_READ_CONFIG, options: RequestParserOptions = {}) {
    this.config = config;
    this.onHost = options.onHost;
    const buffer = options.buffer;
    this.bufSize = buffer ? buffer.size : config.clientHeaderBufferSize;
    this.bufStart = buffer ? -buffer.used : 0;
    this.nbusy = buffer ? buffer.nbusy : 0;
  }

  /** Adds bytes from the client and parses as far as nginx would. */
  feed(chunk: Buffer): ParseRequestResult {
    if (this.result !== undefined) {
      return this.result;
    }
    this.data = this.data.length === 0 ? chunk : Buffer.concat([this.data, chunk]);
    return this.run();
  }

  /** The client closed its side: nginx logs 400 for a partial head and sends nothing. */
  end(): ParseRequestResult {
    if (this.result !== undefined) {
      return this.result;
    }
    if (this.data.length === 0) {
      this.result = { kind: 'closed' };
      return this.result;
    }
    const result = this.fail(400, 'client prematurely closed connection', false);
    // Between header lines every complete line counts in r->request_length.
    if (this.head && this.header.state === Hl.Start) result.requestLength = this.pos - this.line.requestStart;
    return result;
  }

  private run(): ParseRequestResult {
    for (;;) {
      const bufEnd = this.bufStart + this.bufSize;
      const last = Math.min(this.data.length, bufEnd);
      if (this.phase === 'line') {
        const { rc, pos } = this.line.parse(this.data, this.pos, last);
        this.pos = pos;
        if (rc === Rc.Again) {
          if (this.pos < bufEnd) {
            return { kind: 'again' };
          }
          const err = this.allocLargeHeaderBuffer(true);
          if (err) {
            return err;
          }
          continue;
        }
        const err = rc === Rc.Ok ? this.processRequestLine() : this.requestLineError(rc);
        if (err) {
          return err;
        }
        if (this.line.httpVersion < 1000) {
          // HTTP/0.9 has no headers
          return this.finish();
        }
        continue;
      }

      const { rc, pos } = this.header.parse(this.data, this.pos, last, this.config.underscoresInHeaders);
      this.pos = pos;
      if (rc === Rc.Again) {
        if (this.pos < bufEnd) {
          return { kind: 'again' };
        }
        const err = this.allocLargeHeaderBuffer(false);
        if (err) {
          return err;
        }
        continue;
      }
      if (rc === Rc.InvalidHeader) {
        // The line up to the offending byte (r->header_end), then that byte in hex.
        const h = this.header;
        const bad = (this.data[h.valueEnd] ?? 0).toString(16).padStart(2, '0');
        return this.fail(400, `client sent invalid header line: "${latin1(this.data, h.nameStart, h.valueEnd)}\\x${bad}..."`);
      }
      if (rc === Rc.HeaderDone) {
        const err = this.processRequestHeader();
        return err ?? this.finish();
      }
      const err = this.processHeaderLine();
      if (err) {
        return err;
      }
    }
  }

  // ngx_http_alloc_large_header_buffer: what happens when the parser reaches the end of a buffer
  private allocLargeHeaderBuffer(requestLine: boolean): ErrorResult | undefined {
    const state = requestLine ? this.line.state : this.header.state;
    if (requestLine && state === Rl.Start) {
      // the client filled the buffer with CRLFs: nginx starts it over
      this.bufStart = this.pos;
      return undefined;
    }
    const { num, size } = this.config.largeClientHeaderBuffers;
    const old = requestLine ? this.line.requestStart : this.header.nameStart;
    const tooLarge = (): ErrorResult => {
      if (requestLine) {
        return this.fail(414, 'client sent too long URI');
      }
      const reason = old < 0 ? 'client sent too large request' : 'client sent too long header line';
      return this.fail(494, reason);
    };
    if (state !== 0 && this.pos - old >= size) {
      return tooLarge();
    }
    if (this.nbusy >= num) {
      return tooLarge();
    }
    this.nbusy++;
    // a partial line moves to the new buffer; between lines nothing is copied
    this.bufStart = state === 0 ? this.pos : old;
    this.bufSize = size;
    return undefined;
  }

  private requestLineError(rc: Rc): ErrorResult {
    switch (rc) {
      case Rc.InvalidMethod:
        return this.fail(400, 'client sent invalid method');
      case Rc.InvalidVersion:
        return this.fail(505, 'client sent invalid version');
      case Rc.Invalid09Method:
        return this.fail(400, 'client sent invalid method in HTTP/0.9 request');
      default:
        return this.fail(400, 'client sent invalid request');
    }
  }

  // ngx_http_process_request_line after a complete line, with ngx_http_process_request_uri
  private processRequestLine(): ErrorResult | undefined {
    const l = this.line;
    const d = this.data;
    const requestLine = latin1(d, l.requestStart, l.requestEnd);
    const rawUri = latin1(d, l.uriStart, l.uriEnd);
    let uri: string;
    let args = '';
    let exten = '';
    if (l.complexUri || l.quotedUri || l.emptyPathInUri) {
      const parsed = parseComplexUri({
        raw: rawUri,
        mergeSlashes: this.config.mergeSlashes,
        emptyPathInUri: l.emptyPathInUri,
      });
      if (!parsed.ok) {
        return this.fail(400, 'client sent invalid request');
      }
      uri = parsed.uri;
      args = parsed.args;
      exten = parsed.exten;
    } else {
      uri = l.argsStart >= 0 ? latin1(d, l.uriStart, l.argsStart - 1) : rawUri;
      if (l.argsStart >= 0 && l.uriEnd > l.argsStart) {
        args = latin1(d, l.argsStart, l.uriEnd);
      }
      if (l.uriExt >= 0) {
        exten = latin1(d, l.uriExt, l.argsStart >= 0 ? l.argsStart - 1 : l.uriEnd);
      }
    }
    this.head = {
      method: l.method,
      requestLine,
      unparsedUri: rawUri,
      validUnparsedUri: !l.emptyPathInUri,
      uri,
      args,
      exten,
      quotedUri: l.quotedUri,
      schema: l.schemaEnd >= 0 ? latin1(d, l.schemaStart, l.schemaEnd) : '',
      httpVersion: l.httpVersion,
      httpProtocol: l.httpProtocolStart >= 0 ? latin1(d, l.httpProtocolStart, l.requestEnd) : '',
    };
    if (l.hostEnd >= 0) {
      const host = validateHost(latin1(d, l.hostStart, l.hostEnd));
      if (host === undefined) {
        return this.fail(400, 'client sent invalid host in request line');
      }
      this.setVirtualServer(host);
    }
    this.phase = l.httpVersion < 1000 ? 'finished' : 'headers';
    return undefined;
  }

  private setVirtualServer(host: string): void {
    this.server = host;
    const config = this.onHost?.(host);
    if (config !== undefined) {
      this.config = config;
    }
  }

  // ngx_http_process_request_headers for one parsed line, with the ngx_http_headers_in handlers
  private processHeaderLine(): ErrorResult | undefined {
    const h = this.header;
    if (h.invalidHeader && this.config.ignoreInvalidHeaders) {
      return undefined;
    }
    const name = latin1(this.data, h.nameStart, h.nameEnd);
    const value = latin1(this.data, h.valueStart, h.valueEnd);
    this.headers.push({ name, value });
    const key = asciiLower(name);
    if (key === 'host') {
      if (this.hostHeader !== undefined) {
        return this.fail(400, 'client sent duplicate host header');
      }
      this.hostHeader = value;
      const host = validateHost(value);
      if (host === undefined) {
        return this.fail(400, 'client sent invalid host header');
      }
      if (this.server === undefined) {
        this.setVirtualServer(host);
      }
      return undefined;
    }
    if (UNIQUE_HEADERS.has(key)) {
      if (this.seenUnique.has(key)) {
        return this.fail(400, 'client sent duplicate header line');
      }
      this.seenUnique.add(key);
      if (key === 'content-length') {
        this.contentLengthValue = value;
      } else if (key === 'transfer-encoding') {
        this.transferEncodingValue = value;
      }
      return undefined;
    }
    if (key === 'connection') {
      if (containsIgnoreCase(value, 'close')) {
        this.connectionType = 'close';
      } else if (containsIgnoreCase(value, 'keep-alive')) {
        this.connectionType = 'keep-alive';
      }
    } else if (key === 'user-agent' && this.userAgent === undefined) {
      this.userAgent = value;
    }
    return undefined;
  }

  // ngx_http_process_request_header
  private processRequestHeader(): ErrorResult | undefined {
    const version = this.line.httpVersion;
    if (this.hostHeader === undefined && version > 1000) {
      return this.fail(400, 'client sent HTTP/1.1 request without "Host" header');
    }
    if (this.contentLengthValue !== undefined && parseOffT(this.contentLengthValue) === undefined) {
      return this.fail(400, 'client sent invalid "Content-Length" header');
    }
    const te = this.transferEncodingValue;
    if (te !== undefined) {
      if (version < 1001) {
        return this.fail(400, 'client sent HTTP/1.0 request with "Transfer-Encoding" header');
      }
      if (te.length !== 7 || asciiLower(te) !== 'chunked') {
        return this.fail(501, 'client sent unknown "Transfer-Encoding"');
      }
      if (this.contentLengthValue !== undefined) {
        return this.fail(400, 'client sent "Content-Length" and "Transfer-Encoding" headers at the same time');
      }
    }
    if (this.line.method === 'CONNECT') {
      return this.fail(405, 'client sent CONNECT method');
    }
    if (this.line.method === 'TRACE') {
      return this.fail(405, 'client sent TRACE method');
    }
    return undefined;
  }

  private finish(): ParseRequestResult {
    const base = this.head;
    if (base === undefined) {
      throw new Error('request head finished before its request line');
    }
    this.phase = 'finished';
    const chunked = this.transferEncodingValue !== undefined;
    const contentLength =
      chunked || this.contentLengthValue === undefined ? -1 : (parseOffT(this.contentLengthValue) ?? -1);
    const connectionType = this.connectionType;
    const keepalive =
      connectionType === 'close' ? false : connectionType === 'keep-alive' ? true : base.httpVersion > 1000;
    // Every field named (no spread): the head keeps one hidden class, and the copy stays cheap.
    const head: RequestHead = {
      method: base.method,
      requestLine: base.requestLine,
      unparsedUri: base.unparsedUri,
      validUnparsedUri: base.validUnparsedUri,
      uri: base.uri,
      args: base.args,
      exten: base.exten,
      quotedUri: base.quotedUri,
      schema: base.schema,
      httpVersion: base.httpVersion,
      httpProtocol: base.httpProtocol,
      headers: this.headers,
      host: this.server,
      contentLength,
      chunked,
      connectionType,
      keepalive: base.httpVersion < 1000 ? false : keepalive,
      userAgent: userAgentFlags(this.userAgent),
      requestLength: this.pos - this.line.requestStart,
    };
    this.result = {
      kind: 'head',
      head,
      consumed: this.pos,
      rest: this.data.subarray(this.pos),
      buffer: { size: this.bufSize, used: this.pos - this.bufStart, nbusy: this.nbusy > 0 ? 1 : 0 },
    };
    return this.result;
  }

  // ngx_http_variable_request_line for a request that failed in its first line: what came from
  // the line's start up to a CR or LF.
  private partialRequestLine(): string | undefined {
    const start = this.line.requestStart;
    if (start < 0 || start >= this.data.length) return undefined;
    let end = start;
    while (end < this.data.length && this.data[end] !== 0x0d && this.data[end] !== 0x0a) end++;
    return latin1(this.data, start, end);
  }

  private fail(status: number, reason: string, respond = true): ErrorResult {
    this.phase = 'finished';
    const requestLine = this.head?.requestLine ?? this.partialRequestLine();
    const result: ErrorResult = {
      kind: 'error',
      status,
      reason,
      close: true,
      respond,
      // set for an oversized header; ngx_http_special_response_handler clears it for a plain 400
      lingeringClose: status === 494,
      // the version is known once the line is complete; HTTP/0.9 answers carry no headers
      http09: this.line.httpVersion < 1000,
      requestLine,
      method: this.line.method,
      line: this.head
        ? {
            uri: this.head.uri,
            args: this.head.args,
            exten: this.head.exten,
            unparsedUri: this.head.unparsedUri,
            httpVersion: this.head.httpVersion,
            httpProtocol: this.head.httpProtocol,
          }
        : undefined,
      requestLength: this.head ? Math.max(0, (this.header.nameStart > this.line.requestStart ? this.header.nameStart : this.pos) - this.line.requestStart) : 0,
      headers: this.headers,
    };
    this.result = result;
    return result;
  }
}

const enum Ck {
  ChunkStart,
  ChunkSize,
  ChunkExtension,
  ChunkExtensionAlmostDone,
  ChunkData,
  AfterData,
  AfterDataAlmostDone,
  LastChunkExtension,
  LastChunkExtensionAlmostDone,
  Trailer,
  TrailerAlmostDone,
  TrailerHeader,
  TrailerHeaderAlmostDone,
}

const MAX_OFF_T_DIV_16 = MAX_OFF_T / 16n;

/** One step of ngx_http_parse_chunked: data (size bytes of chunk follow at pos), again, done or error. */
export type ChunkedRc = 'data' | 'again' | 'done' | 'error';

/**
 * The state of nginx's chunked-body parser (ngx_http_chunked_t). Like nginx, it accepts a bare
 * LF wherever CRLF is expected, chunk extensions, and trailers, which it skips.
 */
export class ChunkedState {
  private state: Ck = Ck.ChunkStart;
  /** Bytes of the current chunk still to come. */
  size = 0n;
  /** The least number of bytes the body still needs (ctx->length). */
  length = 0n;

  // ngx_http_parse_chunked (1.22.1)
  /** Parses from `from`; after 'data' the caller takes up to `size` bytes and lowers `size`. */
  parse(b: Buffer, from: number): { rc: ChunkedRc; pos: number } {
    let state = this.state;
    if (state === Ck.ChunkData && this.size === 0n) {
      state = Ck.AfterData;
    }
    let pos = from;
    let rc: ChunkedRc = 'again';
    scan: for (; pos < b.length; pos++) {
      const ch = b[pos] as number;
      switch (state) {
        case Ck.ChunkStart: {
          const v = hexDigit(ch);
          if (v < 0) {
            return { rc: 'error', pos };
          }
          state = Ck.ChunkSize;
          this.size = BigInt(v);
          break;
        }
        case Ck.ChunkSize: {
          if (this.size > MAX_OFF_T_DIV_16) {
            return { rc: 'error', pos };
          }
          const v = hexDigit(ch);
          if (v >= 0) {
            this.size = this.size * 16n + BigInt(v);
            break;
          }
          if (this.size === 0n) {
            switch (ch) {
              case CR:
                state = Ck.LastChunkExtensionAlmostDone;
                break;
              case LF:
                state = Ck.Trailer;
                break;
              case 0x3b:
              case SP:
              case 0x09:
                state = Ck.LastChunkExtension;
                break;
              default:
                return { rc: 'error', pos };
            }
            break;
          }
          switch (ch) {
            case CR:
              state = Ck.ChunkExtensionAlmostDone;
              break;
            case LF:
              state = Ck.ChunkData;
              break;
            case 0x3b:
            case SP:
            case 0x09:
              state = Ck.ChunkExtension;
              break;
            default:
              return { rc: 'error', pos };
          }
          break;
        }
        case Ck.ChunkExtension:
          if (ch === CR) {
            state = Ck.ChunkExtensionAlmostDone;
          } else if (ch === LF) {
            state = Ck.ChunkData;
          }
          break;
        case Ck.ChunkExtensionAlmostDone:
          if (ch !== LF) {
            return { rc: 'error', pos };
          }
          state = Ck.ChunkData;
          break;
        case Ck.ChunkData:
          rc = 'data';
          break scan;
        case Ck.AfterData:
          if (ch === CR) {
            state = Ck.AfterDataAlmostDone;
          } else if (ch === LF) {
            state = Ck.ChunkStart;
          } else {
            return { rc: 'error', pos };
          }
          break;
        case Ck.AfterDataAlmostDone:
          if (ch !== LF) {
            return { rc: 'error', pos };
          }
          state = Ck.ChunkStart;
          break;
        case Ck.LastChunkExtension:
          if (ch === CR) {
            state = Ck.LastChunkExtensionAlmostDone;
          } else if (ch === LF) {
            state = Ck.Trailer;
          }
          break;
        case Ck.LastChunkExtensionAlmostDone:
          if (ch !== LF) {
            return { rc: 'error', pos };
          }
          state = Ck.Trailer;
          break;
        case Ck.Trailer:
          if (ch === CR) {
            state = Ck.TrailerAlmostDone;
          } else if (ch === LF) {
            this.state = Ck.ChunkStart;
            return { rc: 'done', pos: pos + 1 };
          } else {
            state = Ck.TrailerHeader;
          }
          break;
        case Ck.TrailerAlmostDone:
          if (ch !== LF) {
            return { rc: 'error', pos };
          }
          this.state = Ck.ChunkStart;
          return { rc: 'done', pos: pos + 1 };
        case Ck.TrailerHeader:
          if (ch === CR) {
            state = Ck.TrailerHeaderAlmostDone;
          } else if (ch === LF) {
            state = Ck.Trailer;
          }
          break;
        case Ck.TrailerHeaderAlmostDone:
          if (ch !== LF) {
            return { rc: 'error', pos };
          }
          state = Ck.Trailer;
          break;
      }
    }

    this.state = state;
    if (this.size > MAX_OFF_T - 5n) {
      return { rc: 'error', pos };
    }
    this.length = chunkedLength(state, this.size);
    return { rc, pos };
  }
}

function hexDigit(ch: number): number {
  if (isDigit(ch)) {
    return ch - 0x30;
  }
  const c = ch | 0x20;
  return c >= 0x61 && c <= 0x66 ? c - 0x61 + 10 : -1;
}

// The minimum rest of the body per state, counting bare LFs as nginx 1.22.1 does.
function chunkedLength(state: Ck, size: bigint): bigint {
  switch (state) {
    case Ck.ChunkStart:
      return 3n; // "0" LF LF
    case Ck.ChunkSize:
      return 1n + (size > 0n ? size + 4n : 1n);
    case Ck.ChunkExtension:
    case Ck.ChunkExtensionAlmostDone:
      return 1n + size + 4n;
    case Ck.ChunkData:
      return size + 4n;
    case Ck.AfterData:
    case Ck.AfterDataAlmostDone:
      return 4n;
    case Ck.LastChunkExtension:
    case Ck.LastChunkExtensionAlmostDone:
    case Ck.TrailerHeader:
    case Ck.TrailerHeaderAlmostDone:
      return 2n;
    case Ck.Trailer:
    case Ck.TrailerAlmostDone:
      return 1n;
  }
}

/** What a chunked body decoder produced from one feed; `rest` follows the body (pipelining). */
export type ChunkedDecodeResult =
  | { kind: 'again'; data: Buffer[] }
  | { kind: 'done'; data: Buffer[]; rest: Buffer }
  | { kind: 'error'; data: Buffer[] };

/** Decodes a chunked request body fed in pieces; an error is nginx's 400 "invalid chunked body". */
export class ChunkedDecoder {
  private readonly ctx = new ChunkedState();
  private finished: ChunkedDecodeResult | undefined;

  /** Bytes of the current chunk still to come (nginx checks them against client_max_body_size). */
  get pendingChunkBytes(): bigint {
    return this.ctx.size;
  }

  /** Decodes as much of `buf` as possible. */
  feed(buf: Buffer): ChunkedDecodeResult {
    if (this.finished) {
      return this.finished;
    }
    const data: Buffer[] = [];
    let pos = 0;
    for (;;) {
      const { rc, pos: next } = this.ctx.parse(buf, pos);
      pos = next;
      if (rc === 'data') {
        const take = Number(this.ctx.size < BigInt(buf.length - pos) ? this.ctx.size : BigInt(buf.length - pos));
        data.push(buf.subarray(pos, pos + take));
        this.ctx.size -= BigInt(take);
        pos += take;
        continue;
      }
      if (rc === 'again') {
        return { kind: 'again', data };
      }
      if (rc === 'done') {
        this.finished = { kind: 'done', data: [], rest: Buffer.alloc(0) };
        return { kind: 'done', data, rest: buf.subarray(pos) };
      }
      this.finished = { kind: 'error', data: [] };
      return { kind: 'error', data };
    }
  }
}
