// The least a whole-process `ngts -t` can cost on this stack: start Node, load the bundle as
// bin/ngts.js loads it (with its code caches), read every file of a configuration and parse each
// one with the moo lexer and the nearley grammar; then exit. No include resolution, no check, no
// compile. bench/parse-check.mjs runs it beside `ngts -t` and `nginx -t`: when this alone takes as
// long as nginx -t, no tuning of the check or the compile can bring ngts -t level with nginx -t.
// Usage: node bench/parse-floor.cjs FILE...
'use strict';
const { readFileSync, readdirSync } = require('node:fs');
const { join } = require('node:path');

const dir = join(__dirname, '../dist/bundle');
const loader = require('../bin/load-bundle.js').bundleLoader(dir, false);
// main.cjs first, as bin/ngts.js does (it loads the parser's chunk with it); then that chunk,
// found by what it exports since chunk names carry a hash.
loader.require('main.cjs');
const chunk = readdirSync(dir).find((f) => f.endsWith('.cjs') && readFileSync(join(dir, f), 'latin1').includes('exports, "parseConfig"'));
if (chunk === undefined) throw new Error('parse-floor: no chunk of dist/bundle exports parseConfig (npm run build)');
const { parseConfig } = loader.require(chunk);
let statements = 0;
for (const path of process.argv.slice(2)) {
  const file = parseConfig(readFileSync(path).toString('latin1'), path);
  if (file.error !== null) throw new Error(`parse-floor: ${path}: ${file.error.message}`);
  statements += file.statements.length;
}
if (statements === 0) throw new Error('parse-floor: nothing parsed');
process.exit(0);
