/**
 * URI normalisation and escaping against nginx 1.22.1: pure cases, then raw request URIs sent to a
 * live nginx ($uri and $args must match, or both must answer 400), and nginx's own re-escaping of a
 * rewritten URI (proxy_pass) and of a capture put into args.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  escapeUri,
  httpArg,
  normalizeUri,
  parseComplexUri,
  splitArgs,
  unescapeUri,
  type ComplexUriResult,
} from '../../../src/runtime/http/normalize-uri.js';
import { nginxConf } from '../../harness/conf.js';
import { requireNginx } from '../../harness/nginx.js';
import { freePort } from '../../harness/ports.js';
import { exchange as send } from '../../harness/raw-client.js';
import { startServer, type RunningServer } from '../../harness/server.js';

const HAVE_NGINX = requireNginx('the live differential of URI normalisation');

const on = { mergeSlashes: true };
const off = { mergeSlashes: false };

describe('parseComplexUri (pure)', () => {
  it('decodes, merges slashes and resolves dot segments', () => {
    expect(normalizeUri('/a//b/./c/../d%20e', on)).toEqual({ ok: true, uri: '/a/b/d e', args: '', exten: '' });
    expect(normalizeUri('/a//b', off)).toMatchObject({ uri: '/a//b' });
    expect(normalizeUri('/a/b/..', on)).toMatchObject({ uri: '/a/' });
    expect(normalizeUri('/a/.', on)).toMatchObject({ uri: '/a/' });
    expect(normalizeUri('/x.tar.gz?y.z', on)).toMatchObject({ uri: '/x.tar.gz', args: 'y.z', exten: 'gz' });
  });

  it('answers 400 above the root, for NUL and for bad escapes', () => {
    for (const raw of ['/..', '/a/../..', '/%2e%2e/', '/%00', '/a%0', '/%', '/%zz', '/%2G']) {
      expect(normalizeUri(raw, on), raw).toEqual({ ok: false });
    }
  });

  it('keeps + as +, and a decoded ?, % or # as data', () => {
    expect(normalizeUri('/a+b?c+d', on)).toMatchObject({ uri: '/a+b', args: 'c+d' });
    expect(normalizeUri('/%3F%25%23?q', on)).toMatchObject({ uri: '/?%#', args: 'q' });
  });

  it('drops a fragment, from the path or from the args', () => {
    expect(normalizeUri('/a#b?c', on)).toMatchObject({ uri: '/a', args: '' });
    expect(normalizeUri('/a?b#c', on)).toMatchObject({ uri: '/a', args: 'b' });
  });

  it('writes a / of its own for http://host?args', () => {
    expect(parseComplexUri({ raw: '?x', mergeSlashes: true, emptyPathInUri: true })).toEqual({
      ok: true,
      uri: '/',
      args: 'x',
      exten: '',
    });
  });
});

describe('escaping and args (pure)', () => {
  it('escapes per nginx table', () => {
    expect(escapeUri('/a b?c#d%e"f', 'uri')).toBe('/a%20b%3Fc%23d%25e%22f');
    expect(escapeUri('a&b+c;d=e', 'args')).toBe('a%26b%2Bc%3Bd=e');
    expect(escapeUri('a/b c~', 'uri-component')).toBe('a%2Fb%20c~');
    expect(escapeUri(`<a href="x">'`, 'html')).toBe('%3Ca%20href=%22x%22%3E%27');
    expect(escapeUri('~}', 'refresh')).toBe('%7E}');
    expect(escapeUri('a b%\xe9', 'memcached')).toBe('a%20b%25\xe9');
    expect(escapeUri('plain', 'uri')).toBe('plain');
  });

  it('unescapes like ngx_unescape_uri', () => {
    expect(unescapeUri('a%20b+c', 'plain')).toEqual({ value: 'a b+c', end: 7 });
    expect(unescapeUri('a%zb', 'plain').value).toBe('azb');
    expect(unescapeUri('a%2zb', 'plain').value).toBe('ab');
    expect(unescapeUri('/a%3Fb?c', 'uri')).toEqual({ value: '/a?', end: 5 });
    expect(unescapeUri('/a%20b%41?c%20', 'redirect')).toEqual({ value: '/a%20bA?', end: 10 });
  });

  it('finds args like ngx_http_arg and splits like ngx_http_split_args', () => {
    expect(httpArg('a=1&B=2&bb=3', 'b')).toBe('2');
    expect(httpArg('xa=1&a=2', 'a')).toBe('2');
    expect(httpArg('a=', 'a')).toBe('');
    expect(httpArg('a', 'a')).toBeUndefined();
    expect(httpArg('a=1&a=2', 'a')).toBe('1');
    expect(splitArgs('/x?y?z')).toEqual({ uri: '/x', args: 'y?z' });
    expect(splitArgs('/x')).toEqual({ uri: '/x', args: '' });
  });
});

// ---------------------------------------------------------------------------------------------
// Live nginx

/** Sends one HTTP/1.0 request and returns everything nginx answers until it closes. */
async function exchange(port: number, raw: string): Promise<string> {
  return (await send(port, raw, { timeoutMs: 5000 })).raw;
}

type Seen = { ok: true; uri: string; args: string } | { ok: false } | { status: number };

/** `ok: false` for a 400, else $uri and $args as nginx computed them. */
function seen(response: string): Seen {
  const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(response)?.[1] ?? 0);
  if (status === 400) return { ok: false };
  if (status !== 200) return { status };
  const [uri = '', args = ''] = response.slice(response.indexOf('\r\n\r\n') + 4).split('\n')[0]!.split('\t');
  return { ok: true, uri, args };
}

function withoutExten(r: ComplexUriResult): Seen {
  return r.ok ? { ok: true, uri: r.uri, args: r.args } : r;
}

const URIS = [
  '/',
  '/a',
  '/a/',
  '//',
  '///a///b//',
  '/a//b',
  '/./',
  '/.',
  '/..',
  '/...',
  '/a/...',
  '/.a',
  '/a.',
  '/a/.b/../c',
  '/a/./b/../c',
  '/a/b/../../c',
  '/a/b/../../../c',
  '/a/..',
  '/a/../',
  '/a/..?x',
  '/a/.?x',
  '/a/..#x',
  '/a/.#x',
  '//..',
  '//../a',
  '/a//..//b',
  '/%2e',
  '/%2e%2e',
  '/a/%2e%2e',
  '/a/%2E%2e/b',
  '/a/.%2e/b',
  '/a%2f..',
  '/a%2f%2e%2e',
  '/a%2F%2Fb',
  '/%2f',
  '/%2F/',
  '/a%2fb',
  '/%00',
  '/a%00',
  '/%0',
  '/%',
  '/a%',
  '/%zz',
  '/%2z',
  '/%z2',
  '/%20',
  '/%41%42',
  '/%3F',
  '/%3f?a=%3F',
  '/%23',
  '/%25',
  '/%2525',
  '/%2B+',
  '/a+b?c+d',
  '/a#b',
  '/a#b?c',
  '/a?b#c',
  '/a?b#c#d',
  '/a?',
  '/a??b',
  '/a?%zz',
  '/a?b/../c',
  '/%e9%ff%80',
  '/\xe9\xff',
  '/a.b.c/d.e',
  '/a.b/c',
  '/x.tar.gz',
  '/a/.hidden',
  '/a/b/c/./../../d/./e/..',
];

describe.skipIf(!HAVE_NGINX)('URI normalisation agrees with live nginx', () => {
  let dir = '';
  let server: RunningServer | undefined;
  const ports = { on: 0, off: 0 };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'ngts-uri-'));
    ports.on = await freePort();
    ports.off = await freePort();
    const locations = `
      location / { return 200 "$uri\\t$args\\n"; }
      location /r/ { return 200 "$request_uri"; }
      location /esc/ { rewrite (?s)^/esc/(.*)$ /r/$1 break; proxy_pass http://127.0.0.1:${ports.on}; }
      location /args/ { rewrite (?s)^/args/(.*)$ /r/?v=$1 break; proxy_pass http://127.0.0.1:${ports.on}; }`;
    writeFileSync(
      join(dir, 'nginx.conf'),
      nginxConf(
        dir,
        [
          `server { listen 127.0.0.1:${ports.on}; ${locations} }`,
          `server { listen 127.0.0.1:${ports.off}; merge_slashes off; ${locations} }`,
        ],
        { errorLogLevel: 'info' },
      ),
    );
    server = await startServer('nginx', dir, { ports: [ports.on, ports.off] });
  });

  afterAll(async () => {
    await server?.stop();
    if (dir !== '') rmSync(dir, { recursive: true, force: true });
  });

  for (const [name, merge] of [['merge_slashes on', on], ['merge_slashes off', off]] as const) {
    it(`$uri and $args, ${name}`, async () => {
      const port = merge.mergeSlashes ? ports.on : ports.off;
      let rejected = 0;
      for (const raw of URIS) {
        const nginx = seen(await exchange(port, `GET ${raw} HTTP/1.0\r\n\r\n`));
        expect(withoutExten(normalizeUri(raw, merge)), JSON.stringify(raw)).toEqual(nginx);
        rejected += 'ok' in nginx && !nginx.ok ? 1 : 0;
      }
      expect(rejected).toBeGreaterThan(10);
    });
  }

  // every byte but NUL, decoded from %XX, then re-escaped by nginx
  const allBytes = Array.from({ length: 255 }, (_, i) => i + 1);
  const decoded = 'A' + String.fromCharCode(...allBytes) + 'B';
  const quoted = 'A' + allBytes.map((b) => '%' + b.toString(16).padStart(2, '0').toUpperCase()).join('') + 'B';

  it('escapes a rewritten URI for proxy_pass as NGX_ESCAPE_URI', async () => {
    const response = await exchange(ports.on, `GET /esc/${quoted} HTTP/1.0\r\n\r\n`);
    expect(response).toMatch(/^HTTP\/1\.1 200 /);
    expect(response.slice(response.indexOf('\r\n\r\n') + 4)).toBe('/r/' + escapeUri(decoded, 'uri'));
  });

  it('escapes a capture in args as NGX_ESCAPE_ARGS', async () => {
    const response = await exchange(ports.on, `GET /args/${quoted} HTTP/1.0\r\n\r\n`);
    expect(response).toMatch(/^HTTP\/1\.1 200 /);
    expect(response.slice(response.indexOf('\r\n\r\n') + 4)).toBe('/r/?v=' + escapeUri(decoded, 'args'));
  });
});
