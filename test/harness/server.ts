/**
 * Starts nginx or ngts exactly as an operator would (`-p DIR/ -c DIR/nginx.conf`, the config saying
 * `daemon off; master_process off;`), waits until its ports accept connections, and stops it by pid:
 * SIGTERM, then SIGKILL when it does not exit in time.
 */
import { spawn } from 'node:child_process';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { waitForPort } from './ports.js';

/** The repository root. */
export const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

/** Which program serves: the oracle or ours. */
export type ServerKind = 'nginx' | 'ngts';

export interface RunningServer {
  readonly kind: ServerKind;
  readonly pid: number;
  /** Stops the process (SIGTERM, SIGKILL after a timeout); resolves once it has exited. */
  stop(): Promise<void>;
  /** What the process wrote to stderr so far (the last 64 KiB). */
  stderr(): string;
  /** What the process wrote to stdout so far (the last 64 KiB). */
  stdout(): string;
  /** `exited with code N` / `killed by SIGX` once the process is gone, else null. */
  exitStatus(): string | null;
}

export interface StartOptions {
  /** Ports that must accept a connection before the server counts as ready. */
  readonly ports: readonly number[];
  /** The config file; `DIR/nginx.conf` by default. */
  readonly conf?: string;
  readonly startTimeoutMs?: number;
  readonly stopTimeoutMs?: number;
}

const KEEP = 64 * 1024;
const alive = new Set<number>();
let exitHookInstalled = false;

/** The command line of each kind; both take nginx's arguments. */
function command(kind: ServerKind, prefix: string, conf: string): [string, string[]] {
  const args = ['-p', prefix, '-c', conf];
  return kind === 'nginx' ? ['nginx', args] : [process.execPath, [join(REPO, 'bin/ngts.js'), ...args]];
}

/**
 * Starts `kind` with prefix `dir` and waits for `options.ports`. On failure the process is killed and
 * the error says how it ended and what it wrote to stderr.
 */
export async function startServer(kind: ServerKind, dir: string, options: StartOptions): Promise<RunningServer> {
  const prefix = dir.endsWith('/') ? dir : `${dir}/`;
  const conf = options.conf ?? join(prefix, 'nginx.conf');
  const [file, args] = command(kind, prefix, conf);
  const child = spawn(file, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let err = '';
  let out = '';
  let status: string | null = null;
  let spawnError: string | null = null;
  child.stderr.on('data', (d: Buffer) => (err = (err + d.toString('latin1')).slice(-KEEP)));
  child.stdout.on('data', (d: Buffer) => (out = (out + d.toString('latin1')).slice(-KEEP)));
  const exited = new Promise<void>((res) => {
    child.once('exit', (code, signal) => {
      status = signal !== null ? `killed by ${signal}` : `exited with code ${code}`;
      if (child.pid !== undefined) alive.delete(child.pid);
      res();
    });
  });
  child.once('error', (e) => {
    spawnError = e.message;
    status ??= `could not be started: ${e.message}`;
  });
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    // A crashed test run must not leave servers behind: kill what is still ours.
    process.once('exit', () => {
      for (const pid of alive) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          /* already gone */
        }
      }
    });
  }
  if (child.pid !== undefined) alive.add(child.pid);

  const server: RunningServer = {
    kind,
    pid: child.pid ?? -1,
    stderr: () => err,
    stdout: () => out,
    exitStatus: () => status,
    async stop() {
      if (status !== null || child.pid === undefined) return;
      const timeout = options.stopTimeoutMs ?? 3000;
      process.kill(child.pid, 'SIGTERM');
      const done = await Promise.race([exited.then(() => true), delay(timeout).then(() => false)]);
      if (!done && status === null) {
        process.kill(child.pid, 'SIGKILL');
        await exited;
      }
    },
  };

  try {
    for (const port of options.ports) {
      await waitForPort(port, {
        timeoutMs: options.startTimeoutMs ?? 10_000,
        gaveUp: () => spawnError ?? status,
      });
    }
  } catch (e) {
    await server.stop();
    const tail = err.trim().split('\n').slice(-15).join('\n');
    throw new Error(
      `${kind} (${[file, ...args].join(' ')}) did not start: ${(e as Error).message}` +
        (tail === '' ? ' (nothing on stderr)' : `\nstderr:\n${tail}`),
    );
  }
  return server;
}

function delay(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
