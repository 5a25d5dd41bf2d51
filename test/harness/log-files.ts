/** A log file a server wrote into its run directory, as lines (latin1; none when it is missing). */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export function logLines(dir: string, name: string): string[] {
  const path = join(dir, name);
  return existsSync(path) ? readFileSync(path, 'latin1').split('\n').filter((l) => l.length > 0) : [];
}
