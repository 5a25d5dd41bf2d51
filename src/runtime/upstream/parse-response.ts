/**
 * Reading an upstream's response head as nginx 1.22 does: ngx_http_parse_status_line (through
 * ngx_http_proxy_process_status_line) and ngx_http_parse_header_line with underscores allowed
 * (through ngx_http_proxy_process_header), byte by byte, within proxy_buffer_size. Then the
 * upstream header handlers that matter for framing: Content-Length (ngx_atoof; an invalid value
 * means "unknown"), Transfer-Encoding (contains "chunked"), Connection (contains "close").
 * Strings are latin1.
 */
import { EMPTY_BUFFER as EMPTY } from '../empty-buffer.js';

export interface UpstreamHead {
  readonly status: number;
  /**
   * The status line after the version, as nginx keeps it for the client: from the code to the end
   * of the line (`404 Not Found`, or `200` when the upstream sent no reason phrase).
   */
  readonly statusLine: string;
  /** 1000 for HTTP/1.0, 1001 for HTTP/1.1; 9 when the upstream sent no valid status line. */
  readonly httpVersion: number;
  readonly headers: readonly [string, string][];
  /** -1 when unknown (none, invalid, or chunked). */
  readonly contentLength: number;
  readonly chunked: boolean;
  /** Connection: close, or an HTTP/1.0 (or 0.9) response. */
  readonly close: boolean;
}

export type ParseResponseResult =
  | { kind: 'again' }
  | { kind: 'head'; head: UpstreamHead; rest: Buffer }
  | { kind: 'error'; message: string };

const CR = 0x0d;
const LF = 0x0a;

// ngx_http_parse_header_line's lowcase table: the bytes a header name may have without
// invalid_header (which the proxy module ignores anyway).
function isTokenByte(c: number): boolean {
  return c === 0x2d || (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a);
}

type StatusResult = { kind: 'again' } | { kind: 'error' } | { kind: 'done'; pos: number; version: number; code: number; line: string };

// ngx_http_parse_status_line
function parseStatusLine(d: Buffer): StatusResult {
  let state = 0;
  let major = 0;
  let minor = 0;
  let code = 0;
  let count = 0;
  let start = -1;
  for (let p = 0; p < d.length; p++) {
    const ch = d[p]!;
    switch (state) {
      case 0: // "HTTP/"
      case 1:
      case 2:
      case 3:
      case 4:
        if (ch !== 'HTTP/'.charCodeAt(state)) return { kind: 'error' };
        state++;
        break;
      case 5: // first major digit
        if (ch < 0x31 || ch > 0x39) return { kind: 'error' };
        major = ch - 0x30;
        state = 6;
        break;
      case 6: // major digits or dot
        if (ch === 0x2e) {
          state = 7;
          break;
        }
        if (ch < 0x30 || ch > 0x39 || major > 99) return { kind: 'error' };
        major = major * 10 + (ch - 0x30);
        break;
      case 7: // first minor digit
        if (ch < 0x30 || ch > 0x39) return { kind: 'error' };
        minor = ch - 0x30;
        state = 8;
        break;
      case 8: // minor digits or space
        if (ch === 0x20) {
          state = 9;
          break;
        }
        if (ch < 0x30 || ch > 0x39 || minor > 99) return { kind: 'error' };
        minor = minor * 10 + (ch - 0x30);
        break;
      case 9: // status code
        if (ch === 0x20) break;
        if (ch < 0x30 || ch > 0x39) return { kind: 'error' };
        code = code * 10 + (ch - 0x30);
        if (++count === 3) {
          state = 10;
          start = p - 2;
        }
        break;
      case 10: // space or end of line
        if (ch === 0x20 || ch === 0x2e) state = 11;
        else if (ch === CR) state = 12;
        else if (ch === LF) return statusDone(d, p, major * 1000 + minor, code, start, p);
        else return { kind: 'error' };
        break;
      case 11: // any text to the end of the line
        if (ch === CR) state = 12;
        else if (ch === LF) return statusDone(d, p, major * 1000 + minor, code, start, p);
        break;
      case 12: // almost done
        if (ch === LF) return statusDone(d, p, major * 1000 + minor, code, start, p - 1);
        return { kind: 'error' };
    }
  }
  return { kind: 'again' };
}

// Not a closure in parseStatusLine, which would cost every call a context.
function statusDone(d: Buffer, p: number, version: number, code: number, start: number, end: number): StatusResult {
  return { kind: 'done', pos: p + 1, version, code, line: d.toString('latin1', start, end) };
}

/** parseHeaderLine's answers other than the position after the line. */
const AGAIN = -1;
const INVALID = -2;

/**
 * Where the line parseHeaderLine read last has its name and value, and whether it was the empty
 * line that ends the head: out-parameters, so that a header line costs no result object.
 */
const line = { nameStart: 0, nameEnd: 0, valueStart: 0, valueEnd: 0, end: false };

// ngx_http_parse_header_line(r, b, 1): one header line from `from`, or the end of the head. Returns
// the position after it (the line's parts in `line`), AGAIN or INVALID.
function parseHeaderLine(d: Buffer, from: number): number {
  let state = 0;
  let nameStart = from;
  let nameEnd = -1;
  let valueStart = -1;
  let valueEnd = -1;
  line.end = false;
  for (let p = from; p < d.length; p++) {
    const ch = d[p]!;
    switch (state) {
      case 0: // first char
        nameStart = p;
        if (ch === CR) {
          state = 7;
          break;
        }
        if (ch === LF) return endOfHead(p);
        state = 1;
        if (isTokenByte(ch) || ch === 0x5f) break;
        if (ch <= 0x20 || ch === 0x7f || ch === 0x3a) return INVALID;
        break;
      case 1: // name
        if (isTokenByte(ch) || ch === 0x5f) break;
        if (ch === 0x3a) {
          nameEnd = p;
          state = 2;
          break;
        }
        if (ch === CR || ch === LF) {
          nameEnd = valueStart = valueEnd = p;
          if (ch === LF) return header(p, nameStart, nameEnd, valueStart, valueEnd);
          state = 6;
          break;
        }
        // IIS may send the duplicate "HTTP/1.1 ..." lines
        if (ch === 0x2f && p - nameStart === 4 && d.toString('latin1', nameStart, p) === 'HTTP') {
          state = 5;
          break;
        }
        if (ch <= 0x20 || ch === 0x7f) return INVALID;
        break;
      case 2: // spaces before the value
        if (ch === 0x20) break;
        if (ch === CR || ch === LF) {
          valueStart = valueEnd = p;
          if (ch === LF) return header(p, nameStart, nameEnd, valueStart, valueEnd);
          state = 6;
          break;
        }
        if (ch === 0) return INVALID;
        valueStart = p;
        state = 3;
        break;
      case 3: // value
        if (ch === 0x20) {
          valueEnd = p;
          state = 4;
        } else if (ch === CR) {
          valueEnd = p;
          state = 6;
        } else if (ch === LF) {
          valueEnd = p;
          return header(p, nameStart, nameEnd, valueStart, valueEnd);
        } else if (ch === 0) return INVALID;
        break;
      case 4: // spaces after the value
        if (ch === 0x20) break;
        if (ch === CR) state = 6;
        else if (ch === LF) return header(p, nameStart, nameEnd, valueStart, valueEnd);
        else if (ch === 0) return INVALID;
        else state = 3;
        break;
      case 5: // an ignored line
        if (ch === LF) state = 0;
        break;
      case 6: // end of the line
        if (ch === LF) return header(p, nameStart, nameEnd, valueStart, valueEnd);
        if (ch !== CR) return INVALID;
        break;
      case 7: // end of the head
        if (ch === LF) return endOfHead(p);
        return INVALID;
    }
  }
  return AGAIN;
}

// Not a closure in parseHeaderLine, which would cost every call a context.
function header(p: number, nameStart: number, nameEnd: number, valueStart: number, valueEnd: number): number {
  line.nameStart = nameStart;
  line.nameEnd = nameEnd;
  line.valueStart = valueStart;
  line.valueEnd = valueEnd;
  return p + 1;
}

function endOfHead(p: number): number {
  line.end = true;
  return p + 1;
}

// ngx_atoof: digits only; anything else (or an overflow) is NGX_ERROR, kept as -1.
function atoof(s: string): number {
  if (!/^\d+$/.test(s)) return -1;
  const n = Number(s);
  return Number.isSafeInteger(n) ? n : -1;
}

/** Parses an upstream response head fed in pieces. */
export class UpstreamResponseParser {
  private data: Buffer = EMPTY;

  constructor(private readonly bufferSize: number) {}

  feed(chunk: Buffer): ParseResponseResult {
    this.data = this.data.length ? Buffer.concat([this.data, chunk]) : chunk;
    return this.parse(false);
  }

  /** The upstream closed: a head not yet complete is an error. */
  end(): ParseResponseResult {
    return this.parse(true);
  }

  /** The head is not whole yet: wait for more, unless the upstream closed or the buffer is full. */
  private again(d: Buffer, eof: boolean): ParseResponseResult {
    if (eof) return { kind: 'error', message: 'upstream prematurely closed connection' };
    if (d.length >= this.bufferSize) return { kind: 'error', message: 'upstream sent too big header' };
    return AGAIN_RESULT;
  }

  private parse(eof: boolean): ParseResponseResult {
    // nginx reads the head into one buffer of proxy_buffer_size bytes.
    const d = this.data.length > this.bufferSize ? this.data.subarray(0, this.bufferSize) : this.data;
    const status = parseStatusLine(d);
    if (status.kind === 'again') return this.again(d, eof);
    if (status.kind === 'error') {
      // "upstream sent no valid HTTP/1.0 header": the whole answer is an HTTP/0.9 body.
      const head: UpstreamHead = { status: 200, statusLine: '', httpVersion: 9, headers: [], contentLength: -1, chunked: false, close: true };
      return { kind: 'head', head, rest: this.data };
    }
    const headers: [string, string][] = [];
    let contentLength = -1;
    let chunked = false;
    let close = status.version < 1001;
    let pos = status.pos;
    for (;;) {
      const next = parseHeaderLine(d, pos);
      if (next === AGAIN) return this.again(d, eof);
      if (next === INVALID) return { kind: 'error', message: 'upstream sent invalid header' };
      pos = next;
      if (line.end) break;
      const name = d.toString('latin1', line.nameStart, line.nameEnd);
      const value = d.toString('latin1', line.valueStart, line.valueEnd);
      headers.push([name, value]);
      // The framing headers, by the length of their names before any lower-casing.
      if (name.length === 14 && name.toLowerCase() === 'content-length') contentLength = atoof(value);
      else if (name.length === 17 && name.toLowerCase() === 'transfer-encoding' && value.toLowerCase().includes('chunked')) chunked = true;
      else if (name.length === 10 && name.toLowerCase() === 'connection' && value.toLowerCase().includes('close')) close = true;
    }
    if (chunked) contentLength = -1;
    const head: UpstreamHead = { status: status.code, statusLine: status.line, httpVersion: status.version, headers, contentLength, chunked, close };
    return { kind: 'head', head, rest: pos === this.data.length ? EMPTY : this.data.subarray(pos) };
  }
}

const AGAIN_RESULT: ParseResponseResult = { kind: 'again' };
