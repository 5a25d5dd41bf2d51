/**
 * `ngts run` as a process: it refuses a bad config with nginx's message, binds every listener
 * (TCP and unix) before writing the pid file, stops at once on SIGTERM, and on SIGQUIT finishes a
 * request in flight, refuses new connections, then exits and removes its pid file.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startEchoBackend, type EchoBackend } from '../harness/echo-backend.js';
import { accepts, freePort, waitForPort } from '../harness/ports.js';
import { httpGet as get } from '../harness/http-get.js';
import { REPO } from '../harness/server.js';
import { nginxConf } from '../harness/conf.js';

const dirs: string[] = [];
const children: ChildProcess[] = [];
const backends: EchoBackend[] = [];

afterEach(async () => {
  for (const c of children.splice(0)) if (c.exitCode === null) c.kill('SIGKILL');
  for (const b of backends.splice(0)) await b.close();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function conf(dir: string, body: string): string {
  return nginxConf(dir, body, { pid: 'run.pid' });
}

function start(dir: string): { child: ChildProcess; exited: Promise<number | null>; stderr: () => string } {
  const child = spawn(process.execPath, [join(REPO, 'bin/ngts.js'), '-p', `${dir}/`, '-c', `${dir}/nginx.conf`], { stdio: ['ignore', 'ignore', 'pipe'] });
  children.push(child);
  let err = '';
  child.stderr!.on('data', (d: Buffer) => (err += d.toString('latin1')));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, exited, stderr: () => err };
}

describe('ngts run', () => {
  it('refuses a configuration nginx refuses, with nginx\'s message and exit code 1', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ngts-run-'));
    dirs.push(dir);
    writeFileSync(join(dir, 'nginx.conf'), conf(dir, '    server { listen: 80; }'));
    const { exited, stderr } = start(dir);
    expect(await exited).toBe(1);
    expect(stderr()).toContain(`nginx: [emerg] unknown directive "listen:" in ${dir}/nginx.conf:13`);
    expect(existsSync(join(dir, 'run.pid'))).toBe(false);
  });

  it('binds TCP and unix listeners before the pid file, and stops at once on SIGTERM', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ngts-run-'));
    dirs.push(dir);
    const port = await freePort();
    const sock = join(dir, 'ngts.sock');
    writeFileSync(
      join(dir, 'nginx.conf'),
      conf(dir, `    server {\n        listen 127.0.0.1:${port};\n        listen unix:${sock};\n        location / { return 200 "via $server_addr\\n"; }\n    }`),
    );
    const { child, exited } = start(dir);
    await waitForPort(port);
    // The pid file names this process once the listeners are up.
    for (let i = 0; i < 100 && !existsSync(join(dir, 'run.pid')); i++) await new Promise((r) => setTimeout(r, 20));
    expect(readFileSync(join(dir, 'run.pid'), 'latin1')).toBe(`${child.pid}\n`);
    expect((await get(port, '/')).body).toBe('via 127.0.0.1\n');
    const viaUnix = await new Promise<string>((resolve, reject) => {
      http
        .get({ socketPath: sock, path: '/', agent: false }, (res) => {
          let body = '';
          res.on('data', (c: Buffer) => (body += c.toString('latin1')));
          res.on('end', () => resolve(body));
        })
        .on('error', reject);
    });
    expect(viaUnix).toBe(`via unix:${sock}\n`);
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(existsSync(join(dir, 'run.pid'))).toBe(false);
    expect(existsSync(sock)).toBe(false);
  });

  it('on SIGQUIT finishes the request in flight, refuses new connections, then exits', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ngts-run-'));
    dirs.push(dir);
    const port = await freePort();
    const backend = await startEchoBackend('slow');
    backends.push(backend);
    writeFileSync(
      join(dir, 'nginx.conf'),
      conf(dir, `    server {\n        listen 127.0.0.1:${port};\n        location / { proxy_pass http://${backend.address}; }\n    }`),
    );
    const { child, exited } = start(dir);
    await waitForPort(port);
    const inFlight = get(port, '/work?be=sleep:600');
    await new Promise((r) => setTimeout(r, 200));
    child.kill('SIGQUIT');
    await new Promise((r) => setTimeout(r, 100));
    expect(await accepts(port)).toBe(false);
    const answer = await inFlight;
    expect(answer.status).toBe(200);
    expect(await exited).toBe(0);
  });
});
