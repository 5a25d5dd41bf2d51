/**
 * Buffered access logs and the error log across the process's life, nginx and ngts side by side:
 * lines wait in the buffer until it fills, its `flush=` timer fires, SIGUSR1 (flushed into the old
 * file, then reopened: a rotated log keeps its lines) or the process stops (SIGQUIT and SIGTERM
 * both flush). A reload (SIGHUP) flushes the old configuration's lines and switches to a changed
 * main `error_log` — ngts only: nginx with `master_process off` closes the old buffered file
 * without flushing it (its workers, in the usual mode, flush as they exit, as ngts does).
 */
import { existsSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import { httpGet as get } from '../harness/http-get.js';
import { requireNginx } from '../harness/nginx.js';
import { freePort } from '../harness/ports.js';
import { startServer, type RunningServer, type ServerKind } from '../harness/server.js';
import { nginxConf } from '../harness/conf.js';

const live = requireNginx('the buffered log comparison');
const KINDS: readonly ServerKind[] = live ? ['nginx', 'ngts'] : ['ngts'];
const dirs: string[] = [];
const running: RunningServer[] = [];

afterEach(async () => {
  for (const s of running.splice(0)) await s.stop();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function conf(dir: string, port: number, accessLog: string, errorLog = 'error.log', body = 'return 200 "ok\\n";'): string {
  return nginxConf(
    dir,
    [
      "  log_format short '$request $status';",
      `  access_log ${dir}/${accessLog};`,
      `  server { listen 127.0.0.1:${port}; root ${dir}; location / { ${body} } location /missing/ { } }`,
    ],
    { errorLog, errorLogLevel: 'info', accessLog: true },
  );
}

async function start(kind: ServerKind, accessLog: string): Promise<{ dir: string; port: number; server: RunningServer }> {
  const dir = mkdtempSync(join(tmpdir(), `ngts-loglife-${kind}-`));
  dirs.push(dir);
  const port = await freePort();
  writeFileSync(join(dir, 'nginx.conf'), conf(dir, port, accessLog));
  const server = await startServer(kind, dir, { ports: [port] });
  running.push(server);
  return { dir, port, server };
}

function lines(path: string): string[] {
  return existsSync(path) ? readFileSync(path, 'latin1').split('\n').filter((l) => l.length > 0) : [];
}

async function until(fn: () => boolean, ms = 5000): Promise<boolean> {
  const end = Date.now() + ms;
  while (!fn()) {
    if (Date.now() > end) return false;
    await new Promise((r) => setTimeout(r, 20));
  }
  return true;
}

/** Stops a server gracefully and waits for it to exit. */
async function quit(server: RunningServer): Promise<void> {
  process.kill(server.pid, 'SIGQUIT');
  await until(() => server.exitStatus() !== null);
}

describe('buffered access logs as nginx writes them', () => {
  for (const kind of KINDS) {
    it(`${kind}: lines wait in the buffer; SIGUSR1 flushes them into the rotated file, then reopens`, async () => {
      const { dir, port, server } = await start(kind, 'buf.log short buffer=64k flush=1h');
      await get(port, '/one');
      await get(port, '/two');
      expect(lines(join(dir, 'buf.log'))).toEqual([]);
      renameSync(join(dir, 'buf.log'), join(dir, 'buf.log.1'));
      process.kill(server.pid, 'SIGUSR1');
      expect(await until(() => existsSync(join(dir, 'buf.log')))).toBe(true);
      expect(lines(join(dir, 'buf.log.1'))).toEqual(['GET /one HTTP/1.1 200', 'GET /two HTTP/1.1 200']);
      await get(port, '/three');
      await quit(server);
      expect(lines(join(dir, 'buf.log'))).toEqual(['GET /three HTTP/1.1 200']);
    });

    it(`${kind}: flush= writes a line once it has waited that long`, async () => {
      const { dir, port } = await start(kind, 'buf.log short buffer=64k flush=1s');
      await get(port, '/one');
      expect(lines(join(dir, 'buf.log'))).toEqual([]);
      expect(await until(() => lines(join(dir, 'buf.log')).length === 1)).toBe(true);
      expect(lines(join(dir, 'buf.log'))).toEqual(['GET /one HTTP/1.1 200']);
    });

    it(`${kind}: a full buffer is written before the line that does not fit`, async () => {
      // A line is 21 bytes but reserves 38: 20 for $status (NGX_INT_T_LEN). The third does not fit
      // in the 18 bytes left of 60, so the first two are written before it.
      const { dir, port, server } = await start(kind, 'buf.log short buffer=60');
      for (const n of [1, 2, 3]) await get(port, `/a${n}`);
      // The line is logged after the answer went out: the client may read before the server logs.
      await until(() => lines(join(dir, 'buf.log')).length > 0);
      expect(lines(join(dir, 'buf.log'))).toEqual(['GET /a1 HTTP/1.1 200', 'GET /a2 HTTP/1.1 200']);
      process.kill(server.pid, 'SIGTERM');
      await until(() => server.exitStatus() !== null);
      expect(lines(join(dir, 'buf.log'))).toEqual(['GET /a1 HTTP/1.1 200', 'GET /a2 HTTP/1.1 200', 'GET /a3 HTTP/1.1 200']);
    });

    it(`${kind}: gzip writes one gzip member per flush, the last at exit`, async () => {
      const { dir, port, server } = await start(kind, 'buf.gz short gzip=9 buffer=60');
      for (const n of [1, 2, 3]) await get(port, `/g${n}`);
      await quit(server);
      const data = readFileSync(join(dir, 'buf.gz'));
      expect(gunzipSync(data).toString('latin1')).toBe('GET /g1 HTTP/1.1 200\nGET /g2 HTTP/1.1 200\nGET /g3 HTTP/1.1 200\n');
      // zlib's gzip header: no name, mtime 0, XFL 2 (level 9), OS 3; one per member.
      const header = Buffer.from('1f8b08000000000002 03'.replace(' ', ''), 'hex');
      let members = 0;
      for (let i = data.indexOf(header); i >= 0; i = data.indexOf(header, i + 1)) members++;
      expect(members).toBe(2);
    });
  }
});

describe('reload and the logs', () => {
  it('SIGHUP flushes the buffered lines and switches to a changed main error_log', async () => {
    const { dir, port, server } = await start('ngts', 'buf.log short buffer=64k flush=1h');
    await get(port, '/missing/one');
    expect(lines(join(dir, 'buf.log'))).toEqual([]);
    writeFileSync(join(dir, 'nginx.conf'), conf(dir, port, 'buf.log short buffer=64k flush=1h', 'second.log', 'return 200 "v2\\n";'));
    process.kill(server.pid, 'SIGHUP');
    expect(await until(() => lines(join(dir, 'buf.log')).length === 1)).toBe(true);
    for (let i = 0; i < 250 && (await get(port, '/')).body !== 'v2\n'; i++) await new Promise((r) => setTimeout(r, 20));
    await get(port, '/missing/two');
    await quit(server);
    // The line of before the reload, the polls, the line of after.
    const all = lines(join(dir, 'buf.log'));
    expect(all[0]).toBe('GET /missing/one HTTP/1.1 404');
    expect(all[all.length - 1]).toBe('GET /missing/two HTTP/1.1 404');
    expect(all.slice(1, -1).every((l) => l === 'GET / HTTP/1.1 200')).toBe(true);
    const first = lines(join(dir, 'error.log')).join('\n');
    const second = lines(join(dir, 'second.log')).join('\n');
    expect(first).toContain('open() "' + dir + '/missing/one" failed (2: No such file or directory)');
    expect(first).toContain('[notice]');
    expect(first).toMatch(/signal 1 \(SIGHUP\) received/);
    expect(first).not.toContain('/missing/two');
    expect(second).toContain('open() "' + dir + '/missing/two" failed (2: No such file or directory)');
    expect(second).toMatch(/\[notice\] \d+#\d+: exit/);
  });
});
