// Parse + check of a generated configuration: 10,000 locations across 100 included files.
// The measure that counts is the whole process: `node bin/ngts.js -t -p DIR/ -c nginx.conf` against
// `nginx -t -p DIR/ -c nginx.conf` on the same files, the median of RUNS runs of each, taken in
// turn. Both go past the check as far as a start goes before it binds (compile, resolve upstream
// hosts, load certificates, open logs). It also prints ngts's time in process after a warm-up
// (parse of every file, the whole checkConfig, then the preparation), and the lint rules: their
// time in process on the same checked configuration with every rule on, and `ngts check` as a
// whole process. Beside them, two floors of a whole process: `node -e ''` (Node's start-up alone),
// and bench/parse-floor.cjs (start-up, loading the bundle, and parsing every file, nothing else).
// Run: npm run build && node bench/parse-check.mjs (RUNS=N, LINT_RUNS=N, FILES=N, PER_FILE=N; KEEP=1 keeps the
// generated files and prints where, e.g. to profile `node --cpu-prof bin/ngts.js -t -p DIR/ -c nginx.conf`).
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseConfig } from '../dist/config/parser.js';
import { checkConfig } from '../dist/config/validate.js';
import { prepare } from '../dist/cli/run.js';
import { runRules } from '../dist/lint/run-rules.js';
import { RULES } from '../dist/lint/rules/index.js';

const FILES = Number(process.env.FILES ?? 100);
const PER_FILE = Number(process.env.PER_FILE ?? 100);
const RUNS = Number(process.env.RUNS ?? 9);
// The lint part takes seconds a run: fewer runs by default.
const LINT_RUNS = Number(process.env.LINT_RUNS ?? 3);

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
// Parse alone: every file read as checkConfig reads it (latin1), parsed one by one.
const texts = [file, ...readdirSync(join(dir, 'locations')).map((f) => join(dir, 'locations', f))].map((path) => [path, readFileSync(path).toString('latin1')]);
const parseAll = () => timed(() => texts.forEach(([path, text]) => parseConfig(text, path)));
parseAll(); // warm-up
const hasNginx = spawnSync('sh', ['-c', 'command -v nginx']).status === 0;
// The command of issue 2, for both: the prefix, and the file relative to it.
const testArgs = ['-t', '-p', dir + '/', '-c', 'nginx.conf'];
const ngtsBin = new URL('../bin/ngts.js', import.meta.url).pathname;
// The measures are taken in turn, round by round, so that a change in the machine's load (shared
// CI runners, other processes) moves all of them and not only the one running at the time.
const ngts = [];
// What -t does past the check, as nginx -t does: compile, resolve, load certificates, open logs.
const checkedOnce = checkConfig(opts);
const prepareOnce = async () => {
  const t0 = process.hrtime.bigint();
  const p = await prepare(checkedOnce, dir + '/', undefined, false, true);
  if ('error' in p) throw new Error('bench config does not prepare: ' + p.error);
  return Number(process.hrtime.bigint() - t0) / 1e6;
};
await prepareOnce(); // warm-up
const parses = [];
const prepares = [];
const nginx = [];
const cli = [];
const nodeStart = [];
const floor = [];
const floorArgs = [new URL('./parse-floor.cjs', import.meta.url).pathname, ...texts.map(([path]) => path)];
for (let i = 0; i < RUNS; i++) {
  ngts.push(check());
  parses.push(parseAll());
  prepares.push(await prepareOnce());
  if (!hasNginx) continue;
  nginx.push(timed(() => execFileSync('nginx', testArgs, { stdio: 'pipe' })));
  cli.push(timed(() => execFileSync(process.execPath, [ngtsBin, ...testArgs], { stdio: 'pipe' })));
  nodeStart.push(timed(() => execFileSync(process.execPath, ['-e', ''], { stdio: 'pipe' })));
  floor.push(timed(() => execFileSync(process.execPath, floorArgs, { stdio: 'pipe' })));
}
const ms = (x) => `${x.toFixed(1)} ms`;
console.log(`config: ${FILES} files x ${PER_FILE} locations = ${FILES * PER_FILE} locations; medians of ${RUNS} runs`);
console.log(`ngts in process, after a warm-up: parse of the ${texts.length} files ${ms(median(parses))}, parse + check (checkConfig) ${ms(median(ngts))}, then -t's preparation (compile, resolve, files) ${ms(median(prepares))}`);
if (hasNginx) {
  console.log(`whole process, \`-t -p DIR/ -c nginx.conf\`:`);
  console.log(`  node bin/ngts.js -t   ${ms(median(cli)).padStart(10)}   (min ${ms(Math.min(...cli))})`);
  console.log(`  nginx -t              ${ms(median(nginx)).padStart(10)}   (min ${ms(Math.min(...nginx))})`);
  console.log(`  floors of ngts: node -e '' ${ms(median(nodeStart))}; start-up + bundle + parse of every file (bench/parse-floor.cjs) ${ms(median(floor))} = ${(median(floor) / median(nginx)).toFixed(2)}x nginx -t`);
  console.log(`  ratio ngts/nginx      ${(median(cli) / median(nginx)).toFixed(2).padStart(7)}x     (in process, parse + check: ${(median(ngts) / median(nginx)).toFixed(2)}x, with the preparation: ${((median(ngts) + median(prepares)) / median(nginx)).toFixed(2)}x)`);
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
for (let i = 0; i < LINT_RUNS; i++) {
  rules.push(lint());
  checkCli.push(timed(() => spawnSync(process.execPath, [ngtsBin, 'check', file, '--format', 'json', '-p', dir + '/'], { stdio: 'pipe' })));
}
console.log(`lint rules (${RULES.length} on, in process, after parse+check): median ${median(rules).toFixed(1)} ms of ${LINT_RUNS} runs, ${findings} findings`);
console.log(`ngts check with every rule (whole process): median ${median(checkCli).toFixed(1)} ms`);
if (hasNginx) console.log(`ratio ngts check (whole process, all rules) / nginx -t: ${(median(checkCli) / median(nginx)).toFixed(2)}x`);
if (process.env.KEEP) console.log(`kept the generated config: ${file}`);
else rmSync(dir, { recursive: true, force: true });
