/**
 * The access log of upgraded connections (fixtures/http/proxy-upgrade): a tunnel is logged once it
 * ends, with status 101, $upstream_status 101, $request_completion OK and the bytes relayed to the
 * client in $body_bytes_sent, as nginx logs it (ngx_http_upstream_finalize_request with rc 0).
 */
import { describe, expect, it } from 'vitest';
import { loadFixtures } from '../harness/fixtures.js';
import { fixtureLogLines } from '../harness/log-files.js';
import { requireNginx } from '../harness/nginx.js';

const live = requireNginx('the tunnel access log comparison');
const fixture = loadFixtures(['proxy-upgrade']).find((f) => f.name === 'proxy-upgrade');

describe.skipIf(!live || fixture === undefined)('tunnels are logged as nginx logs them', () => {
  it('tunnel.log has nginx\'s lines', async () => {
    const got = await fixtureLogLines(fixture!, 'tunnel.log');
    expect(got.nginx.length).toBe(fixture!.cases.length);
    expect(got.nginx.some((l) => / 101 101 OK /.test(l))).toBe(true);
    expect(got.ngts).toEqual(got.nginx);
  }, 120_000);
});
