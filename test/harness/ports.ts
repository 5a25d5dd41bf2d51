/** Ports on 127.0.0.1: a free one, and waiting until a server accepts connections on one. */
import net from 'node:net';

/** A port that was free on 127.0.0.1 a moment ago (the kernel's choice for port 0). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const addr = s.address();
      const port = typeof addr === 'object' && addr !== null ? addr.port : 0;
      s.close(() => resolve(port));
    });
  });
}

/** True when a TCP connection to 127.0.0.1:`port` is accepted. */
export async function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const c = net.connect(port, '127.0.0.1');
    c.on('connect', () => {
      c.destroy();
      resolve(true);
    });
    c.on('error', () => resolve(false));
  });
}

export interface WaitOptions {
  readonly timeoutMs?: number;
  readonly intervalMs?: number;
  /** Why waiting is pointless (the server exited), or null to keep waiting. */
  readonly gaveUp?: () => string | null;
}

/** Resolves once 127.0.0.1:`port` accepts a connection; rejects on timeout or when `gaveUp` says so. */
export async function waitForPort(port: number, options: WaitOptions = {}): Promise<void> {
  const { timeoutMs = 10_000, intervalMs = 25, gaveUp } = options;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const reason = gaveUp?.() ?? null;
    if (reason !== null) throw new Error(`gave up waiting for 127.0.0.1:${port}: ${reason}`);
    if (await accepts(port)) return;
    if (Date.now() > deadline) throw new Error(`nothing listened on 127.0.0.1:${port} within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}
