/**
 * The seed configs (fixtures/seeds/, taken from the blog posts in /work/shared/seeds/): `ngts -t`
 * against what nginx 1.22.1 answered when the seed was recorded (expect.json → nginxT) and, when
 * nginx is on PATH, against live `nginx -t` on the very same files.
 *
 * Each seed is run as it was recorded (see fixtures/seeds/INDEX.md): copied into a temp dir, every
 * absolute path of expect.json's `needsPaths` (certificates, /etc/nginx/... includes) and
 * `writesPaths` (logs) rewritten in place in the copy to `<tmp>/<fixture path>`, then
 * `-t -p <tmp>/ -c <tmp>/<main>`. Rewrites never add or remove a line, so lines stay as recorded.
 *
 * One addition: `nginx -t` really binds its listen sockets, and the seeds listen on 80, 443 and 8080
 * (which a running web server, or fixtures/check's 127.0.0.1:8080 in a parallel test worker, may
 * hold). Each `listen` port is rewritten in the copy to a free port, and mapped back to the
 * original number in both programs' output before comparing. nginx and ngts see the same files.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
// Shared with the fixtures/check differential, so that nginx's and ngts's output is read the same way.
import { REPO, onPath, readTestOutput } from './record-nginx.mjs';

const SEEDS = join(REPO, 'fixtures/seeds');
const NGTS = join(REPO, 'bin/ngts.js');
const HAVE_NGINX = onPath('nginx');

/** The part of a `-t` answer that must agree (as in nginx-t.test.ts). */
interface Answer {
  ok: boolean;
  exit: number;
  first: { level: string; message: string; file: string | null; line: number | null } | null;
  warnings: string[];
}

/** What nginx printed for `-t`, as expect.json keeps it (`{prefix}` stands for the temp dir). */
interface RecordedRun {
  ok: boolean;
  exitCode: number;
  stderr: string;
}

interface SeedExpect {
  main: string | null;
  nginxT: RecordedRun | null;
  nginxTAsNonRoot?: RecordedRun;
  needsPaths: Record<string, string>;
  writesPaths: Record<string, string>;
}

/**
 * Seeds whose recorded nginx answer depends on the machine, not on the configuration, in checks
 * that ngts deliberately does not model (see setUser in src/config/modules/ngx_core_module.ts).
 * (Host names are not among them: ngts -t resolves them as nginx -t does, so reverse-proxy-gateway,
 * whose `backend` resolves only where the post was written, fails here for both.) For these, ngts must give `ngts` (nginx's answer
 * on a machine where that check passes), and live nginx must give either that or the recorded one.
 */
const MACHINE_DEPENDENT: Record<string, { why: string; ngts: (dir: string, seed: SeedExpect) => Answer }> = {
  'api-gateway-production': {
    why: 'as root nginx looks up `user nginx;` (getpwnam), and this machine has no nginx user',
    // nginx as non-root skips the lookup (with a warning that only non-root gets) and reaches the
    // config's own bug: limit_req_zone inside server{}.
    ngts: (dir, seed) => {
      const a = answerOf(recordedOutput(seed.nginxTAsNonRoot!, dir));
      return { ...a, warnings: a.warnings.filter((w) => !w.startsWith('the "user" directive makes sense only')) };
    },
  },
};

function readSeed(name: string): SeedExpect {
  return JSON.parse(readFileSync(join(SEEDS, name, 'expect.json'), 'utf8')) as SeedExpect;
}

function answerOf(out: ReturnType<typeof readTestOutput>): Answer {
  return { ok: out.ok, exit: out.exit, first: out.first, warnings: out.warnings };
}

/** A recorded run read as if it had just been printed for the temp dir `dir`. */
function recordedOutput(run: RecordedRun, dir: string): ReturnType<typeof readTestOutput> {
  return readTestOutput(Buffer.from(run.stderr.split('{prefix}').join(dir), 'utf8'), run.exitCode, dir);
}

/** A TCP port that is free on every address right now. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.on('error', reject);
    srv.listen(0, '0.0.0.0', () => {
      const addr = srv.address();
      srv.close(() => (addr && typeof addr === 'object' ? resolve(addr.port) : reject(new Error('no port'))));
    });
  });
}

// `listen [ADDR:]PORT` at the start of a directive; `listen:` (the layer-7 typo) is not a listen.
const LISTEN_PORT = /(^|[\s;{}])(listen[ \t\r\n]+(?:(?:\[[^\]\s]*\]|[^\s;:[]*):)?)(\d+)(?=[\s;])/g;

/** Every file of a directory tree, as paths relative to it. */
function filesUnder(root: string, sub = ''): string[] {
  return readdirSync(join(root, sub)).flatMap((n) => {
    const rel = sub === '' ? n : `${sub}/${n}`;
    return statSync(join(root, rel)).isDirectory() ? filesUnder(root, rel) : [rel];
  });
}

/** A prepared temp copy of a seed, and how to read a program's output on it. */
interface Prepared {
  dir: string;
  argv: string[];
  /** Original listen port by the free port that replaced it. */
  ports: Map<number, number>;
}

const temps: string[] = [];
afterAll(() => {
  for (const t of temps) rmSync(t, { recursive: true, force: true });
});

/** Copies a seed to a temp dir and rewrites its absolute paths and listen ports there. */
async function prepare(name: string, seed: SeedExpect): Promise<Prepared> {
  const dir = mkdtempSync(join(tmpdir(), `ngts-seed-${name}-`));
  temps.push(dir);
  cpSync(join(SEEDS, name), dir, { recursive: true });
  // Longest first, so that a path is never rewritten through a shorter one that prefixes it.
  const paths = Object.entries({ ...seed.needsPaths, ...seed.writesPaths }).sort((a, b) => b[0].length - a[0].length);
  for (const [, rel] of Object.entries(seed.writesPaths)) {
    mkdirSync(rel.endsWith('/') ? join(dir, rel) : dirname(join(dir, rel)), { recursive: true });
  }
  const byOriginal = new Map<number, number>();
  for (const rel of filesUnder(dir)) {
    if (/\.(pem|crt|key)$/.test(rel) || rel === 'expect.json' || rel === 'README.md') continue;
    const file = join(dir, rel);
    const text = readFileSync(file, 'latin1');
    let out = text;
    for (const [abs, target] of paths) out = out.split(abs).join(`${dir}/${target}`);
    const originals = [...out.matchAll(LISTEN_PORT)].map((m) => Number(m[3]));
    for (const p of originals) if (!byOriginal.has(p)) byOriginal.set(p, await freePort());
    out = out.replace(LISTEN_PORT, (_m, lead: string, head: string, port: string) => `${lead}${head}${byOriginal.get(Number(port))}`);
    if (out !== text) {
      expect(out.split('\n').length, `${rel}: a rewrite changed the line count`).toBe(text.split('\n').length);
      writeFileSync(file, out, 'latin1');
    }
  }
  const ports = new Map([...byOriginal].map(([orig, free]) => [free, orig]));
  return { dir, argv: ['-t', '-p', `${dir}/`, '-c', join(dir, seed.main!)], ports };
}

/** Runs a `-t` program on a prepared seed and reads its answer, listen ports mapped back. */
function runT(p: Prepared, argv0: string, args: string[]): ReturnType<typeof readTestOutput> {
  const r = spawnSync(argv0, [...args, ...p.argv], { cwd: p.dir, timeout: 20_000 });
  if (r.error) throw r.error;
  let text = Buffer.from(r.stderr).toString('latin1');
  for (const [free, orig] of p.ports) text = text.split(`:${free}`).join(`:${orig}`);
  return readTestOutput(Buffer.from(text, 'latin1'), r.status ?? -1, p.dir);
}

const names = readdirSync(SEEDS)
  .filter((n) => statSync(join(SEEDS, n)).isDirectory())
  .sort();

describe('seed configs: ngts -t agrees with nginx -t', () => {
  it('has the 21 seeds and a built ngts', () => {
    expect(names.length).toBe(21);
    expect(existsSync(join(REPO, 'dist/cli/main.js')), 'dist/ is missing: run `npm run build` first').toBe(true);
  });

  for (const name of names) {
    const seed = readSeed(name);
    if (seed.main === null || seed.nginxT === null) {
      it(`${name}: the post has no config, so there is nothing to run`, () => {
        expect(seed.nginxT).toBeNull();
        expect(readdirSync(join(SEEDS, name)).filter((n) => n.endsWith('.conf'))).toEqual([]);
      });
      continue;
    }
    const differs = MACHINE_DEPENDENT[name];
    it(differs ? `${name} (nginx's recorded answer is machine-dependent: ${differs.why})` : name, async () => {
      const p = await prepare(name, seed);
      const recorded = answerOf(recordedOutput(seed.nginxT!, p.dir));
      const got = runT(p, process.execPath, [NGTS]);
      expect(got.unexpected, 'ngts printed lines that nginx -t never prints').toEqual([]);

      const want = differs ? differs.ngts(p.dir, seed) : recorded;
      expect(answerOf(got), 'ngts vs recorded nginx').toEqual(want);

      if (HAVE_NGINX) {
        const live = answerOf(runT(p, 'nginx', []));
        if (differs) expect([want, recorded], 'live nginx: neither the recorded nor the machine-independent answer').toContainEqual(live);
        else expect(answerOf(got), 'ngts vs live nginx').toEqual(live);
      }
    });
  }
});

describe('the layer-7 seed (the issue)', () => {
  it('fails on `listen:` at nginx.conf:22 as nginx does, and its fixed version passes', async () => {
    const broken = await prepare('layer7-proxy', readSeed('layer7-proxy'));
    expect(answerOf(runT(broken, process.execPath, [NGTS]))).toEqual({
      ok: false,
      exit: 1,
      first: { level: 'emerg', message: 'unknown directive "listen:"', file: 'nginx.conf', line: 22 },
      warnings: [],
    });
    const fixed = await prepare('layer7-proxy-fixed', readSeed('layer7-proxy-fixed'));
    expect(answerOf(runT(fixed, process.execPath, [NGTS]))).toEqual({ ok: true, exit: 0, first: null, warnings: [] });
  });
});

/**
 * The lint rules over the seeds that nginx accepts: what fires is recorded in
 * fixtures/seeds/lint-findings.json (rule, file, line, message) and reviewed there — each finding
 * is a true positive, explained in fixtures/seeds/INDEX.md. A change in what fires fails here;
 * `UPDATE_SEED_LINT=1 npx vitest run test/check/seeds.test.ts` rewrites the file for review.
 */
describe('seed configs: ngts check rules', () => {
  const recordFile = join(SEEDS, 'lint-findings.json');
  const recorded = existsSync(recordFile) ? (JSON.parse(readFileSync(recordFile, 'utf8')) as Record<string, string[]>) : {};
  const found: Record<string, string[]> = {};
  afterAll(() => {
    if (process.env.UPDATE_SEED_LINT) writeFileSync(recordFile, JSON.stringify(found, null, 2) + '\n');
  });
  for (const name of names) {
    const seed = readSeed(name);
    if (seed.main === null || seed.nginxT === null || !seed.nginxT.ok) continue;
    it(`${name}: the rules report what lint-findings.json records`, async () => {
      const p = await prepare(name, seed);
      const r = spawnSync(process.execPath, [NGTS, 'check', join(p.dir, seed.main!), '-p', `${p.dir}/`, '--format', 'json', '--no-config'], { cwd: p.dir, timeout: 20_000 });
      const report = JSON.parse(Buffer.from(r.stdout).toString('utf8')) as { diagnostics: { rule: boolean; code: string; file: string; line: number; message: string }[] };
      let lines = report.diagnostics.filter((d) => d.rule).map((d) => `${d.code} ${d.file.slice(p.dir.length + 1)}:${d.line} ${d.message}`);
      for (const [free, orig] of p.ports) lines = lines.map((l) => l.split(`:${free}`).join(`:${orig}`));
      found[name] = lines;
      if (!process.env.UPDATE_SEED_LINT) expect(lines).toEqual(recorded[name] ?? []);
    });
  }
});
