/**
 * Records real nginx's answers to every request case under fixtures/http/ into the fixture's
 * expect.json, so that ngts can be checked against nginx where nginx is not installed.
 *
 *   npx -y tsx test/harness/record-nginx.ts                  # every fixture
 *   npx -y tsx test/harness/record-nginx.ts server-names     # fixtures whose name contains a word
 *
 * Each case is sent twice to the same nginx; a case whose two answers differ is reported as
 * unstable (it would make the differential flaky) and the run exits 1. A `stateful` case (balancer
 * order, failed peers) is sent once: its second answer would differ by design.
 */
import { project, sameProjection, type Observation } from './compare.js';
import { compareSpec, FixtureRun, loadFixtures, saveRecording } from './fixtures.js';
import { hasNginx, nginxVersion } from './nginx.js';

async function main(only: readonly string[]): Promise<number> {
  if (!hasNginx) {
    console.error('record-nginx: nginx is not on PATH');
    return 2;
  }
  const version = nginxVersion() ?? 'nginx';
  let unstable = 0;
  for (const fx of loadFixtures(only)) {
    const run = await FixtureRun.start('nginx', fx);
    const cases: Record<string, Observation> = {};
    try {
      for (const c of fx.cases) {
        const first = await run.run(c);
        const second = c.stateful ? first : await run.run(c);
        if (!sameProjection(project(first, compareSpec(c)), project(second, compareSpec(c)))) {
          unstable++;
          console.error(`UNSTABLE ${fx.name} / ${c.name}`);
        }
        cases[c.name] = first;
        const r = first.responses;
        const summary = r.length === 0 ? '(no response)' : r.map((x) => x.statusLine).join(' + ');
        const body = r.at(-1)?.body.split('\n')[0]?.slice(0, 40) ?? '';
        console.log(`${fx.name} / ${c.name}: ${first.outcome}; ${summary}; ${JSON.stringify(body)}`);
      }
    } finally {
      await run.stop();
    }
    saveRecording(fx, {
      recordedWith: version,
      note: 'Written by test/harness/record-nginx.ts: real nginx\'s answers; port numbers and the run directory are shown as their placeholders, Date as <date>.',
      cases,
    });
  }
  return unstable === 0 ? 0 : 1;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (e: unknown) => {
    console.error(e);
    process.exit(2);
  },
);
