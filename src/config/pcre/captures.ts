/**
 * Where PCRE2 and JavaScript disagree about captures, even though both accept the syntax:
 *
 * - A back reference to a group that has not matched fails in PCRE2 (nginx: `(a)?b\1` does not match
 *   "b") but matches the empty string in JavaScript.
 * - Inside a repeated group, JavaScript forgets the captures of the previous iteration; PCRE2 keeps
 *   them. `(?:(a)|b)+` on "ab" gives $1 = "a" in nginx and nothing in JavaScript.
 *
 * - A repeated group that can match the empty string: JavaScript refuses an empty iteration, PCRE2
 *   performs one and then stops, so the captures of the last iteration differ.
 *
 * They only matter when a group may be skipped or be empty, so they are reported only then.
 */
import type { Node } from './ast.js';

/** A capture behaviour JavaScript would get wrong: what, and the offset to report. */
export interface CaptureMismatch {
  readonly what: string;
  readonly offset: number;
}

/** The first capture construct of `root` whose JavaScript result would differ from PCRE2's, if any. */
export function findCaptureMismatch(root: Node): CaptureMismatch | null {
  return checkRepeats(root) ?? checkBackrefs(root, []);
}

/** Whether matching `n` always sets capture group `index` (for every way `n` can match). */
function alwaysSets(n: Node, index: number): boolean {
  switch (n.t) {
    case 'seq':
      return n.items.some((i) => alwaysSets(i, index));
    case 'alt':
      return n.branches.every((b) => alwaysSets(b, index));
    case 'repeat':
      return n.min >= 1 && alwaysSets(n.body, index);
    case 'group':
      if (n.kind === 'negLookahead' || n.kind === 'negLookbehind') return false;
      if (n.kind === 'capture' && n.index === index) return true;
      return alwaysSets(n.body, index);
    default:
      return false;
  }
}

/** Whether `n` can match the empty string. */
function canBeEmpty(n: Node): boolean {
  switch (n.t) {
    case 'char':
    case 'set':
    case 'newlineSeq':
    case 'fail':
      return false;
    case 'seq':
      return n.items.every(canBeEmpty);
    case 'alt':
      return n.branches.some(canBeEmpty);
    case 'repeat':
      return n.min === 0 || canBeEmpty(n.body);
    case 'group':
      return n.kind === 'capture' || n.kind === 'noncapture' ? canBeEmpty(n.body) : true;
    default:
      return true;
  }
}

/** Capture group numbers inside `n` (lookarounds included: their captures survive in both). */
function capturesIn(n: Node, out: number[] = []): number[] {
  switch (n.t) {
    case 'seq':
      n.items.forEach((i) => capturesIn(i, out));
      break;
    case 'alt':
      n.branches.forEach((b) => capturesIn(b, out));
      break;
    case 'repeat':
      capturesIn(n.body, out);
      break;
    case 'group':
      if (n.kind === 'capture' && n.index !== undefined) out.push(n.index);
      capturesIn(n.body, out);
      break;
    default:
      break;
  }
  return out;
}

/** A repeat that can iterate more than once with a group that some iteration may skip. */
function checkRepeats(n: Node): CaptureMismatch | null {
  switch (n.t) {
    case 'seq':
      for (const i of n.items) {
        const r = checkRepeats(i);
        if (r) return r;
      }
      return null;
    case 'alt':
      for (const b of n.branches) {
        const r = checkRepeats(b);
        if (r) return r;
      }
      return null;
    case 'group':
      return checkRepeats(n.body);
    case 'repeat': {
      if (n.max > 1) {
        const inside = capturesIn(n.body);
        if (inside.length > 0 && canBeEmpty(n.body)) {
          return {
            what: `a repeated group that can match the empty string around capture group ${inside[0]} (PCRE2 and JavaScript end such loops differently)`,
            offset: groupOffset(n.body, inside[0] as number),
          };
        }
        for (const index of inside) {
          if (!alwaysSets(n.body, index)) {
            return {
              what: `capture group ${index}, which an iteration of a repeated group may skip (JavaScript forgets its earlier value)`,
              offset: groupOffset(n.body, index),
            };
          }
        }
      }
      return checkRepeats(n.body);
    }
    default:
      return null;
  }
}

function groupOffset(n: Node, index: number): number {
  switch (n.t) {
    case 'seq':
      for (const i of n.items) {
        const o = groupOffset(i, index);
        if (o >= 0) return o;
      }
      return -1;
    case 'alt':
      for (const b of n.branches) {
        const o = groupOffset(b, index);
        if (o >= 0) return o;
      }
      return -1;
    case 'repeat':
      return groupOffset(n.body, index);
    case 'group':
      if (n.kind === 'capture' && n.index === index) return n.offset;
      return groupOffset(n.body, index);
    default:
      return -1;
  }
}

/**
 * Back references whose group is not certain to have matched: looking up the path from the reference,
 * some earlier item of an enclosing sequence must always set the group.
 */
function checkBackrefs(n: Node, path: readonly { node: Node; child: number }[]): CaptureMismatch | null {
  switch (n.t) {
    case 'backref': {
      const index = n.index ?? 0;
      for (let k = path.length - 1; k >= 0; k--) {
        const { node, child } = path[k] as { node: Node; child: number };
        if (node.t === 'group' && node.kind === 'capture' && node.index === index) break; // inside itself
        if (node.t === 'seq' && node.items.slice(0, child).some((i) => alwaysSets(i, index))) return null;
      }
      return { what: `a back reference to group ${index}, which may not have matched (JavaScript would match it as empty)`, offset: n.offset };
    }
    case 'seq':
      for (let k = 0; k < n.items.length; k++) {
        const r = checkBackrefs(n.items[k] as Node, [...path, { node: n, child: k }]);
        if (r) return r;
      }
      return null;
    case 'alt':
      for (let k = 0; k < n.branches.length; k++) {
        const r = checkBackrefs(n.branches[k] as Node, [...path, { node: n, child: k }]);
        if (r) return r;
      }
      return null;
    case 'repeat':
    case 'group':
      return checkBackrefs(n.body, [...path, { node: n, child: 0 }]);
    default:
      return null;
  }
}
