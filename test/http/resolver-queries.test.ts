/**
 * What the `resolver` asks the name server, against nginx (ngx_resolver.c): the same requests sent
 * to nginx and to ngts, each with its own name server, must make the same questions. nginx keeps an
 * answer for its TTL (or `valid=`), keeps no failure (ngx_resolver_process_a deletes the node of an
 * NXDOMAIN or SERVFAIL answer, so the next request asks again), and asks once for a name that
 * several requests wait for (rn->waiting).
 */
import http from 'node:http';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDnsServer } from '../harness/dns-server.js';
import { nginxConf } from '../harness/conf.js';
import { httpGet } from '../harness/http-get.js';
import { requireNginx } from '../harness/nginx.js';
import { freePort } from '../harness/ports.js';
import { startServer, type RunningServer } from '../harness/server.js';

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
  const backend = http.createServer((_req, res) => res.end('ok\n'));
  await new Promise<void>((r) => backend.listen(0, '127.0.0.1', r));
  const backendPort = (backend.address() as { port: number }).port;
  const dns = await startDnsServer();
  const dir = mkdtempSync(join(tmpdir(), `ngts-resolver-${kind}-`));
  let server: RunningServer | null = null;
  try {
    const port = await freePort();
    writeFileSync(join(dir, 'nginx.conf'), conf(dir, port, dns.address, backendPort));
    server = await startServer(kind, dir, { ports: [port] });
    const out: Outcome = { statuses: [], questions: [] };
    for (const step of STEPS) {
      const before = dns.questions.length;
      out.statuses.push(await Promise.all(step.map(async (name) => (await httpGet(port, `/r/?h=${name}`)).status)));
      out.questions.push(dns.questions.slice(before).sort());
    }
    return out;
  } finally {
    await server?.stop();
    await dns.close();
    backend.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

describe.skipIf(!live)('resolver questions agree with nginx', () => {
  let nginx: Outcome;
  let ngts: Outcome;
  beforeAll(async () => {
    nginx = await run('nginx');
    ngts = await run('ngts');
  }, 60_000);
  afterAll(() => undefined);

  STEPS.forEach((step, i) => {
    it(`step ${i + 1}: ${step.join(' + ')}`, () => {
      expect({ statuses: ngts.statuses[i], questions: ngts.questions[i] }).toEqual({ statuses: nginx.statuses[i], questions: nginx.questions[i] });
    });
  });
});
