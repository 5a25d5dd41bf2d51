#!/usr/bin/env node
// The ngts command. It runs the compiled JavaScript in dist/ (built by `npm install` via `prepare`):
// the CommonJS bundle of scripts/bundle.mjs when it is there and not older than the compiled
// modules (loaded with its V8 code caches by load-bundle.js), else the ES modules of dist/cli
// themselves. This file is CommonJS (bin/package.json) so that a command such as `ngts -t` never
// starts Node's ES module loader.
'use strict';
const { statSync } = require('node:fs');
const { join } = require('node:path');

function mtime(path) {
  try {
    return statSync(path).mtimeMs;
  } catch {
    return -1;
  }
}

function run(main) {
  main(process.argv.slice(2)).then(
    (code) => {
      if (typeof code === 'number') process.exitCode = code;
      // The command is done (a server exits by itself, with process.exit): leave now, as nginx -t
      // does, rather than let Node tear the heap of a large configuration down first — but only
      // when nothing is left to be written to stdout or stderr.
      if (process.stdout.writableLength === 0 && process.stderr.writableLength === 0) process.exit();
    },
    (err) => {
      process.stderr.write(`ngts: internal error: ${err && err.stack ? err.stack : err}\n`);
      process.exitCode = 2;
    },
  );
}

const bundle = join(__dirname, '../dist/bundle');
const modules = join(__dirname, '../dist/cli/main.js');
if (mtime(join(bundle, 'main.cjs')) >= mtime(modules)) run(require('./load-bundle.js').bundleLoader(bundle, false).require('main.cjs').main);
else import('../dist/cli/main.js').then((m) => run(m.main));
