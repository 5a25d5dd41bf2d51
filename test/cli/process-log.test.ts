/**
 * ngts's own process log (`--log-format`): JSON lines through pino with the request's status,
 * method, URI, location, upstream and time, plus start and reload events; the pretty form, one
 * line per request (without colours when not on a terminal); none by default off a terminal.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startEchoBackend, type EchoBackend } from '../harness/echo-backend.js';
import { freePort, waitForPort } from '../harness/ports.js';
import { REPO } from '../harness/server.js';

const children: ChildProcess[] = [];
const dirs: string[] = [];
const backends: EchoBackend[] = [];
afterEach(async () => {
  for (const c of children.splice(0)) if (c.exitCode === null) c.kill('SIGKILL');
  for (const b of backends.splice(0)) await b.close();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

async function serve(format: string | null): Promise<{ port: number; out: () => string; child: ChildProcess; backend: EchoBackend }> {
  const dir = mkdtempSync(join(tmpdir(), 'ngts-plog-'));
  dirs.push(dir);
  const port = await freePort();
  const backend = await startEchoBackend('app');
  backends.push(backend);
  writeFileSync(
    join(dir, 'nginx.conf'),
    `error_log ${dir}/error.log;\nevents {}\nhttp {\n  access_log off;\n  server {\n    listen 127.0.0.1:${port};\n    location = /ok { return 200 "ok\\n"; }\n    location /api/ { proxy_pass http://${backend.address}; }\n  }\n}\n`,
  );
  const args = [join(REPO, 'bin/ngts.js'), '-p', `${dir}/`, '-c', 'nginx.conf', ...(format ? ['--log-format', format] : [])];
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'ignore'] });
  children.push(child);
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString('utf8')));
  await waitForPort(port);
  return { port, out: () => out, child, backend };
}

function get(port: number, path: string): Promise<number> {
  return new Promise((resolve, reject) => {
    http.get({ host: '127.0.0.1', port, path, agent: false }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    }).on('error', reject);
  });
}

async function lines(out: () => string, n: number): Promise<string[]> {
  for (let i = 0; i < 200; i++) {
    const l = out().split('\n').filter((x) => x !== '');
    if (l.length >= n) return l;
    await new Promise((r) => setTimeout(r, 20));
  }
  return out().split('\n').filter((x) => x !== '');
}

describe('process log', () => {
  it('--log-format json: a pino line per request, with the location and the upstream', async () => {
    const { port, out, backend } = await serve('json');
    await get(port, '/ok');
    await get(port, '/api/items?x=1');
    await get(port, '/missing');
    const json = (await lines(out, 4)).map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(json[0]).toMatchObject({ level: 30, msg: 'listening' });
    const reqs = json.filter((j) => j.msg === 'request');
    expect(reqs.map((j) => [j.status, j.method, j.uri, j.location, j.upstream])).toEqual([
      [200, 'GET', '/ok', 'location = /ok', null],
      [200, 'GET', '/api/items?x=1', 'location /api/', backend.address],
      [404, 'GET', '/missing', null, null],
    ]);
    for (const j of reqs) {
      expect(typeof j.ms).toBe('number');
      expect(j.client).toBe('127.0.0.1');
      expect(typeof j.time).toBe('number');
    }
  });

  it('--log-format pretty: one readable line per request', async () => {
    const { port, out } = await serve('pretty');
    await get(port, '/api/x');
    const [line] = await lines(out, 1);
    expect(line).toMatch(/^\d\d:\d\d:\d\d 200 GET \/api\/x location \/api\/ → 127\.0\.0\.1:\d+ \d+ms$/);
  });

  it('writes nothing off a terminal unless asked', async () => {
    const { port, out } = await serve(null);
    await get(port, '/ok');
    await new Promise((r) => setTimeout(r, 100));
    expect(out()).toBe('');
  });
});
