/**
 * The request-head reader against nginx 1.22.1: pure cases first, then the same raw requests sent
 * to a live nginx, whose status (and, for accepted requests, $uri, $args, $host...) must match.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ChunkedDecoder,
  DEFAULT_REQUEST_READ_CONFIG,
  RequestParser,
  parseOffT,
  userAgentFlags,
  validateHost,
  type ParseRequestResult,
  type RequestReadConfig,
} from '../../../src/runtime/http/parse-request.js';
import { wireStatus } from '../../../src/runtime/http/special-response.js';
import { nginxConf } from '../../harness/conf.js';
import { requireNginx } from '../../harness/nginx.js';
import { freePort } from '../../harness/ports.js';
import { exchange as send } from '../../harness/raw-client.js';
import { startServer } from '../../harness/server.js';

const HAVE_NGINX = requireNginx('the live differential of the request reader');

const DEFAULTS: RequestReadConfig = { ...DEFAULT_REQUEST_READ_CONFIG };
const LOOSE: RequestReadConfig = {
  ...DEFAULTS,
  mergeSlashes: false,
  underscoresInHeaders: true,
  ignoreInvalidHeaders: false,
};
// nginx wants large buffers of at least connection_pool_size; the live server lowers that to 128.
const SMALL: RequestReadConfig = {
  ...DEFAULTS,
  clientHeaderBufferSize: 64,
  largeClientHeaderBuffers: { num: 2, size: 128 },
};

function parse(raw: string, config: RequestReadConfig = DEFAULTS, pieces = 1): ParseRequestResult {
  const p = new RequestParser(config);
  const bytes = Buffer.from(raw, 'latin1');
  let r: ParseRequestResult = { kind: 'again' };
  const step = Math.max(1, Math.ceil(bytes.length / pieces));
  for (let i = 0; i < bytes.length && r.kind === 'again'; i += step) {
    r = p.feed(bytes.subarray(i, i + step));
  }
  return r.kind === 'again' ? p.end() : r;
}

/** What a client sees: status (0 when nothing was sent) and the echo line of an accepted request. */
interface Seen {
  status: number;
  http09: boolean;
  echo?: string;
}

const ECHO = '$request_method|$uri|$request_uri|$args|$host|$server_protocol|[$http_x]';

function ours(raw: string, config: RequestReadConfig = DEFAULTS, pieces = 1): Seen {
  const r = parse(raw, config, pieces);
  if (r.kind === 'error') {
    return { status: r.respond ? wireStatus(r.status) : 0, http09: r.http09 };
  }
  if (r.kind !== 'head') {
    return { status: 0, http09: false };
  }
  const h = r.head;
  const x = h.headers.find((e) => e.name.toLowerCase() === 'x')?.value ?? '';
  const echo = [h.method, h.uri, h.unparsedUri, h.args, h.host ?? '', h.httpProtocol, `[${x}]`].join('|');
  return { status: 200, http09: h.httpVersion < 1000, echo };
}

describe('request line (pure)', () => {
  it('reads method, URI, args and version', () => {
    const r = parse('GET /a/b.html?x=1&y HTTP/1.1\r\nHost: Example.COM:80\r\nX: 1\r\n\r\nBODY');
    expect(r.kind).toBe('head');
    if (r.kind !== 'head') return;
    expect(r.head).toMatchObject({
      method: 'GET',
      requestLine: 'GET /a/b.html?x=1&y HTTP/1.1',
      uri: '/a/b.html',
      args: 'x=1&y',
      exten: 'html',
      unparsedUri: '/a/b.html?x=1&y',
      httpVersion: 1001,
      httpProtocol: 'HTTP/1.1',
      host: 'example.com',
      contentLength: -1,
      chunked: false,
      keepalive: true,
    });
    expect(r.head.headers).toEqual([
      { name: 'Host', value: 'Example.COM:80' },
      { name: 'X', value: '1' },
    ]);
    expect(r.rest.toString()).toBe('BODY');
  });

  it('accepts any upper-case token as a method, but not lower case', () => {
    expect(parse('FOO / HTTP/1.0\r\n\r\n').kind).toBe('head');
    expect(parse('M-SEARCH / HTTP/1.0\r\n\r\n').kind).toBe('head');
    expect(parse('get / HTTP/1.0\r\n\r\n')).toMatchObject({ kind: 'error', status: 400 });
  });

  it('answers 505 for HTTP/2.0 and later, 400 for HTTP/0.x in the line', () => {
    expect(parse('GET / HTTP/2.0\r\n\r\n')).toMatchObject({ kind: 'error', status: 505, reason: 'client sent invalid version' });
    expect(parse('GET / HTTP/10.0\r\n\r\n')).toMatchObject({ kind: 'error', status: 505 });
    expect(parse('GET / HTTP/0.9\r\n\r\n')).toMatchObject({ kind: 'error', status: 400 });
  });

  it('serves HTTP/0.9 to GET only, without headers', () => {
    const r = parse('GET /x\r\n');
    expect(r).toMatchObject({ kind: 'head', head: { httpVersion: 9, httpProtocol: '', keepalive: false } });
    expect(parse('POST /x\r\n')).toMatchObject({ kind: 'error', status: 400, http09: true });
  });

  it('rejects TRACE and CONNECT with 405 after the headers', () => {
    expect(parse('TRACE / HTTP/1.1\r\nHost: a\r\n\r\n')).toMatchObject({ status: 405 });
    expect(parse('CONNECT / HTTP/1.1\r\nHost: a\r\n\r\n')).toMatchObject({ status: 405 });
    expect(parse('CONNECT a:80 HTTP/1.1\r\nHost: a\r\n\r\n')).toMatchObject({ status: 400 });
  });

  it('takes the host from an absolute URI over the Host header', () => {
    const r = parse('GET http://H.example.:8080?q HTTP/1.1\r\nHost: other\r\n\r\n');
    expect(r).toMatchObject({
      kind: 'head',
      head: { host: 'h.example', uri: '/', args: 'q', unparsedUri: '?q', schema: 'http', validUnparsedUri: false },
    });
  });

  it('waits for more bytes, byte by byte', () => {
    const raw = 'GET /a HTTP/1.1\r\nHost: a\r\nX: y\r\n\r\n';
    for (let n = 1; n <= raw.length; n++) {
      expect(ours(raw, DEFAULTS, n)).toEqual(ours(raw));
    }
    const p = new RequestParser();
    expect(p.feed(Buffer.from('GET / HT'))).toEqual({ kind: 'again' });
    expect(p.end()).toMatchObject({ kind: 'error', status: 400, respond: false });
    expect(new RequestParser().end()).toEqual({ kind: 'closed' });
  });
});

describe('header buffers (pure)', () => {
  const line = (total: number): string => 'GET /' + 'a'.repeat(total - 16) + ' HTTP/1.0\r\n';

  it('gives 414 when the request line does not fit a large buffer', () => {
    expect(line(8192).length).toBe(8192);
    expect(parse(line(8192) + '\r\n').kind).toBe('head');
    expect(parse(line(8193) + '\r\n')).toMatchObject({ kind: 'error', status: 414 });
  });

  it('gives 494 (sent as 400) for a header line longer than a large buffer', () => {
    const header = (total: number): string => 'X: ' + 'b'.repeat(total - 5) + '\r\n';
    expect(parse('GET / HTTP/1.0\r\n' + header(8192) + '\r\n').kind).toBe('head');
    expect(parse('GET / HTTP/1.0\r\n' + header(8193) + '\r\n')).toMatchObject({ status: 494 });
  });

  it('counts the large buffers a head needs', () => {
    const head = (k: number): string => {
      let h = 'GET / HTTP/1.0\r\n';
      for (let i = 0; i < k; i++) h += `X${i}: ` + 'c'.repeat(8000) + '\r\n';
      return h + '\r\n';
    };
    expect(parse(head(4)).kind).toBe('head');
    expect(parse(head(5))).toMatchObject({ status: 494, reason: 'client sent too long header line' });
  });

  it('starts the buffer over when a client sends only CRLFs', () => {
    expect(parse('\r\n'.repeat(5000) + 'GET / HTTP/1.0\r\n\r\n').kind).toBe('head');
  });
});

describe('headers (pure)', () => {
  it('rejects duplicate Host and unique headers, invalid Host, CL with TE', () => {
    expect(parse('GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n')).toMatchObject({ status: 400 });
    expect(parse('GET / HTTP/1.1\r\nHost: a\r\nExpect: 1\r\nExpect: 1\r\n\r\n')).toMatchObject({ status: 400 });
    expect(parse('GET / HTTP/1.1\r\nHost: a b\r\n\r\n')).toMatchObject({ status: 400 });
    expect(parse('POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n'))
      .toMatchObject({ status: 400 });
    expect(parse('POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip\r\n\r\n')).toMatchObject({ status: 501 });
    expect(parse('GET / HTTP/1.1\r\n\r\n')).toMatchObject({ status: 400 });
    expect(parse('GET / HTTP/1.0\r\n\r\n').kind).toBe('head');
  });

  it('reads Content-Length and chunked', () => {
    expect(parse('POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 012\r\n\r\n')).toMatchObject({
      head: { contentLength: 12, chunked: false },
    });
    expect(parse('POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: CHUNKED\r\n\r\n')).toMatchObject({
      head: { contentLength: -1, chunked: true },
    });
  });

  it('ignores invalid header names unless told not to', () => {
    const raw = 'GET / HTTP/1.0\r\nX_Y: 1\r\nA.B: 2\r\n\r\n';
    expect(parse(raw)).toMatchObject({ head: { headers: [] } });
    expect(parse(raw, LOOSE)).toMatchObject({
      head: { headers: [{ name: 'X_Y', value: '1' }, { name: 'A.B', value: '2' }] },
    });
  });

  it('switches to the virtual server chosen by Host', () => {
    const p = new RequestParser(DEFAULTS, { onHost: (h) => (h === 'loose' ? LOOSE : undefined) });
    const r = p.feed(Buffer.from('GET / HTTP/1.1\r\nHost: loose\r\nX_Y: 1\r\n\r\n'));
    expect(r).toMatchObject({ head: { headers: [{ name: 'Host' }, { name: 'X_Y' }] } });
  });

  it('validates hosts as ngx_http_validate_host', () => {
    expect(validateHost('EXAMPLE.com.:80')).toBe('example.com');
    expect(validateHost('[::1]:80')).toBe('[::1]');
    expect(validateHost('a:b:c')).toBe('a');
    expect(validateHost('a..b')).toBeUndefined();
    expect(validateHost(':80')).toBeUndefined();
    expect(validateHost('a\tb')).toBeUndefined();
    expect(validateHost('a\\b')).toBe('a\\b');
  });

  it('parses off_t like ngx_atoof', () => {
    expect(parseOffT('9223372036854775807')).toBe(9223372036854775807);
    expect(parseOffT('9223372036854775808')).toBeUndefined();
    expect(parseOffT('')).toBeUndefined();
    expect(parseOffT('+1')).toBeUndefined();
  });

  it('guesses browsers like ngx_http_process_user_agent', () => {
    expect(userAgentFlags('Mozilla/4.0 (compatible; MSIE 6.0; Windows NT 5.1)')).toMatchObject({ msie: true, msie6: true });
    expect(userAgentFlags('Mozilla/4.0 (compatible; MSIE 6.0; Windows NT 5.1; SV1)')).toMatchObject({ msie: true, msie6: false });
    expect(userAgentFlags('Mozilla/5.0 (X11) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36'))
      .toMatchObject({ chrome: true, gecko: false });
    expect(userAgentFlags('Mozilla/5.0 (X11; rv:120.0) Gecko/20100101 Firefox/120.0')).toMatchObject({ gecko: true });
    expect(userAgentFlags('Opera/9.80 (MSIE 6.0)')).toMatchObject({ opera: true, msie: false });
  });
});

describe('chunked body (pure)', () => {
  const decode = (body: string): { kind: string; data: string } => {
    const d = new ChunkedDecoder();
    const out: Buffer[] = [];
    let kind = 'again';
    for (const byte of Buffer.from(body, 'latin1')) {
      const r = d.feed(Buffer.from([byte]));
      out.push(...r.data);
      kind = r.kind;
      if (kind !== 'again') break;
    }
    return { kind, data: Buffer.concat(out).toString('latin1') };
  };

  it('decodes chunks with extensions, trailers and bare LFs', () => {
    expect(decode('3;x=1\r\nabc\r\nA\r\n0123456789\r\n0\r\nT: v\r\n\r\n')).toEqual({ kind: 'done', data: 'abc0123456789' });
    expect(decode('3\nabc\n0\n\n')).toEqual({ kind: 'done', data: 'abc' });
  });

  it('rejects what nginx rejects', () => {
    expect(decode('3\r\nabcd\r\n0\r\n\r\n').kind).toBe('error');
    expect(decode('g\r\n').kind).toBe('error');
    expect(decode('10000000000000003\r\nabc').kind).toBe('error');
    expect(decode('7fffffffffffffff\r\nabc').kind).toBe('error');
    expect(decode('0000000000000000000003\r\nabc\r\n0\r\n\r\n')).toEqual({ kind: 'done', data: 'abc' });
  });
});

// ---------------------------------------------------------------------------------------------
// Live nginx

interface Oracle {
  ports: { defaults: number; loose: number; small: number };
  stop(): Promise<void>;
}

async function startNginx(): Promise<Oracle> {
  const dir = mkdtempSync(join(tmpdir(), 'ngts-parse-'));
  const ports = { defaults: await freePort(), loose: await freePort(), small: await freePort() };
  const echo = `location / { return 200 "${ECHO}\\n"; }
      location /echo { proxy_pass http://127.0.0.1:${ports.defaults}/rb; proxy_set_header X-Body $request_body;
        proxy_ignore_client_abort on; }
      location /rb { return 200 "[$http_x_body]"; }`;
  writeFileSync(
    join(dir, 'nginx.conf'),
    nginxConf(
      dir,
      [
        `server { listen 127.0.0.1:${ports.defaults}; ${echo} }`,
        `server { listen 127.0.0.1:${ports.loose}; merge_slashes off; underscores_in_headers on;
               ignore_invalid_headers off; ${echo} }`,
        `server { listen 127.0.0.1:${ports.small}; client_header_buffer_size 64; connection_pool_size 128;
               large_client_header_buffers 2 128; ${echo} }`,
      ],
      { errorLogLevel: 'info' },
    ),
  );
  const server = await startServer('nginx', dir, { ports: Object.values(ports) });
  return {
    ports,
    async stop() {
      await server.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * Sends raw bytes, half-closes, and collects everything nginx answers until it closes (the proxied
 * echo ignores the early FIN, as proxy_ignore_client_abort says).
 */
async function exchange(port: number, raw: string): Promise<string> {
  const r = await send(port, raw, { halfClose: true, responses: Number.POSITIVE_INFINITY, timeoutMs: 5000 });
  return r.raw;
}

function seen(response: string): Seen {
  if (response === '') {
    return { status: 0, http09: false };
  }
  const m = /^HTTP\/1\.1 (\d{3}) /.exec(response);
  if (m) {
    const body = response.slice(response.indexOf('\r\n\r\n') + 4);
    const status = Number(m[1]);
    return status === 200 ? { status, http09: false, echo: body.replace(/\n$/, '') } : { status, http09: false };
  }
  // HTTP/0.9: a body without a status line, an error page or the echo
  const title = /^<html>\r\n<head><title>(\d{3}) /.exec(response);
  if (title) {
    return { status: Number(title[1]), http09: true };
  }
  return { status: 200, http09: true, echo: response.replace(/\n$/, '') };
}

const REQUEST_LINES: string[] = [
  'GET / HTTP/1.0',
  'GET / HTTP/1.1',
  'GET / HTTP/2.0',
  'GET / HTTP/3.0',
  'GET / HTTP/1.2',
  'GET / HTTP/1.999',
  'GET / HTTP/1.1000',
  'GET / HTTP/0.9',
  'GET / HTTP/01.1',
  'GET / HTTP/10.0',
  'GET / HTTP/1.',
  'GET / HTTP/1',
  'GET / HTTP/1.1x',
  'GET / hTTP/1.1',
  'GET / HTTP/1.0  ',
  'GET  /  HTTP/1.0',
  ' GET / HTTP/1.0',
  'GET\t/ HTTP/1.0',
  'get / HTTP/1.0',
  'G@T / HTTP/1.0',
  'FOO /x HTTP/1.0',
  'M-SEARCH /x HTTP/1.0',
  '_X /x HTTP/1.0',
  'TRACE / HTTP/1.0',
  'CONNECT / HTTP/1.0',
  'CONNECT a:80 HTTP/1.0',
  'OPTIONS * HTTP/1.0',
  'GET * HTTP/1.0',
  'GET /a/../../b HTTP/1.0',
  'GET /%2e%2e/ HTTP/1.0',
  'GET /a//b HTTP/1.0',
  'GET /%00 HTTP/1.0',
  'GET /a%00b HTTP/1.0',
  'GET /a+b?x=1+2 HTTP/1.0',
  'GET /a b HTTP/1.0',
  'GET /a\tb HTTP/1.0',
  'GET /a\x7fb HTTP/1.0',
  'GET /a\x01b HTTP/1.0',
  'GET /\x80\xff\xe9 HTTP/1.0',
  'GET /a?b c HTTP/1.0',
  'GET /a#frag?x HTTP/1.0',
  'GET /a?x#frag HTTP/1.0',
  'GET /%zz HTTP/1.0',
  'GET /%2f HTTP/1.0',
  'GET /%3F?a HTTP/1.0',
  'GET /%25 HTTP/1.0',
  'GET /%23 HTTP/1.0',
  'GET /. HTTP/1.0',
  'GET /.. HTTP/1.0',
  'GET /a/.. HTTP/1.0',
  'GET /a/./b/../c HTTP/1.0',
  'GET /a.b/c.d?e.f HTTP/1.0',
  'GET http://Example.COM:8080/x?y HTTP/1.0',
  'GET http://h?x HTTP/1.0',
  'GET http://h HTTP/1.0',
  'GET http://h:8080 HTTP/1.0',
  'GET http://h:8080?a=b HTTP/1.0',
  'GET http://a_b/ HTTP/1.0',
  'GET http://[::1]:80/x HTTP/1.0',
  'GET http://[::1]x/ HTTP/1.0',
  'GET HTTP://H/ HTTP/1.0',
  'GET h+t-t.p://h/ HTTP/1.0',
  'GET http:/h/ HTTP/1.0',
  'GET http://h:80x/ HTTP/1.0',
  'GET http://h..b/ HTTP/1.0',
  'GET http://h./ HTTP/1.0',
  'GET http://:80/ HTTP/1.0',
  'GET http:// HTTP/1.0',
  'GET http://h/%2e%2e HTTP/1.0',
  'GET http://h:12 HTTP/1.1',
];

const HEAD_CASES: string[] = [
  ...REQUEST_LINES.map((l) => l + '\r\n\r\n'),
  'GET /\r\n',
  'GET /a  \r\n',
  'POST /\r\n',
  'GET /..\r\n',
  'GET http://h..b/\r\n',
  'GET / HTTP/1.1\r\r\nHost: a\r\n\r\n',
  '\r\n\r\nGET / HTTP/1.0\r\n\r\n',
  'GET / HTTP/1.1\nHost: a\n\n',
  'GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n',
  'GET / HTTP/1.1\r\nHost: a/b\r\n\r\n',
  'GET / HTTP/1.1\r\nHost: a..b\r\n\r\n',
  'GET / HTTP/1.1\r\nHost: \r\n\r\n',
  'GET / HTTP/1.1\r\nHost\r\n\r\n',
  'GET / HTTP/1.1\r\nHost: EXAMPLE.com.:80\r\n\r\n',
  'GET / HTTP/1.1\r\nHost: [::1]:80\r\n\r\n',
  'GET / HTTP/1.1\r\nHost: [::1\r\n\r\n',
  'GET / HTTP/1.1\r\nHost: a:b:c\r\n\r\n',
  'GET / HTTP/1.1\r\nHost: a b\r\n\r\n',
  'GET / HTTP/1.1\r\nHost: a\tb\r\n\r\n',
  'GET / HTTP/1.1\r\nHost:\ta.b \t\r\n\r\n',
  'GET / HTTP/1.1\r\nHost: A_B\r\n\r\n',
  'GET / HTTP/1.1\r\nHost: :80\r\n\r\n',
  'GET / HTTP/1.1\r\nHost: a..\r\n\r\n',
  'GET http://h/ HTTP/1.1\r\nHost: other\r\n\r\n',
  'GET http://h/ HTTP/1.1\r\nHost: a/b\r\n\r\n',
  'GET / HTTP/1.1\r\nHost: a\r\nBad Header: x\r\n\r\n',
  'GET / HTTP/1.1\r\nHost: a\r\n: x\r\n\r\n',
  'GET / HTTP/1.1\r\nHost: a\r\nX_Y: x\r\n\r\n',
  'GET / HTTP/1.1\r\nHost: a\r\nNoColon\r\n\r\n',
  'GET / HTTP/1.1\r\nHost: a\r\n x: y\r\n\r\n',
  'GET / HTTP/1.1\r\nHost: a\r\nX: a\x00b\r\n\r\n',
  'GET / HTTP/1.1\r\nHost: a\rX: y\r\n\r\n',
  'GET / HTTP/1.0\r\nX:\t a \t\r\n\r\n',
  'GET / HTTP/1.0\r\nX:  a  b  \r\n\r\n',
  'GET / HTTP/1.0\r\nX:a\r\n\r\n',
  'GET / HTTP/1.0\r\nX:\r\n\r\n',
  'GET / HTTP/1.0\r\nX: \x01a\x7f\xff\r\n\r\n',
  'GET / HTTP/1.0\r\nX : a\r\n\r\n',
  'GET / HTTP/1.0\r\nX: a\r\r\n\r\n',
  'GET / HTTP/1.0\r\nX.Y: 1\r\nX@: 2\r\n\xe9: 3\r\nX: 4\r\n\r\n',
  'GET / HTTP/1.0\r\nX: 1\r\nX: 2\r\n\r\n',
  'GET / HTTP/1.1\r\nHost: a\r\n\r',
  'GET / HT',
  '\r\n',
  ...[
    'If-Modified-Since',
    'If-Unmodified-Since',
    'If-Match',
    'If-None-Match',
    'Content-Range',
    'If-Range',
    'Expect',
    'Authorization',
    'User-Agent',
    'Cookie',
    'Connection',
    'Content-Type',
  ].map((h) => `GET / HTTP/1.1\r\nHost: a\r\n${h}: 1\r\n${h}: 2\r\n\r\n`),
  ...['+1', ' 1', '1 ', '01', '-1', '99999999999999999999', '9223372036854775808', '', '1,1', '0x1'].map(
    (v) => `GET / HTTP/1.1\r\nHost: a\r\nContent-Length: ${v}\r\n\r\n`,
  ),
  'POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n',
  'POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1\r\nTransfer-Encoding: gzip\r\n\r\n',
  'POST / HTTP/1.1\r\nHost: a\r\nContent-Length: x\r\nTransfer-Encoding: gzip\r\n\r\n',
  'POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip\r\n\r\n',
  'POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked, gzip\r\n\r\n',
  'POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n',
  'POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n',
  'POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: Chunked\r\n\r\n0\r\n\r\n',
  'TRACE / HTTP/1.1\r\nHost: a\r\n\r\n',
  'TRACE / HTTP/1.1\r\n\r\n',
  'TRACE / HTTP/1.0\r\nTransfer-Encoding: gzip\r\n\r\n',
  'CONNECT / HTTP/1.1\r\nHost: a\r\n\r\n',
];

// Sizes around the buffer limits of the SMALL server (64-byte first buffer, 2 x 128).
function sizeCases(): string[] {
  const cases: string[] = [];
  for (let total = 120; total <= 132; total++) {
    cases.push('GET /' + 'a'.repeat(total - 16) + ' HTTP/1.0\r\n\r\n');
    cases.push('GET / HTTP/1.0\r\nX: ' + 'b'.repeat(total - 5) + '\r\n\r\n');
    cases.push('GET / HTTP/1.0\r\nA: 1\r\nX: ' + 'b'.repeat(total - 100) + '\r\nY: ' + 'c'.repeat(total - 60) + '\r\n\r\n');
  }
  for (let k = 1; k <= 4; k++) {
    let h = 'GET / HTTP/1.0\r\n';
    for (let i = 0; i < k; i++) h += `X${i}: ` + 'c'.repeat(90) + '\r\n';
    cases.push(h + '\r\n');
  }
  cases.push('\r\n'.repeat(100) + 'GET / HTTP/1.0\r\n\r\n');
  cases.push('\r\n'.repeat(31) + 'GET /' + 'd'.repeat(100) + ' HTTP/1.0\r\n\r\n');
  return cases;
}

describe.skipIf(!HAVE_NGINX)('request reading agrees with live nginx', () => {
  let oracle: Oracle;

  beforeAll(async () => {
    oracle = await startNginx();
  });

  afterAll(async () => {
    await oracle?.stop();
  });

  it('default server: request lines and headers', async () => {
    const statuses = new Set<number>();
    let echoed = 0;
    for (const raw of HEAD_CASES) {
      const nginx = seen(await exchange(oracle.ports.defaults, raw));
      expect(ours(raw), JSON.stringify(raw)).toEqual(nginx);
      expect(ours(raw, DEFAULTS, raw.length), `byte by byte: ${JSON.stringify(raw)}`).toEqual(nginx);
      statuses.add(nginx.status);
      echoed += nginx.echo === undefined ? 0 : 1;
    }
    // guards against an oracle that answers nothing useful
    expect([...statuses].sort()).toEqual([0, 200, 400, 405, 501, 505]);
    expect(echoed).toBeGreaterThan(40);
  });

  it('merge_slashes off, underscores_in_headers on, ignore_invalid_headers off', async () => {
    for (const raw of HEAD_CASES) {
      expect(ours(raw, LOOSE), JSON.stringify(raw)).toEqual(seen(await exchange(oracle.ports.loose, raw)));
    }
  });

  it('default buffers: 414 and 494 at nginx boundaries', async () => {
    const cases: string[] = [];
    for (const total of [8191, 8192, 8193]) {
      cases.push('GET /' + 'a'.repeat(total - 16) + ' HTTP/1.0\r\n\r\n');
      cases.push('GET /' + 'a'.repeat(total - 7) + '\r\n');
      cases.push('GET / HTTP/1.0\r\nX: ' + 'b'.repeat(total - 5) + '\r\n\r\n');
    }
    for (const k of [4, 5]) {
      let h = 'GET / HTTP/1.0\r\n';
      for (let i = 0; i < k; i++) h += `X${i}: ` + 'c'.repeat(8000) + '\r\n';
      cases.push(h + '\r\n');
    }
    for (const raw of cases) {
      expect(ours(raw), raw.slice(0, 40)).toEqual(seen(await exchange(oracle.ports.defaults, raw)));
    }
  });

  it('small buffers: every size around the limits', async () => {
    const statuses = new Set<number>();
    for (const raw of sizeCases()) {
      const nginx = seen(await exchange(oracle.ports.small, raw));
      expect(ours(raw, SMALL), JSON.stringify(raw)).toEqual(nginx);
      expect(ours(raw, SMALL, 5), `in pieces: ${JSON.stringify(raw)}`).toEqual(nginx);
      statuses.add(nginx.status);
    }
    expect([...statuses].sort()).toEqual([200, 400, 414]);
  });

  it('closes the connection after an error (a pipelined request gets no answer)', async () => {
    const raw = 'TRACE / HTTP/1.1\r\nHost: a\r\n\r\nGET /second HTTP/1.1\r\nHost: a\r\n\r\n';
    const response = await exchange(oracle.ports.defaults, raw);
    expect(response.match(/HTTP\/1\.1 /g)).toHaveLength(1);
    expect(parse(raw)).toMatchObject({ kind: 'error', status: 405, close: true });
  });

  it('decodes chunked bodies as nginx does', async () => {
    const bodies = [
      '3\r\nabc\r\n0\r\n\r\n',
      '3;ext=1\r\nabc\r\n0\r\n\r\n',
      '3 \r\nabc\r\n0\r\n\r\n',
      '3\tx\r\nabc\r\n0\r\n\r\n',
      '3\r\nabc\r\n0;x\r\n\r\n',
      '3\r\nabc\r\n0\r\nTrailer: x\r\n\r\n',
      '3\nabc\r\n0\r\n\r\n',
      '3;a\nabc\r\n0\r\n\r\n',
      '3\r\nabc\n0\r\n\r\n',
      '3\r\nabc\r\n0\r\n\n',
      '3\r\nabc\r\n00\r\n\r\n',
      'A\r\n0123456789\r\n0\r\n\r\n',
      '0003\r\nabc\r\n0\r\n\r\n',
      '00000000000000000000003\r\nabc\r\n0\r\n\r\n',
      '3\r\nabc\r\n0\r\nX: y\n\r\n',
      '0\r\n\r\n',
      '0\n\n',
      '0 ;x\n\n',
      '3\r\nabcd\r\n0\r\n\r\n',
      'g\r\nabc\r\n0\r\n\r\n',
      '\r\n3\r\nabc\r\n0\r\n\r\n',
      'ffffffffffffffff\r\nabc',
      '10000000000000003\r\nabc\r\n0\r\n\r\n',
      '7fffffffffffffff\r\nabc',
      '-1\r\nabc\r\n0\r\n\r\n',
      '3\r\nabc\r\r\n0\r\n\r\n',
      '3\r\nabc\r\n0\r\nX\rY\r\n\r\n',
    ];
    const head = 'POST /echo HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n';
    for (const body of bodies) {
      const response = await exchange(oracle.ports.defaults, head + body);
      const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(response)?.[1] ?? 0);
      const r = new ChunkedDecoder().feed(Buffer.from(body, 'latin1'));
      if (r.kind === 'error') {
        expect(status, JSON.stringify(body)).toBe(400);
      } else {
        expect(r.kind, JSON.stringify(body)).toBe('done');
        const decoded = Buffer.concat(r.data).toString('latin1');
        expect({ status, body: response.slice(response.indexOf('\r\n\r\n') + 4) }, JSON.stringify(body)).toEqual({
          status: 200,
          body: `[${decoded}]`,
        });
      }
    }
  });
});
