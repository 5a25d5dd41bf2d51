// End-to-end benchmark: the same nginx.conf served by ngts and, when installed, by nginx (one
// process each: nginx with master_process off), loaded by autocannon. Scenarios: `return 200`,
// a static file, and proxy_pass to a Node backend with and without upstream keep-alive. Prints req/s and
// the ratio ngts/nginx. Run after `npm run build`:
//   node bench/http.mjs            BENCH_SECONDS=5 BENCH_CONNECTIONS=50 to tune
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { createServer as createNetServer, connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 50);
const hasNginx = spawnSync('nginx', ['-v']).error === undefined;

function freePort() {
  return new Promise((resolve) => {
    const s = createNetServer();
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

async function waitPort(port) {
  for (let i = 0; i < 200; i++) {
    const ok = await new Promise((resolve) => {
      const s = connect(port, '127.0.0.1', () => {
        s.destroy();
        resolve(true);
      });
      s.on('error', () => resolve(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`nothing listens on ${port}`);
}

function conf(dir, port, backendPort) {
  return `daemon off;
master_process off;
error_log ${dir}/error.log;
pid ${dir}/run.pid;
events { worker_connections 1024; }
http {
    access_log off;
    client_body_temp_path ${dir}/cb; proxy_temp_path ${dir}/px; fastcgi_temp_path ${dir}/fc;
    uwsgi_temp_path ${dir}/uw; scgi_temp_path ${dir}/sc;
    upstream app { server 127.0.0.1:${backendPort}; }
    upstream app_ka { server 127.0.0.1:${backendPort}; keepalive 16; }
    server {
        listen 127.0.0.1:${port};
        root ${dir}/html;
        location = /return { return 200 "hello from return\\n"; }
        location /static/ { }
        location /proxy/ { proxy_pass http://app/; }
        location /pooled/ { proxy_pass http://app_ka/; proxy_http_version 1.1; proxy_set_header Connection ""; }
    }
}
`;
}

async function load(port, path) {
  const result = await autocannon({ url: `http://127.0.0.1:${port}${path}`, connections: CONNECTIONS, duration: SECONDS });
  if (result.non2xx || result.errors) throw new Error(`${path}: ${result.non2xx} non-2xx, ${result.errors} errors`);
  return result.requests.average;
}

async function run(kind, dir, port) {
  const args = ['-p', `${dir}/`, '-c', `${dir}/${kind}.conf`];
  const child = kind === 'nginx' ? spawn('nginx', args, { stdio: 'ignore' }) : spawn(process.execPath, ['bin/ngts.js', ...args], { stdio: 'ignore' });
  try {
    await waitPort(port);
    const out = {};
    for (const [name, path] of SCENARIOS) out[name] = await load(port, path);
    return out;
  } finally {
    child.kill('SIGTERM');
  }
}

const SCENARIOS = [
  ['return 200', '/return'],
  ['static file (1 KiB)', '/static/file.txt'],
  ['proxy_pass', '/proxy/hello'],
  ['proxy_pass, upstream keepalive', '/pooled/hello'],
];

const dir = mkdtempSync(join(tmpdir(), 'ngts-bench-http-'));
mkdirSync(join(dir, 'html', 'static'), { recursive: true });
writeFileSync(join(dir, 'html', 'static', 'file.txt'), 'x'.repeat(1024));
const backend = createServer((req, res) => {
  res.setHeader('Content-Type', 'text/plain');
  res.end('hello from the backend\n');
});
await new Promise((r) => backend.listen(0, '127.0.0.1', r));
const backendPort = backend.address().port;
try {
  const ngtsPort = await freePort();
  writeFileSync(join(dir, 'ngts.conf'), conf(dir, ngtsPort, backendPort));
  const ngts = await run('ngts', dir, ngtsPort);
  let nginx = null;
  if (hasNginx) {
    const nginxPort = await freePort();
    writeFileSync(join(dir, 'nginx.conf'), conf(dir, nginxPort, backendPort));
    nginx = await run('nginx', dir, nginxPort);
  }
  console.log(`node ${process.version}, ${CONNECTIONS} connections, ${SECONDS} s per cell, one process each`);
  console.log('| scenario | ngts req/s | nginx req/s | ngts / nginx |');
  console.log('|---|---|---|---|');
  for (const [name] of SCENARIOS) {
    const a = ngts[name];
    const b = nginx?.[name];
    console.log(`| ${name} | ${Math.round(a)} | ${b === undefined ? 'n/a' : Math.round(b)} | ${b === undefined ? 'n/a' : (a / b).toFixed(2)} |`);
  }
} finally {
  backend.close();
  rmSync(dir, { recursive: true, force: true });
}
