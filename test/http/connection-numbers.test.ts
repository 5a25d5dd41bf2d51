/**
 * Connection numbers ($connection, `*N` in the error log) against nginx: nginx numbers every
 * connection of the process from one counter (ngx_connection_counter) — accepted client
 * connections, connections to upstreams (ngx_event_connect_peer), the resolver's UDP connection
 * (ngx_udp_connect) — so a client's number skips those its predecessors made upstream, and a cached
 * upstream connection (keepalive) takes none. The same requests, each on a new client connection,
 * go to nginx and to ngts; the steps between consecutive $connection values must be the same
 * (the absolute values differ by the harness's readiness probes).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { nginxConf } from '../harness/conf.js';
import { httpGet } from '../harness/http-get.js';
import { requireNginx } from '../harness/nginx.js';
import { withResolverRun } from '../harness/resolver-run.js';

const live = requireNginx('the connection number comparison');

function conf(dir: string, port: number, dns: string, backendPort: number): string {
  return nginxConf(dir, [
    "log_format numbers '$connection $connection_requests $request_uri $status';",
    `resolver ${dns} ipv6=off;`,
    `upstream plain { server 127.0.0.1:${backendPort}; }`,
    `upstream pooled { server 127.0.0.1:${backendPort}; keepalive 2; }`,
    'server {',
    `    listen 127.0.0.1:${port};`,
    `    access_log ${dir}/numbers.log numbers;`,
    '    location = /return { return 200 "ok\\n"; }',
    '    location = /plain { proxy_pass http://plain; }',
    '    location = /pooled { proxy_pass http://pooled; proxy_http_version 1.1; proxy_set_header Connection ""; }',
    `    location = /resolved { proxy_pass http://$arg_h:${backendPort}; }`,
    '    location = /auth { auth_request /check; return 200 "in\\n"; }',
    '    location = /check { internal; proxy_pass http://plain; }',
    '}',
  ]);
}

const TARGETS = ['/return', '/return', '/plain', '/return', '/pooled', '/return', '/pooled', '/return', '/resolved?h=one.test', '/return', '/resolved?h=one.test', '/return', '/auth', '/return', '/plain', '/plain', '/return'];

/** Each logged line with its $connection replaced by the step from the line before. */
async function steps(kind: 'nginx' | 'ngts'): Promise<string[]> {
  return withResolverRun(kind, conf, async ({ port, dir, stopServer }) => {
    for (const t of TARGETS) await httpGet(port, t);
    await stopServer();
    const lines = readFileSync(join(dir, 'numbers.log'), 'latin1').trimEnd().split('\n');
    let last = -1;
    return lines.map((l) => {
      const [n, ...rest] = l.split(' ');
      const step = last < 0 ? 'first' : `+${Number(n) - last}`;
      last = Number(n);
      return `${step} ${rest.join(' ')}`;
    });
  });
}

describe.skipIf(!live)('connection numbers agree with nginx', () => {
  let nginx: string[] = [];
  let ngts: string[] = [];
  beforeAll(async () => {
    nginx = await steps('nginx');
    ngts = await steps('ngts');
  }, 60_000);

  it('logs every request', () => {
    expect(nginx).toHaveLength(TARGETS.length);
    expect(ngts).toHaveLength(TARGETS.length);
  });
  TARGETS.forEach((t, i) => {
    it(`request ${i + 1}: ${t}`, () => {
      expect(ngts[i]).toBe(nginx[i]);
    });
  });
});
