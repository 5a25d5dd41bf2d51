/** Load under which a server is reloaded: autocannon on `/`, keeping each distinct body answered. */
import autocannon from 'autocannon';

/** What the reload tests read of autocannon's result. */
export interface LoadResult {
  readonly errors: number;
  readonly timeouts: number;
  readonly non2xx: number;
  readonly requests: { readonly total: number };
}

export function loadKeepingBodies(port: number, seconds: number): { run: PromiseLike<LoadResult>; bodies: Set<string> } {
  const bodies = new Set<string>();
  const run = autocannon({
    url: `http://127.0.0.1:${port}/`,
    connections: 10,
    duration: seconds,
    setupClient: (client: { on: (e: string, f: (body: unknown) => void) => void }) => {
      client.on('body', (b) => bodies.add(String(b)));
    },
  });
  return { run, bodies };
}
