/**
 * Reload and the other signals of a running `ngts`, as nginx's master handles them: SIGHUP (or
 * `ngts -s reload`) switches to the new configuration without refusing a connection or failing a
 * request, keeps the old one when the new one has an error (logging the `[emerg]`), lets a request
 * in flight finish on the old configuration, opens added listeners and closes removed ones;
 * SIGUSR1 (`-s reopen`) reopens the access log after rotation; `-s` reports nginx's errors.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startEchoBackend, type EchoBackend } from '../harness/echo-backend.js';
import { accepts, freePort, waitForPort } from '../harness/ports.js';
import { httpGet as get } from '../harness/http-get.js';
import { REPO } from '../harness/server.js';
import { loadKeepingBodies } from '../harness/load-bodies.js';

const NGTS = join(REPO, 'bin/ngts.js');
const dirs: string[] = [];
const children: ChildProcess[] = [];
const backends: EchoBackend[] = [];

afterEach(async () => {
  for (const c of children.splice(0)) if (c.exitCode === null) c.kill('SIGKILL');
  for (const b of backends.splice(0)) await b.close();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'ngts-reload-'));
  dirs.push(dir);
  return dir;
}

function writeConf(dir: string, body: string): void {
  writeFileSync(join(dir, 'nginx.conf'), `error_log ${dir}/error.log notice;\npid ${dir}/run.pid;\nevents {}\nhttp {\n    access_log off;\n${body}\n}\n`);
}

async function start(dir: string, port: number): Promise<ChildProcess> {
  const child = spawn(process.execPath, [NGTS, '-p', `${dir}/`, '-c', `${dir}/nginx.conf`], { stdio: ['ignore', 'ignore', 'ignore'] });
  children.push(child);
  await waitForPort(port);
  for (let i = 0; i < 100 && !existsSync(join(dir, 'run.pid')); i++) await new Promise((r) => setTimeout(r, 20));
  return child;
}

function signal(dir: string, name: string): { status: number | null; stderr: string } {
  const r = spawnSync(process.execPath, [NGTS, '-p', `${dir}/`, '-c', `${dir}/nginx.conf`, '-s', name], { encoding: 'latin1' });
  return { status: r.status, stderr: r.stderr };
}

/**
 * Waits until `fn` holds, polling. The limit is generous: under the whole suite on two cores a
 * reload (read, check, compile, bind) has taken over 5 s, and a poll that holds ends at once.
 */
async function until(fn: () => Promise<boolean> | boolean, ms = 15_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await fn())) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 25));
  }
}

const errorLog = (dir: string): string => (existsSync(join(dir, 'error.log')) ? readFileSync(join(dir, 'error.log'), 'latin1') : '');

describe('reload', () => {
  it('10 reloads while autocannon runs: every request answered, by the old or the new configuration', async () => {
    const dir = tempDir();
    const port = await freePort();
    const server = (v: number): string => `    server { listen 127.0.0.1:${port}; location / { return 200 "v${v}\\n"; } }`;
    writeConf(dir, server(0));
    const child = await start(dir, port);
    const { run, bodies } = loadKeepingBodies(port, 3);
    for (let v = 1; v <= 10; v++) {
      await new Promise((r) => setTimeout(r, 200));
      writeConf(dir, server(v));
      child.kill('SIGHUP');
    }
    const result = await run;
    expect(result.requests.total).toBeGreaterThan(100);
    expect(result.errors, 'connection errors').toBe(0);
    expect(result.timeouts).toBe(0);
    expect(result.non2xx).toBe(0);
    await until(async () => (await get(port, '/')).body === 'v10\n');
    expect(errorLog(dir).match(/signal 1 \(SIGHUP\) received, reconfiguring/g)).toHaveLength(10);
    expect(errorLog(dir)).not.toMatch(/\[(emerg|alert|crit)\]/);
    expect(bodies.size, 'answers from several configurations').toBeGreaterThan(1);
  }, 20_000);

  it('a broken configuration is refused with [emerg] in the error log, and the old one keeps serving', async () => {
    const dir = tempDir();
    const port = await freePort();
    writeConf(dir, `    server { listen 127.0.0.1:${port}; location / { return 200 "old\\n"; } }`);
    const child = await start(dir, port);
    writeConf(dir, `    server { listen 127.0.0.1:${port}; location / { retrun 200 "new\\n"; } }`);
    // As nginx -s reload, ngts -s reload reads the configuration first, and refuses a broken one.
    expect(signal(dir, 'reload')).toEqual({ status: 1, stderr: `nginx: [emerg] unknown directive "retrun" in ${dir}/nginx.conf:6\n` });
    child.kill('SIGHUP');
    await until(() => errorLog(dir).includes('[emerg]'));
    expect(errorLog(dir)).toMatch(new RegExp(`\\[emerg\\] \\d+#\\d+: unknown directive "retrun" in ${dir}/nginx.conf:6`));
    expect(await get(port, '/')).toEqual({ status: 200, body: 'old\n' });
  });

  it('a request in flight finishes on the old configuration; new requests get the new one', async () => {
    const dir = tempDir();
    const port = await freePort();
    const backend = await startEchoBackend('slow');
    backends.push(backend);
    const conf = (tag: string): string =>
      `    server { listen 127.0.0.1:${port}; location / { add_header X-Conf ${tag}; proxy_pass http://${backend.address}; } }`;
    writeConf(dir, conf('old'));
    const child = await start(dir, port);
    const inFlight = new Promise<{ status: number; conf: string | undefined }>((resolve, reject) => {
      http
        .get({ host: '127.0.0.1', port, path: '/slow?be=sleep:800', agent: false }, (res) => {
          res.resume();
          res.on('end', () => resolve({ status: res.statusCode ?? 0, conf: res.headers['x-conf'] as string | undefined }));
        })
        .on('error', reject);
    });
    await until(() => backend.received.length > 0);
    writeConf(dir, conf('new'));
    child.kill('SIGHUP');
    await until(async () => {
      const r = await new Promise<string | undefined>((resolve) => http.get({ host: '127.0.0.1', port, path: '/', agent: false }, (res) => { res.resume(); resolve(res.headers['x-conf'] as string | undefined); }));
      return r === 'new';
    });
    expect(await inFlight).toEqual({ status: 200, conf: 'old' });
  });

  it('opens added listeners, keeps unchanged ones and closes removed ones', async () => {
    const dir = tempDir();
    const [a, b] = [await freePort(), await freePort()];
    const srv = (p: number): string => `    server { listen 127.0.0.1:${p}; location / { return 200 "${p}\\n"; } }`;
    writeConf(dir, srv(a) + '\n' + srv(b));
    const child = await start(dir, a);
    expect(await accepts(b)).toBe(true);
    // The added port comes from freePort, and a test file beside this one may take it (a client's
    // ephemeral port, or its own server) before the reload binds it: then the reload is refused
    // with nginx's bind() message and c never answers (seen in CI). What is tested is the switch of
    // listeners, so the reload is tried again with another port, at most three times.
    let c = 0;
    for (let tries = 1; ; tries++) {
      c = await freePort();
      const refused = `bind() to 127.0.0.1:${c} failed`;
      writeConf(dir, srv(a) + '\n' + srv(c));
      child.kill('SIGHUP');
      await until(async () => errorLog(dir).includes(refused) || ((await accepts(c)) && !(await accepts(b))));
      if (!errorLog(dir).includes(refused)) break;
      if (tries === 3) throw new Error(`three added ports taken before the reload bound them:\n${errorLog(dir)}`);
    }
    expect(await accepts(c)).toBe(true);
    expect(await accepts(b)).toBe(false);
    expect(await get(a, '/')).toEqual({ status: 200, body: `${a}\n` });
    expect(await get(c, '/')).toEqual({ status: 200, body: `${c}\n` });
  });

  it('SIGUSR1 (-s reopen) reopens the access log after rotation', async () => {
    const dir = tempDir();
    const port = await freePort();
    writeFileSync(
      join(dir, 'nginx.conf'),
      `pid ${dir}/run.pid;\nerror_log ${dir}/error.log;\nevents {}\nhttp {\n    log_format p '$request_uri';\n    access_log ${dir}/access.log p;\n    server { listen 127.0.0.1:${port}; location / { return 204; } }\n}\n`,
    );
    await start(dir, port);
    await get(port, '/one');
    renameSync(join(dir, 'access.log'), join(dir, 'access.log.1'));
    await get(port, '/two');
    expect(signal(dir, 'reopen').status).toBe(0);
    await until(() => existsSync(join(dir, 'access.log')));
    await get(port, '/three');
    // The log phase runs once the response is sent: the client may see it first.
    await until(() => readFileSync(join(dir, 'access.log'), 'latin1') !== '');
    expect(readFileSync(join(dir, 'access.log.1'), 'latin1')).toBe('/one\n/two\n');
    expect(readFileSync(join(dir, 'access.log'), 'latin1')).toBe('/three\n');
  });

  it('-s reports nginx\'s errors: no pid file, an invalid pid', () => {
    const dir = tempDir();
    writeConf(dir, '    server { listen 127.0.0.1:1; }');
    expect(signal(dir, 'reload')).toEqual({ status: 1, stderr: `nginx: [error] open() "${dir}/run.pid" failed (2: No such file or directory)\n` });
    writeFileSync(join(dir, 'run.pid'), 'abc\n');
    expect(signal(dir, 'stop')).toEqual({ status: 1, stderr: `nginx: [error] invalid PID number "abc" in "${dir}/run.pid"\n` });
  });

  it('--watch reloads when an included file changes, and says what changed or why it refused', async () => {
    const dir = tempDir();
    const port = await freePort();
    writeConf(dir, `    server { listen 127.0.0.1:${port}; include locations.conf; }`);
    writeFileSync(join(dir, 'locations.conf'), 'location / { return 200 "one\\n"; }\n');
    const child = spawn(process.execPath, [NGTS, '-p', `${dir}/`, '-c', `${dir}/nginx.conf`, '--watch'], { stdio: ['ignore', 'ignore', 'pipe'] });
    children.push(child);
    let err = '';
    child.stderr!.on('data', (d: Buffer) => (err += d.toString('utf8')));
    await waitForPort(port);
    writeFileSync(join(dir, 'locations.conf'), 'location / { return 200 "one\\n"; }\nlocation /two { return 200 "two\\n"; }\n');
    await until(async () => (await get(port, '/two')).body === 'two\n');
    await until(() => err.includes('+ location /two in server "" (127.0.0.1:'));
    expect(err).toContain(`reloaded ("${dir}/locations.conf" changed)`);
    writeFileSync(join(dir, 'locations.conf'), 'location / { retrun 200; }\n');
    await until(() => err.includes('reload refused'));
    expect(err).toContain(`reload refused, still serving the previous configuration: unknown directive "retrun" in ${dir}/locations.conf:1`);
    expect(await get(port, '/two')).toEqual({ status: 200, body: 'two\n' });
  });
});
