/**
 * The statements of a block as nginx sees them: `include` directives replaced by the statements of
 * the files they read, recursively.
 */
import type { Directive, Statement } from '../ast.js';
import type { ConfigFile } from '../ast.js';

/** The directives of `statements`, with includes expanded in place. */
export function* directivesOf(
  statements: readonly Statement[],
  includes: ReadonlyMap<Directive, readonly ConfigFile[]>,
): Generator<Directive> {
  for (const s of statements) {
    if (s.kind !== 'directive') continue;
    if (s.name === 'include') {
      for (const f of includes.get(s) ?? []) yield* directivesOf(f.statements, includes);
      continue;
    }
    yield s;
  }
}
