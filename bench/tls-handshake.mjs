// TLS handshake rate: the same nginx.conf (one ssl listener, one EC P-256 certificate made by the
// openssl command, `return 200`) served by ngts and, when installed, by nginx (one process each,
// nginx with master_process off). Every request is a new TLS connection without session
// resumption: connect, handshake, `GET /`, read to the close. Two clients:
//   - a Node loop keeping BENCH_CONCURRENCY connections in flight for BENCH_SECONDS, per protocol
//     (TLSv1.3 and TLSv1.2);
//   - `openssl s_time -new` (one connection at a time), when the openssl command is here.
// Reported: handshakes/s, the server's CPU ms per handshake (utime+stime from /proc), and the
// ratio ngts / nginx from the same run. The client shares the machine: quote ratios, not rates.
// Run after `npm run build`:   node bench/tls-handshake.mjs      BENCH_SECONDS=5 BENCH_CONCURRENCY=8
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import tls from 'node:tls';
import { freePort, waitPort, cpuSeconds, benchConf } from './lib.mjs';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 8);
const hasNginx = spawnSync('nginx', ['-v']).error === undefined;
const hasOpenssl = spawnSync('openssl', ['version']).error === undefined;

function conf(dir, port) {
  return benchConf(
    dir,
    `    server {
        listen 127.0.0.1:${port} ssl;
        server_name bench.test;
        ssl_certificate ${dir}/cert.pem;
        ssl_certificate_key ${dir}/key.pem;
        ssl_protocols TLSv1.2 TLSv1.3;
        ssl_session_tickets off;
        location / { return 200 "hello over tls\\n"; }
    }
`,
  );
}

/** One request on a new TLS connection; resolves true when a 200 came back. */
function once(port, maxVersion) {
  return new Promise((resolve) => {
    const s = tls.connect({ port, host: '127.0.0.1', servername: 'bench.test', rejectUnauthorized: false, minVersion: maxVersion, maxVersion, ALPNProtocols: ['http/1.1'] }, () => {
      s.end('GET / HTTP/1.1\r\nHost: bench.test\r\nConnection: close\r\n\r\n');
    });
    let head = '';
    s.on('data', (d) => {
      if (head.length < 16) head += d.toString('latin1');
    });
    s.on('close', () => resolve(head.startsWith('HTTP/1.1 200')));
    s.on('error', () => resolve(false));
  });
}

/** The Node client: CONCURRENCY loops of `once` for SECONDS. */
async function nodeLoop(port, pid, maxVersion) {
  const cpu0 = cpuSeconds(pid);
  const end = Date.now() + SECONDS * 1000;
  let ok = 0;
  let failed = 0;
  const start = Date.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (Date.now() < end) {
        if (await once(port, maxVersion)) ok++;
        else failed++;
      }
    }),
  );
  const elapsed = (Date.now() - start) / 1000;
  const cpu1 = cpuSeconds(pid);
  return { rate: ok / elapsed, failed, cpuMs: cpu0 === null || cpu1 === null || ok === 0 ? null : ((cpu1 - cpu0) * 1000) / ok };
}

/** `openssl s_time -new`: connections per second, one at a time. */
function sTime(port, pid) {
  const cpu0 = cpuSeconds(pid);
  const r = spawnSync('openssl', ['s_time', '-connect', `127.0.0.1:${port}`, '-new', '-time', String(SECONDS), '-www', '/'], { encoding: 'latin1', timeout: (SECONDS + 20) * 1000 });
  const cpu1 = cpuSeconds(pid);
  const m = /(\d+) connections in ([\d.]+)s; ([\d.]+) connections\/user sec/.exec(r.stdout ?? '');
  const real = /(\d+) connections in (\d+) real seconds/.exec(r.stdout ?? '');
  if (real === null) return null;
  const n = Number(real[1]);
  return { rate: n / Number(real[2]), cpuMs: cpu0 === null || cpu1 === null || n === 0 ? null : ((cpu1 - cpu0) * 1000) / n, userRate: m === null ? null : Number(m[3]) };
}

async function serve(kind, dir) {
  const port = await freePort();
  const file = join(dir, `${kind}.conf`);
  writeFileSync(file, conf(dir, port));
  const child =
    kind === 'nginx'
      ? spawn('nginx', ['-p', `${dir}/`, '-c', file], { stdio: 'ignore' })
      : spawn(process.execPath, [join(import.meta.dirname, '../bin/ngts.js'), '-p', `${dir}/`, '-c', file, '--log-format', 'off'], { stdio: 'ignore' });
  await waitPort(port);
  return { port, pid: child.pid, stop: () => new Promise((r) => (child.once('exit', r), child.kill('SIGTERM'))) };
}

const dir = mkdtempSync(join(tmpdir(), 'ngts-bench-tls-'));
spawnSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'), '-subj', '/CN=bench.test', '-days', '30']);
const results = {};
try {
  for (const kind of hasNginx ? ['nginx', 'ngts'] : ['ngts']) {
    const s = await serve(kind, dir);
    try {
      // Warm-up (JIT, first contexts), not counted.
      for (let i = 0; i < 50; i++) await once(s.port, 'TLSv1.3');
      results[kind] = {
        'TLSv1.3': await nodeLoop(s.port, s.pid, 'TLSv1.3'),
        'TLSv1.2': await nodeLoop(s.port, s.pid, 'TLSv1.2'),
        ...(hasOpenssl ? { 's_time -new': sTime(s.port, s.pid) } : {}),
      };
    } finally {
      await s.stop();
    }
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}

const fmt = (n, d = 0) => (n === null || n === undefined ? '-' : n.toFixed(d));
console.log(`TLS handshakes, a new connection per request (${SECONDS}s each, node client x${CONCURRENCY}; s_time: one at a time)`);
console.log('client          server  handshakes/s  CPU ms/handshake  ratio ngts/nginx');
for (const scenario of ['TLSv1.3', 'TLSv1.2', 's_time -new']) {
  for (const kind of Object.keys(results)) {
    const r = results[kind][scenario];
    if (r === undefined || r === null) continue;
    const base = results.nginx?.[scenario];
    const ratio = kind === 'ngts' && base ? fmt(r.rate / base.rate, 2) + 'x' : '';
    console.log(`${scenario.padEnd(15)} ${kind.padEnd(7)} ${fmt(r.rate).padStart(12)}  ${fmt(r.cpuMs, 2).padStart(16)}  ${ratio}`);
  }
}
