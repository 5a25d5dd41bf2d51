/**
 * How the random balancer spreads requests, nginx against ngts (fixtures/http/proxy-random): the
 * choice is random, so the shape is compared, not the sequence. With weights 1 and 3, `random`
 * sends a quarter of the requests to the first peer; `random two least_conn` with idle peers keeps
 * the second of two distinct draws, the other peer than the first draw, so three quarters go to the
 * peer of weight 1. The certain cases (down, failed, single peers) are in the differential.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FixtureRun, loadFixtures, type HttpCase } from '../harness/fixtures.js';
import { requireNginx } from '../harness/nginx.js';
import type { ServerKind } from '../harness/server.js';

const live = requireNginx('the random balancer comparison');
const fixture = loadFixtures(['proxy-random']).find((f) => f.name === 'proxy-random');
const REQUESTS = 200;

/** The share of `REQUESTS` sequential requests to `target` that `backend` answered. */
async function share(run: FixtureRun, target: string): Promise<number> {
  const c: HttpCase = { name: target, request: { target }, repeat: REQUESTS };
  const o = await run.run(c);
  expect(o.responses.length).toBe(REQUESTS);
  const first = o.responses.filter((r) => r.headers.some(([n, v]) => n === 'X-Backend' && v === 'backend')).length;
  const second = o.responses.filter((r) => r.headers.some(([n, v]) => n === 'X-Backend' && v === 'backend2')).length;
  expect(first + second).toBe(REQUESTS);
  return first / REQUESTS;
}

describe.skipIf(fixture === undefined)('the random balancer spreads requests as nginx does', () => {
  const runs = new Map<ServerKind, FixtureRun>();
  const kinds: ServerKind[] = live ? ['nginx', 'ngts'] : ['ngts'];

  beforeAll(async () => {
    for (const k of kinds) runs.set(k, await FixtureRun.start(k, fixture!));
  }, 60_000);

  afterAll(async () => {
    for (const r of runs.values()) await r.stop();
  });

  // 200 draws of probability p: the standard deviation is below 0.031, so ±0.12 is four of them.
  for (const [target, expected] of [
    ['/weighted/a', 0.25],
    ['/weighted-two/a', 0.75],
  ] as const) {
    for (const k of kinds) {
      it(`${k}: ${target} sends ${expected * 100}% to the peer of weight 1`, async () => {
        expect(Math.abs((await share(runs.get(k)!, target)) - expected)).toBeLessThan(0.12);
      }, 30_000);
    }
  }
});
