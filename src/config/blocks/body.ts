/**
 * What the readers of freeform blocks (map, geo, split_clients, charset_map) share: their lines are
 * not directives but key/value words that the block's own handler reads (nginx's cf->handler), and
 * errors name the line they are on.
 */
import type { Directive, Statement } from '../ast.js';

/** Reports one of nginx's messages at a line of the block (emerg unless told). */
export type BodyReport = (message: string, at: Directive, level?: 'emerg' | 'warn') => void;

/**
 * The lines of a block in order, each a directive node (name = first word). `include` lines are
 * expanded by `expand` when given (the caller knows the files), else skipped.
 */
export function* bodyLines(
  body: readonly Statement[],
  expand?: (include: Directive) => readonly Statement[] | undefined,
): Generator<Directive> {
  for (const s of body) {
    if (s.kind !== 'directive') continue;
    if (s.name === 'include' && s.args.length === 1 && s.block === null) {
      const inner = expand?.(s);
      if (inner !== undefined) yield* bodyLines(inner, expand);
      continue;
    }
    yield s;
  }
}

/** A line's words: the name followed by the arguments, as nginx's cf->args. */
export function words(line: Directive): string[] {
  return [line.name, ...line.args.map((a) => a.value)];
}
