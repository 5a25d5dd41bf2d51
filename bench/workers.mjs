// Worker processes: req/s of ngts and nginx, each with `worker_processes 1` and `2` (master_process
// on), for `return 200` and for proxy_pass with upstream keep-alive (a small JSON from a Node
// backend in its own process), loaded by autocannon; then the cost the shared zones add: a
// `limit_req` location (a zone every request is charged in, with a burst it never reaches) beside
// the same location without it, so that the difference is the time a worker spends asking the
// master. CPU per request adds up the master and its workers (/proc). On a 2-core machine the
// load generator and the backend share the cores with the server: read ratios, not absolutes.
//   npm run build && node bench/workers.mjs        BENCH_SECONDS=5 BENCH_CONNECTIONS=50 to tune
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';
import { freePort, waitPort, benchConf } from './lib.mjs';

const ONLY = process.env.BENCH_ONLY; // e.g. `ngts` or `nginx`
const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 50);
const hasNginx = spawnSync('nginx', ['-v']).error === undefined;

function conf(dir, port, backendPort, workers) {
  return benchConf(
    dir,
    `    limit_req_zone $binary_remote_addr zone=all:1m rate=1000000r/s;
    upstream app_ka { server 127.0.0.1:${backendPort}; keepalive 32; }
    server {
        listen 127.0.0.1:${port};
        location = /return { return 200 "hello from return\\n"; }
        location /pooled/ { proxy_pass http://app_ka/; proxy_http_version 1.1; proxy_set_header Connection ""; }
        location /limited/ { limit_req zone=all burst=1000000 nodelay; proxy_pass http://app_ka/; proxy_http_version 1.1; proxy_set_header Connection ""; }
    }
`, `master_process on;
worker_processes ${workers};`,
  );
}

/** The process and its children (a master's workers). */
function tree(pid) {
  const out = [pid];
  try {
    for (const t of readdirSync(`/proc/${pid}/task`)) {
      const kids = readFileSync(`/proc/${pid}/task/${t}/children`, 'latin1').trim();
      if (kids) for (const k of kids.split(' ')) out.push(...tree(Number(k)));
    }
  } catch {
    // Gone, or not Linux.
  }
  return out;
}

/** CPU seconds (user + system) of the process tree, from /proc/PID/stat; null off Linux. */
function cpuSeconds(pid) {
  let total = 0;
  for (const p of tree(pid)) {
    try {
      const stat = readFileSync(`/proc/${p}/stat`, 'latin1');
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      total += (Number(f[11]) + Number(f[12])) / 100;
    } catch {
      return null;
    }
  }
  return total;
}

async function load(pid, port, path) {
  const before = cpuSeconds(pid);
  const result = await autocannon({ url: `http://127.0.0.1:${port}${path}`, connections: CONNECTIONS, duration: SECONDS });
  const after = cpuSeconds(pid);
  if (result.non2xx || result.errors) console.error(`${path}: ${result.non2xx} non-2xx, ${result.errors} errors (${result.timeouts} timeouts)`);
  const total = result.requests.total;
  return {
    rps: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    cpuUs: before === null || after === null || total === 0 ? null : ((after - before) * 1e6) / total,
  };
}

/**
 * Latency of one request at a time, `plain` and `limited` interleaved (each on its own keep-alive
 * connection, so that a change in the machine's load hits both alike): the median µs of each.
 */
async function interleaved(port, plain, limited, n = 3000) {
  const agents = [new http.Agent({ keepAlive: true, maxSockets: 1 }), new http.Agent({ keepAlive: true, maxSockets: 1 })];
  const one = (path, agent) =>
    new Promise((resolve, reject) => {
      const t0 = process.hrtime.bigint();
      http.get({ host: '127.0.0.1', port, path, agent }, (res) => {
        res.resume();
        res.on('end', () => resolve(Number(process.hrtime.bigint() - t0) / 1000));
      }).on('error', reject);
    });
  for (let i = 0; i < 200; i++) {
    await one(plain, agents[0]);
    await one(limited, agents[1]);
  }
  const a = [];
  const b = [];
  for (let i = 0; i < n; i++) {
    a.push(await one(plain, agents[0]));
    b.push(await one(limited, agents[1]));
  }
  for (const g of agents) g.destroy();
  const median = (xs) => xs.sort((x, y) => x - y)[Math.floor(xs.length / 2)];
  return { plain: median(a), limited: median(b) };
}

const SCENARIOS = [
  ['return 200', '/return'],
  ['proxy_pass, upstream keepalive', '/pooled/json'],
  ['proxy_pass, upstream keepalive, limit_req', '/limited/json'],
];

async function run(kind, dir, workers, backendPort) {
  const port = await freePort();
  const file = `${dir}/${kind}-${workers}.conf`;
  writeFileSync(file, conf(dir, port, backendPort, workers));
  const args = ['-p', `${dir}/`, '-c', file];
  console.error(`${kind}, ${workers} worker(s)`);
  const child = kind === 'nginx' ? spawn('nginx', args, { stdio: 'ignore' }) : spawn(process.execPath, ['bin/ngts.js', ...args], { stdio: 'ignore' });
  try {
    await waitPort(port);
    // Every worker listens once the pid file is there; then a short warm-up.
    for (let i = 0; i < 400 && spawnSync('test', ['-f', `${dir}/run.pid`]).status !== 0; i++) await new Promise((r) => setTimeout(r, 25));
    await autocannon({ url: `http://127.0.0.1:${port}/return`, connections: 10, duration: 1 });
    const out = {};
    for (const [name, path] of SCENARIOS) out[name] = await load(child.pid, port, path);
    const seq = await interleaved(port, '/pooled/json', '/limited/json');
    out.seqPlain = seq.plain;
    out.seqLimited = seq.limited;
    return out;
  } finally {
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
  }
}

const dir = mkdtempSync(join(tmpdir(), 'ngts-bench-workers-'));
// The backend in a process of its own, so that it is not the load generator's event loop.
const backend = spawn(
  process.execPath,
  [
    '-e',
    `const body = JSON.stringify({ id: 42, name: 'widget', tags: ['a', 'b'], price: 9.99 }) + '\\n';
     const s = require('node:http').createServer((req, res) => { res.setHeader('Content-Type', 'application/json'); res.end(body); });
     s.keepAliveTimeout = 60000;
     s.listen(0, '127.0.0.1', () => console.log(s.address().port));`,
  ],
  { stdio: ['ignore', 'pipe', 'inherit'] },
);
const backendPort = await new Promise((resolve) => backend.stdout.once('data', (d) => resolve(Number(String(d).trim()))));
try {
  const rows = [];
  for (const kind of (hasNginx ? ['ngts', 'nginx'] : ['ngts']).filter((k) => ONLY === undefined || k === ONLY)) {
    for (const workers of [1, 2]) rows.push({ kind, workers, r: await run(kind, dir, workers, backendPort) });
  }
  const fmt = (x, d = 0) => (x === undefined || x === null ? 'n/a' : x.toFixed(d));
  console.log(`node ${process.version}, ${CONNECTIONS} connections, ${SECONDS} s per cell`);
  console.log('| scenario | server | workers | req/s | vs 1 worker | p50/p99 ms | CPU µs/req (all processes) |');
  console.log('|---|---|---|---|---|---|---|');
  for (const [name] of SCENARIOS) {
    for (const { kind, workers, r } of rows) {
      const one = rows.find((x) => x.kind === kind && x.workers === 1).r[name];
      const a = r[name];
      console.log(`| ${name} | ${kind} | ${workers} | ${fmt(a.rps)} | ${(a.rps / one.rps).toFixed(2)}x | ${a.p50}/${a.p99} | ${fmt(a.cpuUs, 1)} |`);
    }
  }
  // What the shared zone costs: the same proxied request with and without limit_req.
  for (const { kind, workers, r } of rows) {
    const plain = r['proxy_pass, upstream keepalive'];
    const limited = r['proxy_pass, upstream keepalive, limit_req'];
    console.log(
      `limit_req cost, ${kind} ${workers} worker(s): one request at a time, median ${fmt(r.seqPlain, 1)} → ${fmt(r.seqLimited, 1)} µs (${r.seqLimited >= r.seqPlain ? '+' : ''}${fmt(r.seqLimited - r.seqPlain, 1)}); ` +
        `under load ${fmt(limited.cpuUs - plain.cpuUs, 1)} µs more CPU per request, req/s ${(limited.rps / plain.rps).toFixed(2)}x`,
    );
  }
} finally {
  backend.kill();
  rmSync(dir, { recursive: true, force: true });
}
