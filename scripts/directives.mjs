// Prints the directive registry as Markdown: `--summary` gives the per-module counts the README
// keeps; without it, the full table. The README test checks that the README's summary is current.
import { modules } from '../dist/config/registry/index.js';

const CONTEXT = { MAIN: 'main', EVENT: 'events', HTTP_MAIN: 'http', HTTP_SRV: 'server', HTTP_LOC: 'location', HTTP_UPS: 'upstream', HTTP_SIF: 'if(server)', HTTP_LIF: 'if(location)', HTTP_LMT: 'limit_except' };

/** The summary table: one row per module with counts of executed and accepted-only directives. */
export function summary() {
  const rows = ["| module | directives | in ngts's runtime scope | accepted without effect |", '|---|---|---|---|'];
  for (const m of modules) {
    const run = m.directives.filter((d) => d.effect === 'runtime').map((d) => d.name);
    const none = m.directives.filter((d) => d.effect === 'none').map((d) => d.name);
    rows.push(`| ${m.name} | ${m.directives.length} | ${run.length} | ${none.length} |`);
  }
  return rows.join('\n');
}

function full() {
  const rows = ['| directive | module | contexts | arguments | ngts |', '|---|---|---|---|---|'];
  for (const m of modules) {
    for (const d of m.directives) {
      const arity = Array.isArray(d.args) ? d.args.join('|') : d.args;
      rows.push(`| \`${d.name}\` | ${m.name} | ${d.contexts.map((c) => CONTEXT[c]).join(', ')} | ${arity}${d.block ? ' {…}' : ''} | ${d.effect === 'runtime' ? 'executed' : 'accepted without effect'} |`);
    }
  }
  return rows.join('\n');
}

if (import.meta.url === `file://${process.argv[1]}`) {
  console.log(process.argv.includes('--summary') ? summary() : full());
}
