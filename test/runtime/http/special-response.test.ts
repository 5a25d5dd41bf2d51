/**
 * nginx's built-in responses: every status `return`ed by a live nginx 1.22.1 must give the status
 * line and body (tail, MSIE padding, msie_refresh page) that our functions build.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { userAgentFlags } from '../../../src/runtime/http/parse-request.js';
import {
  MSIE_PADDING,
  errorPage,
  msieRefreshBody,
  reasonPhrase,
  specialResponseBody,
  statusLine,
  tail,
  wireStatus,
  type ServerTokens,
  type SpecialResponseOptions,
} from '../../../src/runtime/http/special-response.js';
import { nginxConf } from '../../harness/conf.js';
import { requireNginx } from '../../harness/nginx.js';
import { freePort } from '../../harness/ports.js';
import { exchange } from '../../harness/raw-client.js';
import { startServer, type RunningServer } from '../../harness/server.js';

const HAVE_NGINX = requireNginx('the live differential of error pages');

const PLAIN: SpecialResponseOptions = {
  serverTokens: 'on',
  product: 'nginx',
  version: '1.22.1',
  msiePadding: true,
  browser: { msie: false, chrome: false },
  httpVersion: 1000,
};

describe('special responses (pure)', () => {
  it('builds the 404 page byte for byte', () => {
    expect(specialResponseBody(404, PLAIN)).toBe(
      '<html>\r\n<head><title>404 Not Found</title></head>\r\n<body>\r\n' +
        '<center><h1>404 Not Found</h1></center>\r\n' +
        '<hr><center>nginx/1.22.1</center>\r\n</body>\r\n</html>\r\n',
    );
  });

  it('signs with our product name and server_tokens', () => {
    expect(tail('on', 'ngts', '0.1.0')).toBe('<hr><center>ngts/0.1.0</center>\r\n</body>\r\n</html>\r\n');
    expect(tail('off', 'ngts', '0.1.0')).toBe('<hr><center>ngts</center>\r\n</body>\r\n</html>\r\n');
    expect(tail('build', 'ngts', '0.1.0', 'abc')).toContain('<center>ngts/0.1.0 (abc)</center>');
  });

  it('sends 494-497 as 400 with their own pages, 498 with the 404 page', () => {
    expect(wireStatus(494)).toBe(400);
    expect(errorPage(494)).toContain('<title>400 Request Header Or Cookie Too Large</title>');
    expect(errorPage(494)).toContain('<center><h1>400 Bad Request</h1></center>');
    expect(wireStatus(498)).toBe(498);
    expect(errorPage(498)).toBe(errorPage(404));
  });

  it('has no page for statuses nginx leaves empty', () => {
    for (const s of [200, 204, 300, 304, 305, 306, 407, 417, 422, 430, 499, 506, 508, 600]) {
      expect(specialResponseBody(s, PLAIN), String(s)).toBe('');
    }
    expect(errorPage(408)).toContain('408 Request Time-out');
  });

  it('writes status lines as ngx_http_status_lines, numbers alone otherwise', () => {
    expect(statusLine(302)).toBe('302 Moved Temporarily');
    expect(statusLine(401)).toBe('401 Unauthorized');
    expect(statusLine(299)).toBe('299 ');
    expect(statusLine(99)).toBe('099 ');
    expect(reasonPhrase(418)).toBeUndefined();
  });

  it('pads 4xx/5xx pages for MSIE and Chrome', () => {
    const msie = { ...PLAIN, browser: { msie: true, chrome: false } };
    expect(specialResponseBody(404, msie).endsWith(MSIE_PADDING)).toBe(true);
    expect(specialResponseBody(302, msie).endsWith(MSIE_PADDING)).toBe(false);
    expect(specialResponseBody(404, { ...msie, httpVersion: 9 }).endsWith(MSIE_PADDING)).toBe(false);
    expect(specialResponseBody(404, { ...msie, msiePadding: false }).endsWith(MSIE_PADDING)).toBe(false);
  });

  it('builds the msie_refresh page with NGX_ESCAPE_REFRESH', () => {
    expect(msieRefreshBody('http://e/a b"~')).toBe(
      '<html><head><meta http-equiv="Refresh" content="0; URL=http://e/a%20b%22%7E"></head><body></body></html>\r\n',
    );
  });
});

// ---------------------------------------------------------------------------------------------
// Live nginx

// `return 408` and `return 499` close without an answer and `return 444` is nginx's silent close.
const STATUSES = [
  200, 201, 202, 203, 204, 205, 206, 207, 299, 300, 301, 302, 303, 304, 305, 306, 307, 308, 309, 400, 401, 402, 403,
  404, 405, 406, 407, 409, 410, 411, 412, 413, 414, 415, 416, 417, 418, 420, 421, 422, 425, 428, 429, 430, 450,
  493, 494, 495, 496, 497, 498, 500, 501, 502, 503, 504, 505, 506, 507, 508, 511, 599, 600, 999,
];

const MSIE_UA = 'Mozilla/4.0 (compatible; MSIE 6.0; Windows NT 5.1)';
const CHROME_UA = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36';
const FIREFOX_UA = 'Mozilla/5.0 (X11; Linux x86_64; rv:120.0) Gecko/20100101 Firefox/120.0';
const OPERA_UA = 'Opera/9.80 (compatible; MSIE 6.0)';

/** Sends an HTTP/1.0 request and returns the status line's text after `HTTP/1.1 ` and the body. */
async function get(port: number, path: string, ua?: string): Promise<{ status: string; body: string }> {
  const raw = `GET ${path} HTTP/1.0\r\n` + (ua === undefined ? '' : `User-Agent: ${ua}\r\n`) + '\r\n';
  const { raw: response } = await exchange(port, raw, { timeoutMs: 5000 });
  const eol = response.indexOf('\r\n');
  return {
    status: response.slice('HTTP/1.1 '.length, eol),
    body: response.slice(response.indexOf('\r\n\r\n') + 4),
  };
}

function options(serverTokens: ServerTokens, ua?: string, msiePadding = true): SpecialResponseOptions {
  return { ...PLAIN, serverTokens, msiePadding, browser: userAgentFlags(ua) };
}

describe.skipIf(!HAVE_NGINX)('special responses agree with live nginx', () => {
  let dir = '';
  let port = 0;
  let server: RunningServer | undefined;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'ngts-special-'));
    port = await freePort();
    const locations = STATUSES.map(
      (s) => `location = /on/${s} { return ${s}; }
        location = /off/${s} { server_tokens off; return ${s}; }
        location = /build/${s} { server_tokens build; return ${s}; }`,
    ).join('\n');
    writeFileSync(
      join(dir, 'nginx.conf'),
      nginxConf(
        dir,
        `server {
          listen 127.0.0.1:${port};
          ${locations}
          location = /nopad/404 { msie_padding off; return 404; }
          location /refresh/ { msie_refresh on; return 302 "http://e$uri"; }
        }`,
        { errorLogLevel: 'info' },
      ),
    );
    server = await startServer('nginx', dir, { ports: [port] });
  });

  afterAll(async () => {
    await server?.stop();
    if (dir !== '') rmSync(dir, { recursive: true, force: true });
  });

  for (const tokens of ['on', 'off', 'build'] as const) {
    it(`status lines and pages, server_tokens ${tokens}`, async () => {
      for (const s of STATUSES) {
        const got = await get(port, `/${tokens}/${s}`);
        expect(got, `return ${s}`).toEqual({
          status: statusLine(wireStatus(s)),
          body: specialResponseBody(s, options(tokens)),
        });
      }
    });
  }

  it('pads for MSIE and Chrome only, 4xx/5xx only, unless msie_padding is off', async () => {
    for (const ua of [MSIE_UA, CHROME_UA, FIREFOX_UA, OPERA_UA]) {
      for (const s of [302, 404, 494, 500]) {
        expect(await get(port, `/on/${s}`, ua), `${s} ${ua}`).toEqual({
          status: statusLine(wireStatus(s)),
          body: specialResponseBody(s, options('on', ua)),
        });
      }
    }
    expect((await get(port, '/on/404', MSIE_UA)).body.endsWith(MSIE_PADDING)).toBe(true);
    expect((await get(port, '/nopad/404', MSIE_UA)).body).toBe(specialResponseBody(404, options('on', MSIE_UA, false)));
  });

  it('sends MSIE a refresh page for a redirect when msie_refresh is on', async () => {
    const bytes = Array.from({ length: 255 }, (_, i) => i + 1).filter((b) => b !== 0x2f && b !== 0x2e);
    const path = '/refresh/' + bytes.map((b) => '%' + b.toString(16).padStart(2, '0')).join('');
    const decoded = '/refresh/' + String.fromCharCode(...bytes);
    expect(await get(port, path, MSIE_UA)).toEqual({
      status: statusLine(200),
      body: msieRefreshBody('http://e' + decoded),
    });
    expect(await get(port, '/refresh/x', CHROME_UA)).toEqual({
      status: statusLine(302),
      body: specialResponseBody(302, options('on', CHROME_UA)),
    });
  });
});
