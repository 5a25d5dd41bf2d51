/**
 * The differential test of `ngts -t` against `nginx -t`, one case per directory of fixtures/check/.
 *
 * Each case runs `ngts -t -p DIR/ -c DIR/nginx.conf [args]` and compares its exit code, its verdict,
 * the first fatal message (level, text, file, line) and the warnings with what nginx answered when
 * the fixture was recorded (expect.json, written by test/check/record-nginx.mjs). When nginx is on
 * PATH it also runs nginx live on the same fixture and compares the two answers.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
// Shared with the recorder, so that both read nginx's and ngts's output the same way.
import { FIXTURES, REPO, fixtureDirs, onPath, readTestOutput, runNginx, testArgv } from './record-nginx.mjs';

/** The part of a `-t` answer that must agree. */
interface Answer {
  ok: boolean;
  exit: number;
  first: { level: string; message: string; file: string | null; line: number | null } | null;
  warnings: string[];
}

interface Recorded extends Answer {
  args: string[];
  note: string;
}

const NGTS = join(REPO, 'bin/ngts.js');
const BUILT = existsSync(join(REPO, 'dist/cli/main.js'));
const HAVE_NGINX = onPath('nginx');
const IN_CI = process.env.CI !== undefined && process.env.CI !== '' && process.env.CI !== 'false';

if (!HAVE_NGINX && !IN_CI) {
  const bar = '!'.repeat(78);
  console.warn(
    `\n${bar}\n!! nginx is not on PATH: comparing ngts with the RECORDED answers only.\n` +
      `!! The live differential against nginx -t is SKIPPED. Install nginx to run it.\n${bar}\n`,
  );
}

function answer(out: ReturnType<typeof readTestOutput>): Answer {
  return { ok: out.ok, exit: out.exit, first: out.first, warnings: out.warnings };
}

/** Runs `ngts -t` on a fixture directory as nginx is run on it. */
function runNgts(dir: string): ReturnType<typeof readTestOutput> {
  const r = spawnSync(process.execPath, [NGTS, ...testArgv(dir)], { cwd: dir, timeout: 20_000 });
  if (r.error) throw r.error;
  return readTestOutput(r.stderr, r.status ?? -1, dir);
}

describe('ngts -t agrees with nginx -t', () => {
  const names = fixtureDirs();

  it('has the fixtures and a built ngts', () => {
    expect(names.length).toBeGreaterThanOrEqual(60);
    expect(BUILT, 'dist/ is missing: run `npm run build` first').toBe(true);
  });

  it('has nginx for the live differential in CI', () => {
    if (!IN_CI) return;
    expect(HAVE_NGINX, 'CI must install nginx: the differential against live nginx -t cannot be skipped there').toBe(true);
  });

  for (const name of names) {
    it(name, () => {
      const dir = join(FIXTURES, name);
      const recorded = JSON.parse(readFileSync(join(dir, 'expect.json'), 'utf8')) as Recorded;
      const got = runNgts(dir);

      expect(got.unexpected, 'ngts printed lines that nginx -t never prints').toEqual([]);
      expect(answer(got), `ngts vs recorded nginx (${recorded.note})`).toEqual({
        ok: recorded.ok,
        exit: recorded.exit,
        first: recorded.first,
        warnings: recorded.warnings,
      });

      if (HAVE_NGINX) {
        const live = runNginx(dir);
        expect(answer(got), `ngts vs live nginx (${recorded.note})`).toEqual(answer(live));
      }
    });
  }
});
