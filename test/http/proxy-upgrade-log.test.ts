/**
 * The access log of upgraded connections (fixtures/http/proxy-upgrade): a tunnel is logged once it
 * ends, with status 101, $upstream_status 101, $request_completion OK and the bytes relayed to the
 * client in $body_bytes_sent, as nginx logs it (ngx_http_upstream_finalize_request with rc 0).
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FixtureRun, loadFixtures } from '../harness/fixtures.js';
import { requireNginx } from '../harness/nginx.js';

const live = requireNginx('the tunnel access log comparison');
const fixture = loadFixtures(['proxy-upgrade']).find((f) => f.name === 'proxy-upgrade');

function lines(dir: string): string[] {
  const path = join(dir, 'tunnel.log');
  return existsSync(path) ? readFileSync(path, 'latin1').split('\n').filter((l) => l.length > 0) : [];
}

describe.skipIf(!live || fixture === undefined)('tunnels are logged as nginx logs them', () => {
  it('tunnel.log has nginx\'s lines', async () => {
    const got: Record<'nginx' | 'ngts', string[]> = { nginx: [], ngts: [] };
    for (const kind of ['nginx', 'ngts'] as const) {
      const run = await FixtureRun.start(kind, fixture!);
      try {
        for (const c of fixture!.cases) await run.run(c);
        // Stopping flushes the log; a tunnel is logged when it closes.
        await run.server.stop();
        got[kind] = lines(run.dir);
      } finally {
        await run.stop();
      }
    }
    expect(got.nginx.length).toBe(fixture!.cases.length);
    expect(got.nginx.some((l) => / 101 101 OK /.test(l))).toBe(true);
    expect(got.ngts).toEqual(got.nginx);
  }, 120_000);
});
