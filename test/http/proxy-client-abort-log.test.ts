/**
 * A client that goes away while its proxied request waits (fixtures/http/proxy-client-abort) is
 * logged as nginx logs it: the access log line has 499, $upstream_status "-" and the upstream's
 * address; the error log has nginx's info line naming the step the upstream was in
 * (ngx_http_upstream_check_broken_connection). Times, pids and connection numbers are masked.
 */
import { describe, expect, it } from 'vitest';
import { FixtureRun, loadFixtures } from '../harness/fixtures.js';
import { logLines as lines } from '../harness/log-files.js';
import { requireNginx } from '../harness/nginx.js';

const live = requireNginx('the client-abort log comparison');
const fixture = loadFixtures(['proxy-client-abort']).find((f) => f.name === 'proxy-client-abort');

/** The error log's lines about the client going away, without time, pid#tid and *connection. */
function abortLines(dir: string): string[] {
  return lines(dir, 'error.log')
    .filter((l) => l.includes('prematurely closed'))
    .map((l) => l.replace(/^\S+ \S+ (\[\w+\]) \d+#\d+: \*\d+ /, '$1 ').replace(/127\.0\.0\.1:\d+/g, '127.0.0.1:PORT'));
}

describe.skipIf(!live || fixture === undefined)('a client gone mid-request is logged as nginx logs it', () => {
  it('abort.log and the error log agree with nginx', async () => {
    const got: Record<'nginx' | 'ngts', { access: string[]; errors: string[] }> = {
      nginx: { access: [], errors: [] },
      ngts: { access: [], errors: [] },
    };
    for (const kind of ['nginx', 'ngts'] as const) {
      const run = await FixtureRun.start(kind, fixture!);
      try {
        for (const c of fixture!.cases) await run.run(c);
        await run.server.stop();
        got[kind] = {
          access: lines(run.dir, 'abort.log').map((l) => l.replace(/127\.0\.0\.1:\d+/g, '127.0.0.1:PORT')),
          errors: abortLines(run.dir),
        };
      } finally {
        await run.stop();
      }
    }
    // Each case: the aborted request (499), then the one after it (200).
    expect(got.nginx.access.filter((l) => / 499 - 127\.0\.0\.1:PORT 0 ""$/.test(l))).toHaveLength(2);
    expect(got.nginx.errors).toHaveLength(2);
    expect(got.ngts.access).toEqual(got.nginx.access);
    expect(got.ngts.errors).toEqual(got.nginx.errors);
  }, 120_000);
});
