/**
 * The request-level differential: every case of every fixture under fixtures/http/ is sent to real
 * nginx and to ngts, each serving the same nginx.conf, and their answers must agree (status line,
 * the headers of compare.ts's DEFAULT_HEADERS and X-*, body, what the echo backends received).
 * nginx's answers are also recorded in each fixture's expect.json (test/harness/record-nginx.ts):
 * with live nginx the test checks that it still answers as recorded; without nginx, ngts is
 * compared with the recording.
 *
 *   NGTS_DIFF_SUBJECT=nginx npx vitest run test/http   # self-test: nginx against nginx
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { project, sameProjection, type Observation } from '../harness/compare.js';
import { compareSpec, FixtureRun, loadFixtures, loadRecording, type HttpCase } from '../harness/fixtures.js';
import { requireNginx } from '../harness/nginx.js';
import type { ServerKind } from '../harness/server.js';

const SUBJECT: ServerKind = process.env.NGTS_DIFF_SUBJECT === 'nginx' ? 'nginx' : 'ngts';
const live = requireNginx('the live half of the request-level differential (ngts is checked against the recordings)');

/**
 * Features ngts does not have yet, with the issue that builds them. Cases that require one still
 * run against nginx (its answer stays recorded) but are skipped for ngts and counted as waiting.
 * Remove an entry in the commit that builds the feature.
 */
const NOT_BUILT: Readonly<Record<string, string>> = {};

let agreed = 0;
const waiting: string[] = [];
let total = 0;
const disagreements: string[] = [];
const notStarted = new Set<string>();

afterAll(() => {
  const lines = [
    ...[...notStarted].map((f) => `${f}: ${SUBJECT} did not start`),
    ...disagreements,
  ];
  const list = lines.length === 0 ? '' : `\n  disagreed: ${lines.join('\n             ')}`;
  const wait = waiting.length ? `\n  waiting for features ngts lacks (${waiting.length}): ${waiting.join('; ')}` : '';
  console.info(`${SUBJECT} agreed with nginx on ${agreed}/${total} cases${live ? '' : ' (recorded answers)'}${list}${wait}`);
});

/** A short account of a case for failure messages. */
function describeCase(c: HttpCase): string {
  const bytes = c.raw ?? `${c.request?.method ?? 'GET'} ${c.request?.target ?? ''}`;
  return JSON.stringify(bytes).slice(0, 200);
}

for (const fx of loadFixtures()) {
  describe(fx.name, () => {
    const recording = loadRecording(fx);
    let oracle: FixtureRun | null = null;
    let subject: FixtureRun | null = null;
    let subjectFailed = '';

    beforeAll(async () => {
      // The oracle must come up: if nginx cannot run the fixture, the fixture is wrong.
      if (live) oracle = await FixtureRun.start('nginx', fx);
      // ngts failing to start is a finding, reported by every case rather than by the hook.
      try {
        subject = await FixtureRun.start(SUBJECT, fx);
      } catch (e) {
        subjectFailed = (e as Error).message;
      }
    }, 60_000);

    afterAll(async () => {
      await oracle?.stop();
      await subject?.stop();
    });

    for (const c of fx.cases) {
      const missing = SUBJECT === 'ngts' ? (c.requires ?? []).filter((f) => NOT_BUILT[f] !== undefined) : [];
      if (missing.length) {
        waiting.push(`${fx.name} / ${c.name} (${missing.map((f) => NOT_BUILT[f]).join(', ')})`);
        it.skip(`${c.name} [waits for ${missing.map((f) => NOT_BUILT[f]).join(', ')}]`, () => {});
        continue;
      }
      it(c.name, async () => {
        total++;
        const spec = compareSpec(c);
        const recorded = recording?.cases[c.name];
        let want: Observation;
        if (oracle !== null) {
          want = await oracle.run(c);
          expect.soft(recorded, `no recording: run npx -y tsx test/harness/record-nginx.ts ${fx.name}`).toBeDefined();
          if (recorded !== undefined) {
            expect.soft(project(want, spec), `live nginx no longer answers as recorded in ${fx.name}/expect.json`).toEqual(
              project(recorded, spec),
            );
          }
        } else {
          if (recorded === undefined) throw new Error(`no nginx and no recording of this case in ${fx.name}/expect.json`);
          want = recorded;
        }

        if (subject === null) {
          notStarted.add(fx.name);
          throw new Error(`${SUBJECT} could not serve ${fx.name}, so it cannot answer ${describeCase(c)}:\n${subjectFailed}`);
        }
        const got = await subject.run(c);
        const ok = sameProjection(project(got, spec), project(want, spec));
        if (ok) agreed++;
        else disagreements.push(`${fx.name} / ${c.name}`);
        const died = subject.died();
        expect(
          project(got, spec),
          `${SUBJECT} disagrees with nginx on ${describeCase(c)}${died === null ? '' : ` (${died})`}`,
        ).toEqual(project(want, spec));
      });
    }
  });
}
