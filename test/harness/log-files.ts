/** Log files a server wrote into its run directory, and a fixture's cases run to compare them. */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { FixtureRun, type Fixture } from './fixtures.js';

/** A log file as lines (latin1; none when it is missing). */
export function logLines(dir: string, name: string): string[] {
  const path = join(dir, name);
  return existsSync(path) ? readFileSync(path, 'latin1').split('\n').filter((l) => l.length > 0) : [];
}

/**
 * Sends every case of `fixture` in order to nginx, then to ngts, and gives the lines each wrote to
 * the log file `name` once stopped (stopping flushes the logs; a tunnel is logged when it closes).
 */
export async function fixtureLogLines(fixture: Fixture, name: string): Promise<Record<'nginx' | 'ngts', string[]>> {
  const got: Record<'nginx' | 'ngts', string[]> = { nginx: [], ngts: [] };
  for (const kind of ['nginx', 'ngts'] as const) {
    const run = await FixtureRun.start(kind, fixture);
    try {
      for (const c of fixture.cases) await run.run(c);
      await run.server.stop();
      got[kind] = logLines(run.dir, name);
    } finally {
      await run.stop();
    }
  }
  return got;
}
