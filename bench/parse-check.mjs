// Parse + check of a generated configuration: 10,000 locations across 100 included files.
// Prints ngts's time (in process, after a warm-up) and, when nginx is installed, the time of
// `nginx -t` on the same files and the ratio. Run: npm run build && node bench/parse-check.mjs
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkConfig } from '../dist/config/validate.js';

const FILES = Number(process.env.FILES ?? 100);
const PER_FILE = Number(process.env.PER_FILE ?? 100);
const RUNS = Number(process.env.RUNS ?? 5);

const dir = mkdtempSync(join(tmpdir(), 'ngts-bench-'));
mkdirSync(join(dir, 'locations'));
writeFileSync(
  join(dir, 'nginx.conf'),
  `pid nginx.pid;
events { worker_connections 1024; }
http {
    access_log off;
    upstream app { server 127.0.0.1:9000; keepalive 16; }
    server {
        listen 127.0.0.1:8080;
        server_name bench.local;
        include locations/*.conf;
    }
}
`,
);
for (let f = 0; f < FILES; f++) {
  let text = '';
  for (let l = 0; l < PER_FILE; l++) {
    const n = f * PER_FILE + l;
    text +=
      n % 10 === 0
        ? `location ~ ^/re${n}/(\\d+)$ {\n    return 200 "re $1";\n}\n`
        : `location /svc${n}/ {\n    proxy_set_header Host $host;\n    proxy_pass http://app;\n}\n`;
  }
  writeFileSync(join(dir, 'locations', `${String(f).padStart(3, '0')}.conf`), text);
}
const file = join(dir, 'nginx.conf');
const opts = { file, prefix: dir + '/', confPrefix: dir + '/' };

const check = () => {
  const t0 = process.hrtime.bigint();
  const r = checkConfig(opts);
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  if (r.diagnostics.some((d) => d.fatal)) throw new Error('bench config has errors: ' + JSON.stringify(r.diagnostics[0]));
  return ms;
};
check(); // warm-up
const ngts = [];
for (let i = 0; i < RUNS; i++) ngts.push(check());
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
console.log(`config: ${FILES} files x ${PER_FILE} locations = ${FILES * PER_FILE} locations`);
console.log(`ngts parse+check (in process): median ${median(ngts).toFixed(1)} ms over ${RUNS} runs`);

const hasNginx = spawnSync('sh', ['-c', 'command -v nginx']).status === 0;
if (hasNginx) {
  const nginx = [];
  for (let i = 0; i < RUNS; i++) {
    const t0 = process.hrtime.bigint();
    execFileSync('nginx', ['-t', '-q', '-p', dir + '/', '-c', file], { stdio: 'pipe' });
    nginx.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  const cli = [];
  for (let i = 0; i < RUNS; i++) {
    const t0 = process.hrtime.bigint();
    execFileSync(process.execPath, [new URL('../bin/ngts.js', import.meta.url).pathname, '-t', '-q', '-p', dir + '/', '-c', file], { stdio: 'pipe' });
    cli.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  console.log(`nginx -t: median ${median(nginx).toFixed(1)} ms`);
  console.log(`ngts -t (whole process, with Node start-up): median ${median(cli).toFixed(1)} ms`);
  console.log(`ratio ngts/nginx: in process ${(median(ngts) / median(nginx)).toFixed(2)}x, whole process ${(median(cli) / median(nginx)).toFixed(2)}x`);
} else {
  console.log('nginx not installed: no ratio');
}
rmSync(dir, { recursive: true, force: true });
