/**
 * What the `resolver` asks the name server, against nginx (ngx_resolver.c): the same requests sent
 * to nginx and to ngts, each with its own name server, must make the same questions. nginx keeps an
 * answer for its TTL (or `valid=`), keeps no failure (ngx_resolver_process_a deletes the node of an
 * NXDOMAIN or SERVFAIL answer, so the next request asks again), and asks once for a name that
 * several requests wait for (rn->waiting).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { nginxConf } from '../harness/conf.js';
import { httpGet } from '../harness/http-get.js';
import { requireNginx } from '../harness/nginx.js';
import { withResolverRun } from '../harness/resolver-run.js';

const live = requireNginx('the resolver query comparison');

function conf(dir: string, port: number, dns: string, backendPort: number): string {
  return nginxConf(dir, [
    `resolver ${dns};`,
    'resolver_timeout 2s;',
    `server { listen 127.0.0.1:${port}; location /r/ { proxy_pass http://$arg_h:${backendPort}/; } }`,
  ]);
}

/** Each step: requests sent at once (one string) or one after the other (several). */
const STEPS: readonly (readonly string[])[] = [
  ['one.test'],
  ['one.test'],
  ['ONE.test'],
  ['gone.nx.test'],
  ['gone.nx.test'],
  ['down.servfail.test'],
  ['down.servfail.test'],
  ['empty.nodata.test'],
  ['empty.nodata.test'],
  ['wait.slow.test', 'wait.slow.test', 'wait.slow.test'],
  ['wait.slow.test'],
];

interface Outcome {
  statuses: number[][];
  /** Questions per step, sorted within the step (A and AAAA may leave in either order). */
  questions: string[][];
}

async function run(kind: 'nginx' | 'ngts'): Promise<Outcome> {
  return withResolverRun(kind, conf, async ({ port, dns }) => {
    const out: Outcome = { statuses: [], questions: [] };
    for (const step of STEPS) {
      const before = dns.questions.length;
      out.statuses.push(await Promise.all(step.map(async (name) => (await httpGet(port, `/r/?h=${name}`)).status)));
      out.questions.push(dns.questions.slice(before).sort());
    }
    return out;
  });
}

describe.skipIf(!live)('resolver questions agree with nginx', () => {
  let nginx: Outcome;
  let ngts: Outcome;
  beforeAll(async () => {
    nginx = await run('nginx');
    ngts = await run('ngts');
  }, 60_000);

  STEPS.forEach((step, i) => {
    it(`step ${i + 1}: ${step.join(' + ')}`, () => {
      expect({ statuses: ngts.statuses[i], questions: ngts.questions[i] }).toEqual({ statuses: nginx.statuses[i], questions: nginx.questions[i] });
    });
  });
});
