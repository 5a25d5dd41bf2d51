// Bundles the compiled command line (dist/cli/main.js and what it imports from dist/) into
// dist/bundle/ as CommonJS, for bin/ngts.js. Node's ES module loader spends most of a short
// command's start-up finding, reading, compiling and linking a hundred module files one by one
// (`ngts -v` about 150 ms of CPU against 50 ms for `node -e ''`), and `ngts -t` is measured against
// `nginx -t` as a whole process (bench/parse-check.mjs). Packages from node_modules stay outside
// (require()): pino starts worker threads from its own files, nearley and moo are CommonJS already.
// The modules only `run`, `check`, `route` and `status` need stay in chunks loaded when those
// commands run. bin/ngts.js falls back to dist/cli/main.js when the bundle is missing or older
// than it, so a plain `tsc` never runs stale code.
//
// rolldown is a devDependency (vite, the test tooling, uses it too); without it the build goes
// on without a bundle.
import { cpSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const out = join(root, 'dist/bundle');
rmSync(out, { recursive: true, force: true });

let rolldown;
try {
  ({ rolldown } = await import('rolldown'));
} catch {
  console.log('bundle: rolldown is not installed; bin/ngts.js will load dist/cli/main.js');
  process.exit(0);
}
const bundle = await rolldown({
  input: { main: join(root, 'dist/cli/main.js') },
  platform: 'node',
  external: (id) => !id.startsWith('.') && !id.startsWith('/'),
  logLevel: 'warn',
});
// dist/bundle/ is as deep as dist/cli/, so main.ts's `new URL('../../package.json', import.meta.url)`
// (made from __filename in CommonJS) still finds package.json.
// No comments and only ASCII (other characters as \u escapes): V8 keeps a script's source for as
// long as its functions live, and one character past ASCII makes it keep the whole text with two
// bytes a character. With JSDoc comments and their typographic dashes, that was 1.5 MB of `ngts run`'s
// heap (issue 5's peak RSS), and their hashing and scanning were time in every `ngts -t`.
await bundle.write({ dir: out, format: 'cjs', entryFileNames: '[name].cjs', chunkFileNames: '[name]-[hash].cjs', comments: false, charset: 'ascii' });
await bundle.close();

// V8 code caches for the bundle (bin/load-bundle.js): the bundle is loaded as bin/ngts.js loads
// it, checks every configuration of fixtures/check (copied to a temporary directory: -t may create
// files such as logs), and then each file loaded gets the bytecode of every function those runs
// compiled. The cache is an optimisation only: V8 rejects it (and ngts compiles as usual) under
// another Node.js or other V8 flags.
const fixtures = join(root, 'fixtures/check');
if (existsSync(fixtures)) {
  const require = createRequire(import.meta.url);
  const { bundleLoader } = require('../bin/load-bundle.js');
  const loader = bundleLoader(out, true);
  const { main } = loader.require('main.cjs');
  const train = mkdtempSync(join(tmpdir(), 'ngts-code-cache-'));
  cpSync(fixtures, train, { recursive: true });
  const write = process.stderr.write;
  process.stderr.write = () => true;
  try {
    for (const name of readdirSync(train).sort()) {
      const dir = join(train, name);
      if (existsSync(join(dir, 'nginx.conf'))) await main(['-t', '-p', dir + '/', '-c', 'nginx.conf']);
    }
  } finally {
    process.stderr.write = write;
    process.exitCode = 0;
    rmSync(train, { recursive: true, force: true });
  }
  console.log(`bundle: code caches for ${loader.writeCaches()} files`);
}
