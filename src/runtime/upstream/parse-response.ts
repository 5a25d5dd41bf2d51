/**
 * Reading an upstream's response head as ngx_http_proxy_process_status_line and
 * ngx_http_proxy_process_header do: the status line (`HTTP/x.y NNN reason`), then header lines
 * up to the empty line, within proxy_buffer_size. Strings are latin1.
 */

export interface UpstreamHead {
  readonly status: number;
  /** The status line after the code, as nginx keeps it for the client (`404 Not Found`). */
  readonly statusLine: string;
  /** 1000 for HTTP/1.0, 1001 for HTTP/1.1; 9 when the upstream sent no status line. */
  readonly httpVersion: number;
  readonly headers: readonly [string, string][];
  readonly contentLength: number;
  readonly chunked: boolean;
  /** Connection: close, or HTTP/1.0 without keep-alive. */
  readonly close: boolean;
}

export type ParseResponseResult =
  | { kind: 'again' }
  | { kind: 'head'; head: UpstreamHead; rest: Buffer }
  | { kind: 'error'; message: string };

const MAX_NAME = 1024;

/** Parses an upstream response head fed in pieces. */
export class UpstreamResponseParser {
  private data: Buffer = Buffer.alloc(0);

  constructor(private readonly bufferSize: number) {}

  feed(chunk: Buffer): ParseResponseResult {
    this.data = this.data.length ? Buffer.concat([this.data, chunk]) : chunk;
    return this.parse(false);
  }

  /** The upstream closed: a partial head is an error. */
  end(): ParseResponseResult {
    return this.parse(true);
  }

  private parse(eof: boolean): ParseResponseResult {
    const d = this.data;
    const lineEnd = d.indexOf(0x0a);
    if (lineEnd < 0) {
      if (d.length >= this.bufferSize) return { kind: 'error', message: 'upstream sent too big header' };
      // ngx_http_proxy_process_status_line: HTTP/0.9 answers have no status line.
      if (eof && d.length && !'HTTP/'.startsWith(d.subarray(0, 5).toString('latin1'))) return http09(d);
      return eof ? { kind: 'error', message: 'upstream prematurely closed connection' } : { kind: 'again' };
    }
    const first = d.subarray(0, lineEnd).toString('latin1').replace(/\r$/, '');
    const m = /^HTTP\/(\d+)\.(\d+) +(\d{3})(?: (.*))?$/.exec(first);
    if (!m) {
      if (!first.startsWith('HTTP/')) return http09(d);
      return { kind: 'error', message: 'upstream sent no valid HTTP/1.0 header' };
    }
    const httpVersion = Number(m[1]) * 1000 + Number(m[2]);
    const status = Number(m[3]);
    const headers: [string, string][] = [];
    let pos = lineEnd + 1;
    for (;;) {
      const nl = d.indexOf(0x0a, pos);
      if (nl < 0) {
        if (d.length >= this.bufferSize) return { kind: 'error', message: 'upstream sent too big header' };
        return eof ? { kind: 'error', message: 'upstream prematurely closed connection' } : { kind: 'again' };
      }
      if (nl + 1 > this.bufferSize) return { kind: 'error', message: 'upstream sent too big header' };
      const line = d.subarray(pos, nl).toString('latin1').replace(/\r$/, '');
      pos = nl + 1;
      if (line.length === 0) break;
      const colon = line.indexOf(':');
      if (colon <= 0 || colon > MAX_NAME || /[\s\0]/.test(line.slice(0, colon))) {
        return { kind: 'error', message: 'upstream sent invalid header' };
      }
      headers.push([line.slice(0, colon), line.slice(colon + 1).trim()]);
    }
    let contentLength = -1;
    let chunked = false;
    let close = httpVersion < 1001;
    for (const [name, value] of headers) {
      const n = name.toLowerCase();
      if (n === 'content-length') {
        if (!/^\d+$/.test(value)) return { kind: 'error', message: 'upstream sent invalid "Content-Length" header' };
        contentLength = Number(value);
      } else if (n === 'transfer-encoding') {
        if (value.toLowerCase() === 'chunked') chunked = true;
        else return { kind: 'error', message: `upstream sent unknown "Transfer-Encoding": "${value}"` };
      } else if (n === 'connection') {
        const v = value.toLowerCase();
        if (v.includes('close')) close = true;
        else if (v.includes('keep-alive')) close = false;
      }
    }
    if (chunked) {
      if (httpVersion < 1001) return { kind: 'error', message: 'upstream sent "Transfer-Encoding" in an HTTP/1.0 response' };
      contentLength = -1;
    }
    const statusLine = m[4] === undefined ? String(status) + ' ' : `${status} ${m[4]}`;
    return { kind: 'head', head: { status, statusLine, httpVersion, headers, contentLength, chunked, close }, rest: d.subarray(pos) };
  }
}

function http09(d: Buffer): ParseResponseResult {
  return { kind: 'head', head: { status: 200, statusLine: '200 OK', httpVersion: 9, headers: [], contentLength: -1, chunked: false, close: true }, rest: d };
}
