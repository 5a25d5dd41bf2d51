/**
 * The error log of client TLS handshakes that fail, against nginx (ngx_http_ssl_handshake,
 * ngx_ssl_handshake, ngx_ssl_connection_error): the same broken clients go to an `ssl` listener of
 * nginx and of ngts, and the lines they leave must be the same — OpenSSL's error as nginx writes it
 * (`error:0A0000C1:SSL routines::no shared cipher`, not Node's message with its thread id,
 * function and source file), the level nginx gives it (info for the failures it blames on the
 * peer, crit for the rest), the connection's `*N`, a peer that closes mid-handshake, a client that
 * closes before its first byte, and client_header_timeout before and during the handshake.
 * Masked: the date, `pid#tid` and the port; `*N` is renumbered by first appearance, and only the
 * lines from the first client's on count (the harness's readiness probes are connections too, as
 * many as the server needed).
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import tls from 'node:tls';
import { describe, expect, it } from 'vitest';
import { nginxConf } from '../harness/conf.js';
import { requireNginx } from '../harness/nginx.js';
import { freePort } from '../harness/ports.js';
import { startServer, type RunningServer } from '../harness/server.js';
import { tlsCertificates } from '../harness/tls-certs.js';

const live = requireNginx('the TLS handshake log comparison');

const wait = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Runs one client until it is closed, or for `ms` at the most. */
function client(make: () => net.Socket, ms = 700): Promise<void> {
  return new Promise((resolve) => {
    const s = make();
    s.on('error', () => undefined);
    s.on('close', () => resolve());
    setTimeout(() => {
      s.destroy();
      resolve();
    }, ms);
  });
}

/** Raw bytes on a new connection, then nothing. */
function raw(port: number, hex: string, ms?: number): Promise<void> {
  return client(() => {
    const s = net.connect(port, '127.0.0.1', () => s.write(Buffer.from(hex, 'hex')));
    return s;
  }, ms);
}

const CLIENTS: readonly ((port: number) => Promise<void>)[] = [
  // A handshake record of a length no ClientHello has: excessive message size (info).
  (port) => raw(port, '16030100050102030405'),
  // RSA suites only, against an EC certificate: no shared cipher (info).
  (port) => client(() => tls.connect({ port, host: '127.0.0.1', rejectUnauthorized: false, maxVersion: 'TLSv1.2', ciphers: 'AES128-SHA' })),
  // TLS 1.0 only: no suitable signature algorithm (info).
  (port) => client(() => tls.connect({ port, host: '127.0.0.1', rejectUnauthorized: false, minVersion: 'TLSv1', maxVersion: 'TLSv1', ciphers: 'DEFAULT:@SECLEVEL=0' })),
  // An SSLv2-looking record too short to be one: length too short (crit).
  (port) => raw(port, '8003010203040506'),
  // A record begun, then the connection closed: peer closed connection in SSL handshake.
  (port) =>
    client(() => {
      const s = net.connect(port, '127.0.0.1', () => {
        s.write(Buffer.from('160301', 'hex'));
        setTimeout(() => s.destroy(), 100);
      });
      return s;
    }),
  // Closed before a byte: client closed connection.
  (port) =>
    client(() => {
      const s = net.connect(port, '127.0.0.1', () => s.end());
      return s;
    }),
  // Nothing sent, then a record begun: client_header_timeout (1s) before and during the handshake.
  (port) => client(() => net.connect(port, '127.0.0.1'), 1600),
  (port) => raw(port, '160301', 1600),
];

async function handshakeLines(kind: 'nginx' | 'ngts'): Promise<string[]> {
  const certs = tlsCertificates();
  const dir = mkdtempSync(join(tmpdir(), `ngts-ssl-log-${kind}-`));
  let server: RunningServer | null = null;
  try {
    const port = await freePort();
    writeFileSync(
      join(dir, 'nginx.conf'),
      nginxConf(
        dir,
        [
          'client_header_timeout 1s;',
          'server {',
          `    listen 127.0.0.1:${port} ssl;`,
          `    ssl_certificate ${certs}/server.crt;`,
          `    ssl_certificate_key ${certs}/server.key;`,
          '    return 200 "ok\\n";',
          '}',
        ],
        { errorLogLevel: 'info' },
      ),
    );
    server = await startServer(kind, dir, { ports: [port] });
    for (const c of CLIENTS) {
      await c(port);
      await wait(100);
    }
    await server.stop();
    server = null;
    const numbers = new Map<string, number>();
    const lines = readFileSync(join(dir, 'error.log'), 'latin1')
      .split('\n')
      .filter((l) => / \*\d+ /.test(l));
    // The readiness probes' lines come first, however late they were written: ours start with
    // the first client's.
    const first = lines.findIndex((l) => l.includes('excessive message size'));
    return lines
      .slice(first < 0 ? lines.length : first)
      .map((l) =>
        l
          .replace(/^\S+ \S+ /, '')
          .replace(/^(\[\w+\]) \d+#\d+: /, '$1 ')
          .replace(`127.0.0.1:${port}`, '127.0.0.1:{{port}}')
          .replace(/\*(\d+) /, (_m, n: string) => `*${numbers.get(n) ?? numbers.set(n, numbers.size + 1).get(n)} `),
      );
  } finally {
    await server?.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

describe.skipIf(!live)('client TLS handshake failures are logged as nginx logs them', () => {
  it('the same lines, levels and connection numbers', { timeout: 30_000 }, async () => {
    const nginx = await handshakeLines('nginx');
    const ngts = await handshakeLines('ngts');
    // Each client left a line in nginx's log (the test exercises what it says).
    expect(nginx.length).toBe(CLIENTS.length);
    expect(nginx.some((l) => l.startsWith('[crit] '))).toBe(true);
    expect(ngts).toEqual(nginx);
  });
});
