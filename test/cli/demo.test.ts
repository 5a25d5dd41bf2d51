/**
 * The bundled demo (fixtures/demo, what `npm start` runs) answers the commands the demo prints:
 * routing to both upstreams, 401/403 JSON for a missing or unknown API key, 400 JSON for an
 * unknown API path. The demo's fixed ports are swapped for free ones in a copy.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, waitForPort } from '../harness/ports.js';
import { REPO } from '../harness/server.js';

const KEY = '7B5zIqmRGXmrJTFmKa99vcit';
const dir = mkdtempSync(join(tmpdir(), 'ngts-demo-'));
let child: ChildProcess;
let gateway = 0;

function files(d: string): string[] {
  return readdirSync(d).flatMap((n) => (statSync(join(d, n)).isDirectory() ? files(join(d, n)) : [join(d, n)]));
}

/**
 * Copies the demo with free ports and starts it. A port found free may be taken by a parallel test
 * before ngts binds it: then ngts exits with nginx's bind() error and the start is tried again.
 */
async function startDemo(): Promise<void> {
  let lastError = '';
  for (let attempt = 0; attempt < 3; attempt++) {
    rmSync(dir, { recursive: true, force: true });
    cpSync(join(REPO, 'fixtures/demo'), dir, { recursive: true });
    const ports = new Map<string, number>();
    const used = new Set<number>();
    for (const p of [8080, 8081, 8082, 8083, 8087, 8088, 8089]) {
      let port = await freePort();
      while (used.has(port)) port = await freePort();
      used.add(port);
      ports.set(String(p), port);
    }
    gateway = ports.get('8080')!;
    for (const f of files(dir).filter((f) => f.endsWith('.conf'))) {
      writeFileSync(f, readFileSync(f, 'latin1').replace(/127\.0\.0\.1:(80[89]\d)/g, (m, p: string) => `127.0.0.1:${ports.get(p) ?? p}`), 'latin1');
    }
    child = spawn(process.execPath, [join(REPO, 'bin/ngts.js'), '-p', `${dir}/`, '-c', 'nginx.conf'], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<'exited'>((resolve) => child.on('exit', () => resolve('exited')));
    const result = await Promise.race([waitForPort(gateway).then(() => 'up' as const, () => 'exited' as const), exited]);
    if (result === 'up') return;
    lastError = stderr;
  }
  throw new Error(`the demo did not start: ${lastError}`);
}

beforeAll(startDemo);

afterAll(() => {
  child?.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

function get(path: string, headers: Record<string, string> = {}): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    http.get({ host: '127.0.0.1', port: gateway, path, headers, agent: false }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    }).on('error', reject);
  });
}

describe('the demo', () => {
  it('routes inventory and pricing to their upstreams with a valid key', async () => {
    const inv = await get('/api/warehouse/inventory', { apikey: KEY });
    expect(inv.status).toBe(200);
    expect(JSON.parse(inv.body)).toMatchObject({ service: 'inventory', uri: '/api/warehouse/inventory' });
    const price = await get('/api/warehouse/pricing/item001', { apikey: KEY });
    expect(JSON.parse(price.body)).toMatchObject({ service: 'pricing', uri: '/api/warehouse/pricing/item001' });
  });

  it('answers JSON errors: no key 401, unknown key 403, unknown path 400', async () => {
    expect(await get('/api/warehouse/inventory')).toEqual({ status: 401, body: '{"status":401,"message":"Unauthorized"}\n' });
    expect(await get('/api/warehouse/inventory', { apikey: 'wrong' })).toEqual({ status: 403, body: '{"status":403,"message":"Forbidden"}\n' });
    expect(await get('/api/warehouse/nope', { apikey: KEY })).toEqual({ status: 400, body: '{"status":400,"message":"Bad request"}\n' });
  });
});
