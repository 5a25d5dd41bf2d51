// End-to-end benchmark: the same nginx.conf served by ngts and, when installed, by nginx (one
// process each: nginx with master_process off), loaded by autocannon. Scenarios: `return 200`,
// a static file, proxy_pass to a Node backend with and without upstream keep-alive (a small JSON
// answer), a 100 KiB answer, and 1,000 connections. For each: req/s, p50/p99 latency, and the
// server's CPU time per request (utime+stime from /proc); then each server's peak RSS (VmHWM).
// Ratios are ngts / nginx from the same run. The keep-alive cells are also run against the bare
// undici proxy of bench/bare-undici-proxy.mjs, issue 5's yardstick. Run after `npm run build`:
// Peak RSS is taken per cell too (VmHWM, reset before each cell through /proc/PID/clear_refs), so
// that the small-JSON cell's figure is not the 1,000-connection cell's. With ROUNDS=N every server
// runs N times, in turn (ngts, nginx, bare, ngts, …), and each figure is the median of its N runs.
//   node bench/http.mjs            BENCH_SECONDS=5 BENCH_CONNECTIONS=50 ROUNDS=1 to tune,
//                                  BENCH_LOADER=wrk to load with wrk (one thread) instead of autocannon,
//                                  NGTS_NODE_FLAGS="--max-semi-space-size=4" for node flags of ngts alone,
//                                  NGTS_ARGS="--heap node" for arguments of ngts's own
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';
import { freePort, waitPort, cpuSeconds, peakRssMiB, resetPeakRss, benchConf } from './lib.mjs';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 50);
const ROUNDS = Number(process.env.ROUNDS ?? 1);
const NGTS_NODE_FLAGS = (process.env.NGTS_NODE_FLAGS ?? '').split(' ').filter(Boolean);
const NGTS_ARGS = (process.env.NGTS_ARGS ?? '').split(' ').filter(Boolean);
const hasNginx = spawnSync('nginx', ['-v']).error === undefined;
// BENCH_LOADER=wrk uses wrk (Debian's `wrk` package) when it is installed; autocannon otherwise.
const LOADER = process.env.BENCH_LOADER === 'wrk' && spawnSync('wrk', ['-v']).error === undefined ? 'wrk' : 'autocannon';

function conf(dir, port, backendPort) {
  return benchConf(
    dir,
    `    upstream app { server 127.0.0.1:${backendPort}; }
    upstream app_ka { server 127.0.0.1:${backendPort}; keepalive 32; }
    server {
        listen 127.0.0.1:${port};
        root ${dir}/html;
        location = /return { return 200 "hello from return\\n"; }
        location /static/ { }
        location /proxy/ { proxy_pass http://app/; }
        location /pooled/ { proxy_pass http://app_ka/; proxy_http_version 1.1; proxy_set_header Connection ""; }
    }
`,
  );
}

/** wrk's `--latency` figures (`50%  1.23ms`) in ms. */
function wrkMs(out, pct) {
  const m = new RegExp(`^\\s*${pct}%\\s+([\\d.]+)(us|ms|s)\\s*$`, 'm').exec(out);
  if (!m) return null;
  const v = Number(m[1]);
  return m[2] === 'us' ? v / 1000 : m[2] === 's' ? v * 1000 : v;
}

/** One load run: autocannon, or wrk (one thread, the load generator the issue's figures used). */
async function generate(url, connections, seconds = SECONDS) {
  if (LOADER === 'wrk') {
    // Asynchronously: the backend runs in this process.
    const out = await new Promise((resolve, reject) => {
      const child = spawn('wrk', ['-t1', `-c${connections}`, `-d${seconds}`, '--timeout', '10s', '--latency', url]);
      let text = '';
      child.stdout.on('data', (d) => (text += d));
      child.on('close', (code) => (code === 0 ? resolve(text) : reject(new Error(`wrk exited with ${code}`))));
    });
    const total = Number(/(\d+) requests in/.exec(out)?.[1] ?? 0);
    const bad = Number(/Non-2xx or 3xx responses: (\d+)/.exec(out)?.[1] ?? 0);
    const errors = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(out);
    const errorCount = errors ? Number(errors[1]) + Number(errors[2]) + Number(errors[3]) + Number(errors[4]) : 0;
    return { total, rps: Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1] ?? 0), p50: wrkMs(out, 50), p99: wrkMs(out, 99), non2xx: bad, errors: errorCount };
  }
  const result = await autocannon({ url, connections, duration: seconds });
  return { total: result.requests.total, rps: result.requests.average, p50: result.latency.p50, p99: result.latency.p99, non2xx: result.non2xx, errors: result.errors };
}

async function load(pid, port, path, connections) {
  const rssReset = resetPeakRss(pid);
  const before = cpuSeconds(pid);
  const result = await generate(`http://127.0.0.1:${port}${path}`, connections);
  const after = cpuSeconds(pid);
  if (result.non2xx || result.errors) throw new Error(`${path}: ${result.non2xx} non-2xx, ${result.errors} errors`);
  const total = result.total;
  return {
    rps: result.rps,
    p50: result.p50,
    p99: result.p99,
    cpuUs: before === null || after === null || total === 0 ? null : ((after - before) * 1e6) / total,
    rss: rssReset ? peakRssMiB(pid) : null,
  };
}

async function run(kind, dir, port) {
  const args = ['-p', `${dir}/`, '-c', `${dir}/${kind}.conf`];
  const child =
    kind === 'nginx'
      ? spawn('nginx', args, { stdio: 'ignore' })
      : kind === 'bare'
        ? spawn(process.execPath, [new URL('./bare-undici-proxy.mjs', import.meta.url).pathname, String(port), String(backendPort)], { stdio: 'ignore' })
        : spawn(process.execPath, [...NGTS_NODE_FLAGS, 'bin/ngts.js', ...args, ...NGTS_ARGS], { stdio: 'ignore' });
  try {
    await waitPort(port);
    // A warm-up load, not measured, so that no server's first cell pays for its JIT compiler (the
    // bare proxy's first cell is a keep-alive one, ngts's and nginx's `return 200`).
    for (const path of kind === 'bare' ? ['/pooled/json'] : ['/return', '/pooled/json']) await generate(`http://127.0.0.1:${port}${path}`, CONNECTIONS, 1);
    const out = {};
    for (const [name, path, connections] of SCENARIOS) {
      // The bare proxy only forwards: it has no return, no static files, no upstream without keep-alive.
      if (kind === 'bare' && !path.startsWith('/pooled/')) continue;
      out[name] = await load(child.pid, port, path, connections);
    }
    out.rss = peakRssMiB(child.pid);
    return out;
  } finally {
    child.kill('SIGTERM');
  }
}

/** The median of each figure of each cell over the rounds of one server (the figure itself for one round). */
function medians(rounds) {
  const median = (xs) => {
    const v = xs.filter((x) => x !== null && x !== undefined).sort((a, b) => a - b);
    return v.length === 0 ? null : v.length % 2 ? v[(v.length - 1) / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
  };
  const out = { rss: median(rounds.map((r) => r.rss)) };
  for (const [name] of SCENARIOS) {
    const cells = rounds.map((r) => r[name]).filter((c) => c !== undefined);
    if (cells.length === 0) continue;
    out[name] = {};
    for (const key of ['rps', 'p50', 'p99', 'cpuUs', 'rss']) out[name][key] = median(cells.map((c) => c[key]));
  }
  return out;
}

// The issue's cell comes first, so that its peak RSS is that of a process which has served only the
// warm-up before it (RSS that a cell took is not given back for the next).
const SCENARIOS = [
  ['proxy_pass, upstream keepalive (small JSON)', '/pooled/json', CONNECTIONS],
  ['return 200', '/return', CONNECTIONS],
  ['static file (1 KiB)', '/static/file.txt', CONNECTIONS],
  ['proxy_pass', '/proxy/json', CONNECTIONS],
  ['proxy_pass, upstream keepalive, 100 KiB', '/pooled/big', CONNECTIONS],
  ['proxy_pass, upstream keepalive, 1,000 connections', '/pooled/json', 1000],
];

const dir = mkdtempSync(join(tmpdir(), 'ngts-bench-http-'));
mkdirSync(join(dir, 'html', 'static'), { recursive: true });
writeFileSync(join(dir, 'html', 'static', 'file.txt'), 'x'.repeat(1024));
const JSON_BODY = JSON.stringify({ id: 42, name: 'widget', tags: ['a', 'b'], price: 9.99 }) + '\n';
const BIG_BODY = 'x'.repeat(100 * 1024);
const backend = createServer((req, res) => {
  const big = req.url.endsWith('/big');
  res.setHeader('Content-Type', big ? 'application/octet-stream' : 'application/json');
  res.end(big ? BIG_BODY : JSON_BODY);
});
// The backend keeps upstream connections as long as the proxies do.
backend.keepAliveTimeout = 60_000;
await new Promise((r) => backend.listen(0, '127.0.0.1', r));
const backendPort = backend.address().port;
try {
  const ngtsPort = await freePort();
  writeFileSync(join(dir, 'ngts.conf'), conf(dir, ngtsPort, backendPort));
  const nginxPort = hasNginx ? await freePort() : 0;
  if (hasNginx) writeFileSync(join(dir, 'nginx.conf'), conf(dir, nginxPort, backendPort));
  const barePort = await freePort();
  const runs = { ngts: [], nginx: [], bare: [] };
  for (let i = 0; i < ROUNDS; i++) {
    runs.ngts.push(await run('ngts', dir, ngtsPort));
    if (hasNginx) runs.nginx.push(await run('nginx', dir, nginxPort));
    runs.bare.push(await run('bare', dir, barePort));
  }
  const ngts = medians(runs.ngts);
  const nginx = hasNginx ? medians(runs.nginx) : null;
  const bare = medians(runs.bare);
  console.log(`node ${process.version}, load by ${LOADER}, ${CONNECTIONS} connections unless named, ${SECONDS} s per cell, one process each${ROUNDS > 1 ? `, medians of ${ROUNDS} rounds` : ''}${NGTS_NODE_FLAGS.length ? `, ngts with node ${NGTS_NODE_FLAGS.join(' ')}` : ''}${NGTS_ARGS.length ? `, ngts ${NGTS_ARGS.join(' ')}` : ''}`);
  console.log('| scenario | ngts req/s | nginx req/s | req/s ratio | ngts p50/p99 ms | nginx p50/p99 ms | p99 ratio | ngts CPU µs/req | nginx CPU µs/req | ngts/nginx peak RSS MiB |');
  console.log('|---|---|---|---|---|---|---|---|---|---|');
  const fmt = (x, d = 0) => (x === undefined || x === null ? 'n/a' : x.toFixed(d));
  for (const [name] of SCENARIOS) {
    const a = ngts[name];
    const b = nginx?.[name];
    console.log(
      `| ${name} | ${fmt(a.rps)} | ${fmt(b?.rps)} | ${b ? (a.rps / b.rps).toFixed(2) : 'n/a'} | ${fmt(a.p50, 2)}/${fmt(a.p99, 2)} | ${b ? `${fmt(b.p50, 2)}/${fmt(b.p99, 2)}` : 'n/a'} | ${b && b.p99 > 0 ? (a.p99 / b.p99).toFixed(2) : 'n/a'} | ${fmt(a.cpuUs, 1)} | ${fmt(b?.cpuUs, 1)} | ${fmt(a.rss, 1)}/${fmt(b?.rss, 1)} |`,
    );
  }
  console.log(`peak RSS over all cells: ngts ${fmt(ngts.rss, 1)} MiB, nginx ${fmt(nginx?.rss, 1)} MiB`);
  console.log('');
  console.log('The bare undici proxy (bench/bare-undici-proxy.mjs, no nginx semantics) in the same run:');
  console.log('| scenario | bare req/s | ngts/bare req/s | bare p50/p99 ms | bare CPU µs/req | ngts/bare CPU | bare peak RSS MiB |');
  console.log('|---|---|---|---|---|---|---|');
  for (const [name] of SCENARIOS) {
    const a = ngts[name];
    const c = bare[name];
    if (c === undefined) continue;
    console.log(`| ${name} | ${fmt(c.rps)} | ${(a.rps / c.rps).toFixed(2)} | ${fmt(c.p50, 2)}/${fmt(c.p99, 2)} | ${fmt(c.cpuUs, 1)} | ${a.cpuUs && c.cpuUs ? (a.cpuUs / c.cpuUs).toFixed(2) : 'n/a'} | ${fmt(c.rss, 1)} |`);
  }
  console.log(`peak RSS over all cells: bare proxy ${fmt(bare.rss, 1)} MiB`);
} finally {
  backend.close();
  rmSync(dir, { recursive: true, force: true });
}
