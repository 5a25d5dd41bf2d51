// Parse + check of a generated configuration: 10,000 locations across 100 included files.
// Prints ngts's time (in process, after a warm-up) and, when nginx is installed, the time of
// `nginx -t` on the same files and the ratio. Then the lint rules: their time in process on the
// same checked configuration with every rule on, and `ngts check` as a whole process. Run: npm run build && node bench/parse-check.mjs
// (KEEP=1 keeps the generated files and prints where, e.g. to profile `node --cpu-prof bin/ngts.js -t -c FILE`).
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkConfig } from '../dist/config/validate.js';
import { runRules } from '../dist/lint/run-rules.js';
import { RULES } from '../dist/lint/rules/index.js';

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
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const timed = (fn) => {
  const t0 = process.hrtime.bigint();
  fn();
  return Number(process.hrtime.bigint() - t0) / 1e6;
};
const hasNginx = spawnSync('sh', ['-c', 'command -v nginx']).status === 0;
const testArgs = ['-t', '-q', '-p', dir + '/', '-c', file];
const ngtsBin = new URL('../bin/ngts.js', import.meta.url).pathname;
// The three measures are taken in turn, round by round, so that a change in the machine's load
// (shared CI runners) moves all of them and not only the one running at the time.
const ngts = [];
const nginx = [];
const cli = [];
for (let i = 0; i < RUNS; i++) {
  ngts.push(check());
  if (!hasNginx) continue;
  nginx.push(timed(() => execFileSync('nginx', testArgs, { stdio: 'pipe' })));
  cli.push(timed(() => execFileSync(process.execPath, [ngtsBin, ...testArgs], { stdio: 'pipe' })));
}
console.log(`config: ${FILES} files x ${PER_FILE} locations = ${FILES * PER_FILE} locations`);
console.log(`ngts parse+check (in process): median ${median(ngts).toFixed(1)} ms over ${RUNS} runs`);
if (hasNginx) {
  console.log(`nginx -t: median ${median(nginx).toFixed(1)} ms`);
  console.log(`ngts -t (whole process, with Node start-up): median ${median(cli).toFixed(1)} ms`);
  console.log(`ratio ngts/nginx: in process ${(median(ngts) / median(nginx)).toFixed(2)}x, whole process ${(median(cli) / median(nginx)).toFixed(2)}x`);
} else {
  console.log('nginx not installed: no ratio');
}
// The rules, on the configuration checked above (every rule on, as `ngts check` runs them).
const checked = checkConfig(opts);
let findings = 0;
const lint = () => timed(() => (findings = runRules(checked, { prefix: dir + '/' }).findings.length));
lint(); // warm-up
const rules = [];
const checkCli = [];
for (let i = 0; i < RUNS; i++) {
  rules.push(lint());
  checkCli.push(timed(() => spawnSync(process.execPath, [ngtsBin, 'check', file, '--format', 'json', '-p', dir + '/'], { stdio: 'pipe' })));
}
console.log(`lint rules (${RULES.length} on, in process, after parse+check): median ${median(rules).toFixed(1)} ms, ${findings} findings`);
console.log(`ngts check with every rule (whole process): median ${median(checkCli).toFixed(1)} ms`);
if (hasNginx) console.log(`ratio ngts check (whole process, all rules) / nginx -t: ${(median(checkCli) / median(nginx)).toFixed(2)}x`);
if (process.env.KEEP) console.log(`kept the generated config: ${file}`);
else rmSync(dir, { recursive: true, force: true });
