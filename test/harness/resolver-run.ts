/**
 * One server (nginx or ngts) on a generated configuration with what a `resolver` test needs beside
 * it: a backend answering `ok`, and a name server (dns-server.ts). Everything is stopped and the
 * run directory removed once `body` is done, whatever it did.
 */
import http from 'node:http';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startDnsServer, type DnsServer } from './dns-server.js';
import { freePort } from './ports.js';
import { startServer } from './server.js';

export interface ResolverRun {
  /** The port the configuration listens on. */
  readonly port: number;
  /** The run directory (the prefix). */
  readonly dir: string;
  readonly dns: DnsServer;
  /** Stops the server (its logs are then complete); later calls do nothing. */
  stopServer(): Promise<void>;
}

/** `conf` makes the nginx.conf from the run directory, the port, the name server's address and the backend's port. */
export async function withResolverRun<T>(
  kind: 'nginx' | 'ngts',
  conf: (dir: string, port: number, dns: string, backendPort: number) => string,
  body: (run: ResolverRun) => Promise<T>,
): Promise<T> {
  const backend = http.createServer((_req, res) => res.end('ok\n'));
  await new Promise<void>((r) => backend.listen(0, '127.0.0.1', r));
  const backendPort = (backend.address() as { port: number }).port;
  const dns = await startDnsServer();
  const dir = mkdtempSync(join(tmpdir(), `ngts-resolver-run-${kind}-`));
  let stop: (() => Promise<void>) | null = null;
  const stopServer = async (): Promise<void> => {
    const s = stop;
    stop = null;
    await s?.();
  };
  try {
    const port = await freePort();
    writeFileSync(join(dir, 'nginx.conf'), conf(dir, port, dns.address, backendPort));
    const server = await startServer(kind, dir, { ports: [port] });
    stop = () => server.stop();
    return await body({ port, dir, dns, stopServer });
  } finally {
    await stopServer();
    await dns.close();
    backend.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
