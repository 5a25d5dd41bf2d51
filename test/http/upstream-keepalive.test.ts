/**
 * Upstream keep-alive against nginx: the same config served by nginx and by ngts in front of a
 * keep-alive capable backend; after the same sequence of requests, the backend must have seen the
 * same number of connections from each (reused with `keepalive` + HTTP/1.1 + an empty Connection
 * header; one per request otherwise, or when the backend says `Connection: close`), over plain
 * connections and over TLS (an https upstream keeps its TLS connections the same way).
 */
import http from 'node:http';
import https from 'node:https';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requireNginx } from '../harness/nginx.js';
import { freePort } from '../harness/ports.js';
import { startServer, type RunningServer } from '../harness/server.js';
import { backendCertificate } from '../harness/tls-certs.js';
import { nginxConf } from '../harness/conf.js';

const live = requireNginx('the upstream keep-alive comparison');

interface Backend {
  port: number;
  connections: number;
  requests: number;
  server: http.Server;
}

async function backend(tls = false): Promise<Backend> {
  const b: Backend = { port: 0, connections: 0, requests: 0, server: tls ? https.createServer(backendCertificate('tls')) : http.createServer() };
  b.server.on('connection', () => b.connections++);
  b.server.on('request', (req, res) => {
    b.requests++;
    const close = req.url?.includes('close') ?? false;
    res.writeHead(200, { 'Content-Type': 'text/plain', ...(close ? { Connection: 'close' } : {}) });
    res.end(`served ${req.url}\n`);
  });
  await new Promise<void>((r) => b.server.listen(0, '127.0.0.1', r));
  b.port = (b.server.address() as { port: number }).port;
  return b;
}

function conf(dir: string, port: number, backendPort: number, tlsPort: number): string {
  return nginxConf(
    dir,
    `    upstream pooled { server 127.0.0.1:${backendPort}; keepalive 4; }
    upstream plain { server 127.0.0.1:${backendPort}; }
    upstream pooled_tls { server 127.0.0.1:${tlsPort}; keepalive 4; }
    server {
        listen 127.0.0.1:${port};
        location /pooled/ { proxy_pass http://pooled; proxy_http_version 1.1; proxy_set_header Connection ""; }
        location /http10/ { proxy_pass http://pooled; }
        location /plain/ { proxy_pass http://plain; proxy_http_version 1.1; proxy_set_header Connection ""; }
        location /tls/ { proxy_pass https://pooled_tls; proxy_http_version 1.1; proxy_set_header Connection ""; }
        location /tls-http10/ { proxy_pass https://pooled_tls; }
    }
`,
  );
}

function get(port: number, path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    http
      .get({ host: '127.0.0.1', port, path, agent: false }, (res) => {
        let body = '';
        res.on('data', (c: Buffer) => (body += c.toString('latin1')));
        res.on('end', () => resolve(body));
      })
      .on('error', reject);
  });
}

/** Connections the backend saw for `n` requests to `path`, served by `kind`. */
async function connectionsFor(kind: 'nginx' | 'ngts', path: string, n: number): Promise<{ connections: number; requests: number }> {
  const b = await backend(path.startsWith('/tls'));
  const dir = mkdtempSync(join(tmpdir(), `ngts-keepalive-${kind}-`));
  let server: RunningServer | null = null;
  try {
    const port = await freePort();
    writeFileSync(join(dir, 'nginx.conf'), conf(dir, port, b.port, b.port));
    server = await startServer(kind, dir, { ports: [port] });
    for (let i = 0; i < n; i++) expect(await get(port, `${path}${i}`)).toBe(`served ${path}${i}\n`);
    return { connections: b.connections, requests: b.requests };
  } finally {
    await server?.stop();
    b.server.closeAllConnections();
    b.server.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

describe.skipIf(!live)('upstream keep-alive agrees with nginx', () => {
  const cases: [string, string][] = [
    ['keepalive with HTTP/1.1 and Connection ""', '/pooled/r'],
    ['keepalive with nginx\'s default HTTP/1.0 request', '/http10/r'],
    ['no keepalive in the upstream block', '/plain/r'],
    ['the backend answers Connection: close', '/pooled/close'],
    ['keepalive over TLS', '/tls/r'],
    ['keepalive over TLS, HTTP/1.0 requests', '/tls-http10/r'],
    ['keepalive over TLS, the backend answers Connection: close', '/tls/close'],
  ];
  const results = new Map<string, { nginx: unknown; ngts: unknown }>();

  beforeAll(async () => {
    for (const [name, path] of cases) {
      results.set(name, { nginx: await connectionsFor('nginx', path, 5), ngts: await connectionsFor('ngts', path, 5) });
    }
  }, 60_000);

  afterAll(() => results.clear());

  for (const [name] of cases) {
    it(name, () => {
      const r = results.get(name)!;
      expect(r.ngts).toEqual(r.nginx);
      console.info(`${name}: nginx ${JSON.stringify(r.nginx)}, ngts ${JSON.stringify(r.ngts)}`);
    });
  }
});
