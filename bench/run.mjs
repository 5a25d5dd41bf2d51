// Runs every benchmark in bench/ in turn (`npm run bench`); each prints its own table.
import { spawnSync } from 'node:child_process';

for (const file of ['location-lookup.mjs', 'policy.mjs', 'parse-check.mjs', 'http.mjs']) {
  console.log(`\n## bench/${file}\n`);
  const r = spawnSync(process.execPath, [`bench/${file}`], { stdio: 'inherit' });
  if (r.status !== 0) process.exitCode = 1;
}
