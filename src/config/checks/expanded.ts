/**
 * The statements of a block as nginx sees them: `include` directives replaced by the statements of
 * the files they read, recursively.
 */
import type { Directive, Statement } from '../ast.js';
import type { ConfigFile } from '../ast.js';

type Includes = ReadonlyMap<Directive, readonly ConfigFile[]>;

/**
 * The directives of `statements`, with includes expanded in place. An array, not a generator:
 * the post-parse checks call this for every block, and the recursive `yield*` was a tenth of
 * their time (bench/parse-check.mjs). Not cached: a WeakMap from block to list made the checks of
 * bench/parse-check.mjs slower (proxy_ssl's 13 -> 50 ms), the expansion itself is cheap.
 */
export function directivesOf(statements: readonly Statement[], includes: Includes): readonly Directive[] {
  // Most blocks hold directives only, without include: the block itself is the list (no copy made
  // for each of the 10,000 locations of bench/parse-check.mjs, for each of the checks).
  let plain = true;
  for (let i = 0; i < statements.length; i++) {
    const s = statements[i]!;
    if (s.kind !== 'directive' || s.name === 'include') {
      plain = false;
      break;
    }
  }
  if (plain) return statements as readonly Directive[];
  const out: Directive[] = [];
  collect(statements, includes, out);
  return out;
}

function collect(statements: readonly Statement[], includes: Includes, out: Directive[]): void {
  // Indexed, not for-of: this runs cold in ngts -t, where V8's interpreter makes an object for each
  // step of a for-of loop.
  for (let i = 0; i < statements.length; i++) {
    const s = statements[i]!;
    if (s.kind !== 'directive') continue;
    if (s.name === 'include') {
      for (const f of includes.get(s) ?? []) collect(f.statements, includes, out);
      continue;
    }
    out.push(s);
  }
}
