/**
 * stub_status against nginx: the same configuration served by nginx and by ngts, the same
 * sequence of connections (idle keep-alive ones, silent ones, one stopped in the middle of its
 * head, a body being discarded, a refused head, pipelined requests, a pipelined head cut short),
 * and the page after each step must be the same bytes. Also HEAD, 405, stub_status at server
 * level and in an `if`, and the `$connections_*` variables. Then, ngts alone: the counters go on
 * across a reload, and an idle connection the new configuration adopted still counts as waiting.
 */
import net from 'node:net';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nginxConf } from '../harness/conf.js';
import { requireNginx } from '../harness/nginx.js';
import { freePort } from '../harness/ports.js';
import { header, parseResponses, type RawResponse } from '../harness/raw-client.js';
import { startServer, type RunningServer, type ServerKind } from '../harness/server.js';

const live = requireNginx('the stub_status comparison');

/** Time for the server to act on what a step sent before the page is asked for. */
const SETTLE_MS = 250;

function conf(dir: string, port: number, serverLevelPort: number, extra = ''): string {
  return nginxConf(dir, [
    `  server {`,
    `    listen 127.0.0.1:${port};`,
    `    location /status { stub_status; }`,
    `    location /if-status { stub_status; if ($arg_x) { set $y 1; } }`,
    `    location /vars { return 200 "$connections_active $connections_reading $connections_writing $connections_waiting\\n"; }`,
    `    location / { return 200 "ok\\n"; }`,
    extra,
    `  }`,
    `  server { listen 127.0.0.1:${serverLevelPort}; stub_status; location /x { return 200 "x\\n"; } }`,
  ]);
}

interface Client {
  readonly socket: net.Socket;
  data: string;
  ended: boolean;
}

function open(port: number): Promise<Client> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    const c: Client = { socket, data: '', ended: false };
    socket.on('data', (d: Buffer) => (c.data += d.toString('latin1')));
    socket.on('close', () => (c.ended = true));
    socket.on('error', () => (c.ended = true));
    socket.once('connect', () => resolve(c));
    socket.once('error', reject);
  });
}

const delay = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Waits until `n` complete responses came on `c` (or it closed, or 3 s passed). */
async function responses(c: Client, n: number, head = false): Promise<RawResponse[]> {
  const end = Date.now() + 3000;
  for (;;) {
    const got = parseResponses(c.data, c.ended, head).filter((r) => r.complete);
    if (got.length >= n || c.ended || Date.now() > end) return got;
    await delay(10);
  }
}

/** One request on a new connection, closed after the response. */
async function once(port: number, request: string, head = false): Promise<RawResponse> {
  const c = await open(port);
  c.socket.write(request);
  const [r] = await responses(c, 1, head);
  c.socket.destroy();
  if (r === undefined) throw new Error(`no response to ${JSON.stringify(request)}`);
  return r;
}

/** The page (or `path`'s body) after the server had time to act on the last step. */
async function page(port: number, path = '/status'): Promise<string> {
  await delay(SETTLE_MS);
  return (await once(port, `GET ${path} HTTP/1.0\r\n\r\n`)).body;
}

/** What one server shows along the sequence. */
type Observed = [step: string, value: string][];

async function sequence(port: number, serverLevelPort: number): Promise<Observed> {
  const out: Observed = [];
  const held: Client[] = [];
  try {
    out.push(['start', await page(port)]);
    for (let i = 0; i < 3; i++) {
      const c = await open(port);
      c.socket.write('GET /a HTTP/1.1\r\nHost: t\r\n\r\n');
      await responses(c, 1);
      held.push(c);
    }
    out.push(['3 idle keep-alive connections', await page(port)]);
    for (let i = 0; i < 2; i++) held.push(await open(port));
    out.push(['2 connections that sent nothing', await page(port)]);
    {
      const c = await open(port);
      c.socket.write('GET /a HTTP/1.1\r\nHost: t\r\n');
      held.push(c);
    }
    out.push(['1 head half sent', await page(port)]);
    {
      const c = await open(port);
      c.socket.write('POST /a HTTP/1.1\r\nHost: t\r\nContent-Length: 4\r\n\r\nab');
      await responses(c, 1);
      held.push(c);
    }
    out.push(['answered, its body still being discarded', await page(port)]);
    {
      const c = await open(port);
      c.socket.write('GET /a HTTP/1.1\r\n\r\n');
      await responses(c, 1);
    }
    out.push(['400 (no Host), closed', await page(port)]);
    {
      const c = await open(port);
      c.socket.write('GET /a HTTP/1.1\r\nHost: t\r\n\r\nGET /b HTTP/1.1\r\nHost: t\r\n\r\n');
      await responses(c, 2);
      held.push(c);
    }
    out.push(['2 pipelined, then idle', await page(port)]);
    {
      const c = await open(port);
      c.socket.write('GET /a HTTP/1.1\r\nHost: t\r\n\r\nGET /b HTTP/1.1\r\nHo');
      await responses(c, 1);
      held.push(c);
    }
    out.push(['pipelined, the second head cut short', await page(port)]);
    out.push(['$connections_*', await page(port, '/vars')]);
    {
      const c = await open(port);
      c.socket.write('GET /status HTTP/1.1\r\nHost: t\r\n\r\nGET /vars HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n');
      const rs = await responses(c, 2);
      out.push(['pipelined /status and /vars', rs.map((r) => r.body).join('|')]);
    }
    out.push(['stub_status in a location with if', await page(port, '/if-status?x=1')]);
    for (const c of held.splice(0)) c.socket.destroy();
    out.push(['all closed', await page(port)]);
    out.push(['server-level stub_status', await page(serverLevelPort, '/anything')]);
    out.push(['its location', await page(serverLevelPort, '/x')]);
    const head = await once(port, 'HEAD /status HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n', true);
    out.push(['HEAD', `${head.status} ${header(head.headers, 'content-type')} ${header(head.headers, 'content-length')} [${head.body}]`]);
    const post = await once(port, 'POST /status HTTP/1.1\r\nHost: t\r\nContent-Length: 3\r\nConnection: close\r\n\r\nabc');
    out.push(['POST', `${post.status} ${header(post.headers, 'content-type')}`]);
    out.push(['after HEAD and POST', await page(port)]);
    return out;
  } finally {
    for (const c of held) c.socket.destroy();
  }
}

async function observe(kind: ServerKind): Promise<Observed> {
  const dir = mkdtempSync(join(tmpdir(), `ngts-stub-status-${kind}-`));
  let server: RunningServer | null = null;
  try {
    const port = await freePort();
    const serverLevelPort = await freePort();
    writeFileSync(join(dir, 'nginx.conf'), conf(dir, port, serverLevelPort));
    server = await startServer(kind, dir, { ports: [port, serverLevelPort] });
    return await sequence(port, serverLevelPort);
  } finally {
    await server?.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

describe.skipIf(!live)('stub_status agrees with nginx', () => {
  const seen = new Map<ServerKind, Observed>();

  beforeAll(async () => {
    seen.set('nginx', await observe('nginx'));
    seen.set('ngts', await observe('ngts'));
  }, 60_000);

  afterAll(() => seen.clear());

  it('the sequence means what it says (nginx)', () => {
    const nginx = new Map(seen.get('nginx'));
    expect(nginx.get('start')).toBe('Active connections: 1 \nserver accepts handled requests\n 3 3 1 \nReading: 0 Writing: 1 Waiting: 0 \n');
    expect(nginx.get('3 idle keep-alive connections')).toMatch(/Reading: 0 Writing: 1 Waiting: 3 \n$/);
    expect(nginx.get('1 head half sent')).toMatch(/Reading: 1 Writing: 1 Waiting: 5 \n$/);
    expect(nginx.get('POST')).toBe('405 text/html');
  });

  it('every step shows the same page', () => {
    const nginx = seen.get('nginx')!;
    const ngts = seen.get('ngts')!;
    console.info(`stub_status: ${nginx.length} steps, ngts shows nginx's page at ${ngts.filter(([, v], i) => v === nginx[i]?.[1]).length}`);
    expect(ngts).toEqual(nginx);
  });
});

describe('stub_status counters across a reload (ngts)', () => {
  it('go on counting, and an adopted idle connection stays waiting', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ngts-stub-status-reload-'));
    let server: RunningServer | null = null;
    try {
      const port = await freePort();
      const other = await freePort();
      writeFileSync(join(dir, 'nginx.conf'), conf(dir, port, other));
      server = await startServer('ngts', dir, { ports: [port, other] });
      const idle = await open(port);
      idle.socket.write('GET /a HTTP/1.1\r\nHost: t\r\n\r\n');
      await responses(idle, 1);
      const before = await page(port);
      writeFileSync(join(dir, 'nginx.conf'), conf(dir, port, other, '    location /added { return 200 "added\\n"; }'));
      process.kill(server.pid, 'SIGHUP');
      let polls = 0;
      for (;;) {
        polls++;
        const r = await once(port, 'GET /added HTTP/1.0\r\n\r\n');
        if (r.status === 200) break;
        if (polls > 200) throw new Error('the reload did not happen');
        await delay(25);
      }
      const after = await page(port);
      const counts = (text: string): number[] => (/ (\d+) (\d+) (\d+) \n/.exec(text) ?? []).slice(1).map(Number);
      const [accepted = 0, , requests = 0] = counts(before);
      // The page itself, the polls, then this page: one connection and one request each.
      expect(counts(after)).toEqual([accepted + polls + 1, accepted + polls + 1, requests + polls + 1]);
      expect(after).toMatch(/^Active connections: 2 \n[^]*Reading: 0 Writing: 1 Waiting: 1 \n$/);
      idle.socket.write('GET /added HTTP/1.1\r\nHost: t\r\n\r\n');
      const [, second] = await responses(idle, 2);
      expect(second?.body).toBe('added\n');
      idle.socket.destroy();
    } finally {
      await server?.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  }, 30_000);
});
