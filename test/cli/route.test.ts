// `ngts route` with limit_except: a method the block does not list is answered with the block's
// configuration (fixtures/http/limit-except/ holds nginx's own answers for the same rules).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const NGTS = new URL('../../bin/ngts.js', import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), 'ngts-route-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const conf = join(dir, 'nginx.conf');
writeFileSync(
  conf,
  `events {}
http {
    server {
        listen 127.0.0.1:8080;
        location / {
            return 200 "ok";
            limit_except GET {
                deny all;
            }
        }
        location /api/ {
            proxy_pass http://127.0.0.1:9000;
            limit_except GET POST { allow 10.0.0.0/8; deny all; }
        }
    }
}
`,
);
const route = (method: string, uri: string): { lines: string[]; json: Record<string, unknown> } => {
  const text = spawnSync(process.execPath, [NGTS, 'route', '-c', conf, '--method', method, uri], { encoding: 'utf8' });
  const json = spawnSync(process.execPath, [NGTS, 'route', '-c', conf, '--method', method, '--json', uri], { encoding: 'utf8' });
  expect(text.status).toBe(0);
  return { lines: text.stdout.trim().split('\n'), json: JSON.parse(json.stdout) as Record<string, unknown> };
};

describe('ngts route and limit_except', () => {
  it('a listed method keeps the location (GET brings HEAD)', () => {
    for (const method of ['GET', 'HEAD']) {
      const r = route(method, '/');
      expect(r.lines).toContain('handler:  return 200 "ok"');
      expect(r.json.limitExcept).toBeNull();
    }
  });
  it('another method gets the block: the return does not run, static files answer', () => {
    const r = route('POST', '/');
    expect(r.lines).toContain(`method:   POST is not one of GET HEAD: the limit_except block at ${conf}:7 applies (its allow/deny and auth; the location's rewrite directives do not run)`);
    expect(r.lines).toContain('handler:  static files (root/index)');
  });
  it('the block takes the location proxy_pass', () => {
    expect(route('POST', '/api/x').json.limitExcept).toBeNull();
    const r = route('DELETE', '/api/x');
    expect(r.json.limitExcept).toMatch(/^DELETE is not one of GET POST HEAD: the limit_except block at .*:13 applies/);
    expect(r.lines).toContain('handler:  proxy_pass http://127.0.0.1:9000');
  });
});
