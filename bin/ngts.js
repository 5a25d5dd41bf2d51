#!/usr/bin/env node
// The ngts command. It runs the compiled JavaScript in dist/ (built by `npm install` via `prepare`).
import { main } from '../dist/cli/main.js';

main(process.argv.slice(2)).then(
  (code) => {
    if (typeof code === 'number') process.exitCode = code;
  },
  (err) => {
    process.stderr.write(`ngts: internal error: ${err && err.stack ? err.stack : err}\n`);
    process.exitCode = 2;
  },
);
