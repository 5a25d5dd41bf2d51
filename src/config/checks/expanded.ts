/**
 * The statements of a block as nginx sees them: `include` directives replaced by the statements of
 * the files they read, recursively.
 */
import type { Directive, Statement } from '../ast.js';
import type { ConfigFile } from '../ast.js';

/**
 * The directives of `statements`, with includes expanded in place. An array, not a generator:
 * the post-parse checks call this for every block, and the recursive `yield*` was a tenth of
 * their time (bench/parse-check.mjs).
 */
export function directivesOf(
  statements: readonly Statement[],
  includes: ReadonlyMap<Directive, readonly ConfigFile[]>,
): Directive[] {
  const out: Directive[] = [];
  collect(statements, includes, out);
  return out;
}

function collect(statements: readonly Statement[], includes: ReadonlyMap<Directive, readonly ConfigFile[]>, out: Directive[]): void {
  for (const s of statements) {
    if (s.kind !== 'directive') continue;
    if (s.name === 'include') {
      for (const f of includes.get(s) ?? []) collect(f.statements, includes, out);
      continue;
    }
    out.push(s);
  }
}
