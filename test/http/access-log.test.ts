/**
 * Access logs written as nginx writes them: the fixture fixtures/http/access-log is served by real
 * nginx and by ngts, its cases are sent to each in order, and after both stopped their log files
 * must match line by line (the formats leave out times, ports and sizes that legitimately differ,
 * such as the Server header's length).
 */
import { readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FixtureRun, loadFixtures } from '../harness/fixtures.js';
import { requireNginx } from '../harness/nginx.js';

const live = requireNginx('the access log comparison');
/** The fixtures whose access logs are compared, and their log files. */
const FIXTURES: Readonly<Record<string, readonly string[]>> = {
  'access-log': ['plain.log', 'json.log', 'raw.log', 'cond.log', 'inner.log'],
  // TLS and HTTP/2 requests: $request with HTTP/2.0, $ssl_*, $http2 (fixtures/http/tls-listen).
  'tls-listen': ['tls.log'],
};

function read(dir: string, name: string): string[] {
  const path = join(dir, name);
  return existsSync(path) ? readFileSync(path, 'latin1').split('\n').filter((l) => l.length > 0) : [];
}

for (const [fixtureName, LOGS] of Object.entries(FIXTURES)) {
const fixture = loadFixtures([fixtureName]).find((f) => f.name === fixtureName);
describe.skipIf(!live || fixture === undefined)(`access_log lines agree with nginx (${fixtureName})`, () => {
  const logs = new Map<string, { nginx: string[]; ngts: string[] }>();

  beforeAll(async () => {
    const runs: Record<'nginx' | 'ngts', FixtureRun> = {
      nginx: await FixtureRun.start('nginx', fixture!),
      ngts: await FixtureRun.start('ngts', fixture!),
    };
    for (const c of fixture!.cases) {
      await runs.nginx.run(c);
      await runs.ngts.run(c);
    }
    // Stopping flushes and closes everything; then the files are complete.
    const dirs = { nginx: runs.nginx.dir, ngts: runs.ngts.dir };
    await runs.nginx.server.stop();
    await runs.ngts.server.stop();
    for (const name of LOGS) logs.set(name, { nginx: read(dirs.nginx, name), ngts: read(dirs.ngts, name) });
    await runs.nginx.stop();
    await runs.ngts.stop();
  }, 60_000);

  afterAll(() => logs.clear());

  for (const name of LOGS) {
    it(`${name} has nginx's lines`, () => {
      const pair = logs.get(name)!;
      expect(pair.nginx.length, `nginx wrote no ${name}`).toBeGreaterThan(0);
      expect(pair.ngts).toEqual(pair.nginx);
    });
  }
});
}
