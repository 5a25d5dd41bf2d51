#!/usr/bin/env node
// The ngts command. It runs the compiled JavaScript in dist/ (built by `npm install` via `prepare`):
// the CommonJS bundle of scripts/bundle.mjs when it is there and not older than the compiled
// modules, else the ES modules of dist/cli themselves. This file is CommonJS (bin/package.json) so
// that a command such as `ngts -t` never starts Node's ES module loader.
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
    },
    (err) => {
      process.stderr.write(`ngts: internal error: ${err && err.stack ? err.stack : err}\n`);
      process.exitCode = 2;
    },
  );
}

const bundle = join(__dirname, '../dist/bundle/main.cjs');
const modules = join(__dirname, '../dist/cli/main.js');
if (mtime(bundle) >= mtime(modules)) run(require(bundle).main);
else import('../dist/cli/main.js').then((m) => run(m.main));
