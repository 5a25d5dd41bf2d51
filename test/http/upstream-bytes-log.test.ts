/**
 * $upstream_bytes_received, $upstream_bytes_sent and $upstream_response_length as nginx logs them
 * (fixtures/http/proxy-upstream-bytes): both servers get the fixture's cases in order, then their
 * bytes.log files must be equal line by line — one value per upstream tried, chunk framing and
 * response heads counted as nginx counts them.
 */
import { describe, expect, it } from 'vitest';
import { loadFixtures } from '../harness/fixtures.js';
import { fixtureLogLines } from '../harness/log-files.js';
import { requireNginx } from '../harness/nginx.js';

const live = requireNginx('the upstream bytes log comparison');
const fixture = loadFixtures(['proxy-upstream-bytes']).find((f) => f.name === 'proxy-upstream-bytes');

describe.skipIf(!live || fixture === undefined)('upstream byte counts are logged as nginx logs them', () => {
  it('bytes.log has nginx\'s lines', async () => {
    const got = await fixtureLogLines(fixture!, 'bytes.log');
    expect(got.nginx).toHaveLength(fixture!.cases.length);
    // The refused peer counts nothing, the next one the whole exchange.
    expect(got.nginx.some((l) => /"502, 200" "0, \d+" "0, \d+" "0, \d+"/.test(l))).toBe(true);
    expect(got.ngts).toEqual(got.nginx);
  }, 120_000);
});
