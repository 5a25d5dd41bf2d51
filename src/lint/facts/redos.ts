/**
 * Facts about the byte sets of a PCRE2 syntax tree (src/config/pcre/ast.ts) that the security rules
 * share, and the catastrophic-backtracking (ReDoS) analysis of regex-redos.
 *
 * Byte-set helpers: which bytes a node can consume (`consumedBytes`), which can start a non-empty
 * match (`firstBytes`), whether it can match the empty string (`nullable`) or fail (`canFail`), and a
 * printer that writes a sub-tree back as a pattern for messages (`renderNode`).
 *
 * What `findRedos` detects (nginx runs PCRE2 without JIT and with the default match limit, so a
 * pattern that backtracks exponentially burns CPU until pcre2_match() gives up with -47 and the
 * request fails with 500):
 *  - nested: an unbounded repeat R whose body holds another unbounded repeat X, where a byte X can
 *    start with can also come right after X inside R (the rest of R's body, or R's next iteration):
 *    a run of such bytes splits between X and R in exponentially many ways (`(a+)+`, `(.*)*`,
 *    `(\w+\d*)+`, `([a-z]+-?)+`), while `(\d+\.)+` or `([^/]+/)*` are safe;
 *  - alternation: an unbounded repeat over an alternation two of whose branches can start with the
 *    same byte (`(\w|\d)+`, `(a|aa)+`, `(a|ab)*`): every iteration may try both;
 *  - adjacent: two unbounded single-byte repeats next to each other (only optional items between)
 *    over overlapping byte sets (`\d+\d+$`): quadratic rather than exponential. Not reported when
 *    the second is `.*`/`.+` followed only by `$`, which fails only at an embedded newline.
 * Each needs something after it that can fail (an anchor, a literal): without one the first
 * attempt succeeds and nothing backtracks.
 */
import type { ByteSet, Node } from '../../config/pcre/ast.js';
import { ANY_BYTE, DIGIT, NOT_NEWLINE, SPACE, WORD, complement, emptySet } from '../../config/pcre/bytes.js';

// ---------------------------------------------------------------------------------------------
// Byte sets

function charSet(n: { readonly c: number; readonly caseless: boolean }): ByteSet {
  const s = emptySet();
  s[n.c] = 1;
  if (n.caseless) {
    const c = n.c;
    if (c >= 0x41 && c <= 0x5a) s[c + 0x20] = 1;
    else if (c >= 0x61 && c <= 0x7a) s[c - 0x20] = 1;
  }
  return s;
}

export function union(a: ByteSet, b: ByteSet): ByteSet {
  const s = emptySet();
  for (let c = 0; c < 256; c++) if (a[c] || b[c]) s[c] = 1;
  return s;
}

export function intersects(a: ByteSet, b: ByteSet): boolean {
  for (let c = 0; c < 256; c++) if (a[c] && b[c]) return true;
  return false;
}

export function intersection(a: ByteSet, b: ByteSet): ByteSet {
  const s = emptySet();
  for (let c = 0; c < 256; c++) if (a[c] && b[c]) s[c] = 1;
  return s;
}

export function isEmptySet(s: ByteSet): boolean {
  for (let c = 0; c < 256; c++) if (s[c]) return false;
  return true;
}

function sameSet(a: ByteSet, b: ByteSet): boolean {
  for (let c = 0; c < 256; c++) if (!a[c] !== !b[c]) return false;
  return true;
}

/** The capturing groups of a tree by number, and by name. */
export function groupsOf(root: Node): { readonly byIndex: Map<number, Node & { t: 'group' }>; readonly byName: Map<string, Node & { t: 'group' }> } {
  const byIndex = new Map<number, Node & { t: 'group' }>();
  const byName = new Map<string, Node & { t: 'group' }>();
  const walk = (n: Node): void => {
    switch (n.t) {
      case 'group':
        if (n.kind === 'capture' && n.index !== undefined) {
          if (!byIndex.has(n.index)) byIndex.set(n.index, n);
          if (n.name !== undefined && !byName.has(n.name)) byName.set(n.name, n);
        }
        walk(n.body);
        break;
      case 'seq':
        n.items.forEach(walk);
        break;
      case 'alt':
        n.branches.forEach(walk);
        break;
      case 'repeat':
        walk(n.body);
        break;
      default:
        break;
    }
  };
  walk(root);
  return { byIndex, byName };
}

/**
 * Every byte that a match of `n` can contain (lookarounds consume nothing). A back reference
 * contributes the bytes of the group it names (`root` is searched for it), or every byte.
 */
export function consumedBytes(n: Node, root?: Node): ByteSet {
  const groups = root ? groupsOf(root) : null;
  const seen = new Set<Node>();
  const walk = (x: Node): ByteSet => {
    switch (x.t) {
      case 'char':
        return charSet(x);
      case 'set':
        return x.bytes;
      case 'newlineSeq': {
        const s = emptySet();
        for (const c of x.anyCrlf ? [0x0a, 0x0d] : [0x0a, 0x0b, 0x0c, 0x0d, 0x85]) s[c] = 1;
        return s;
      }
      case 'seq':
        return x.items.reduce((acc, i) => union(acc, walk(i)), emptySet());
      case 'alt':
        return x.branches.reduce((acc, b) => union(acc, walk(b)), emptySet());
      case 'group':
        return x.kind === 'capture' || x.kind === 'noncapture' ? walk(x.body) : emptySet();
      case 'repeat':
        return x.max === 0 ? emptySet() : walk(x.body);
      case 'backref': {
        const g = x.index !== null ? groups?.byIndex.get(x.index) : x.name !== null ? groups?.byName.get(x.name) : undefined;
        if (!g || seen.has(g)) return g ? emptySet() : ANY_BYTE;
        seen.add(g);
        return walk(g.body);
      }
      default:
        return emptySet();
    }
  };
  return walk(n);
}

/** Whether `n` can match the empty string. */
export function nullable(n: Node): boolean {
  switch (n.t) {
    case 'empty':
    case 'assert':
      return true;
    case 'char':
    case 'set':
    case 'newlineSeq':
    case 'fail':
      return false;
    case 'backref':
      return true;
    case 'seq':
      return n.items.every(nullable);
    case 'alt':
      return n.branches.some(nullable);
    case 'group':
      return n.kind === 'capture' || n.kind === 'noncapture' ? nullable(n.body) : true;
    case 'repeat':
      return n.min === 0 || nullable(n.body);
  }
}

/** The bytes a non-empty match of `n` can start with. */
export function firstBytes(n: Node): ByteSet {
  switch (n.t) {
    case 'char':
      return charSet(n);
    case 'set':
      return n.bytes;
    case 'newlineSeq':
      return consumedBytes(n);
    case 'seq': {
      let acc = emptySet();
      for (const i of n.items) {
        acc = union(acc, firstBytes(i));
        if (!nullable(i)) break;
      }
      return acc;
    }
    case 'alt':
      return n.branches.reduce((acc, b) => union(acc, firstBytes(b)), emptySet());
    case 'group':
      return n.kind === 'capture' || n.kind === 'noncapture' ? firstBytes(n.body) : emptySet();
    case 'repeat':
      return n.max === 0 ? emptySet() : firstBytes(n.body);
    case 'backref':
      return ANY_BYTE;
    default:
      return emptySet();
  }
}

/** Whether matching `n` can fail at some position (false for what always matches, such as `x*`). */
export function canFail(n: Node): boolean {
  switch (n.t) {
    case 'empty':
      return false;
    case 'char':
    case 'set':
    case 'newlineSeq':
    case 'fail':
    case 'assert':
    case 'backref':
      return true;
    case 'seq':
      return n.items.some(canFail);
    case 'alt':
      return n.branches.every(canFail);
    case 'group':
      return n.kind === 'capture' || n.kind === 'noncapture' ? canFail(n.body) : true;
    case 'repeat':
      return n.min > 0 && canFail(n.body);
  }
}

/**
 * Whether the text a group can capture is one of a few fixed strings the configuration wrote
 * (`(api|www)`, `(v1|v2)?`): no class of several bytes, no repeat beyond `?`.
 */
export function fixedChoices(n: Node): boolean {
  switch (n.t) {
    case 'empty':
    case 'assert':
    case 'char':
    case 'fail':
      return true;
    case 'set': {
      let count = 0;
      for (let c = 0; c < 256; c++) if (n.bytes[c]) count++;
      return count <= 2;
    }
    case 'seq':
      return n.items.every(fixedChoices);
    case 'alt':
      return n.branches.every(fixedChoices);
    case 'group':
      return n.kind === 'capture' || n.kind === 'noncapture' ? fixedChoices(n.body) : true;
    case 'repeat':
      return n.max <= 1 && fixedChoices(n.body);
    default:
      return false;
  }
}

// ---------------------------------------------------------------------------------------------
// Printing a sub-tree back as a pattern (for messages)

const META = new Set([...'\\^$.|?*+()[]{}/']);

function byteText(c: number, inClass: boolean): string {
  const ch = String.fromCharCode(c);
  if (c === 0x0a) return '\\n';
  if (c === 0x0d) return '\\r';
  if (c === 0x09) return '\\t';
  if (c < 0x20 || c > 0x7e) return `\\x${c.toString(16).padStart(2, '0')}`;
  if (inClass) return ch === ']' || ch === '\\' || ch === '^' || ch === '-' ? `\\${ch}` : ch;
  return META.has(ch) && ch !== '/' ? `\\${ch}` : ch;
}

const NAMED_SETS: readonly [ByteSet, string][] = [
  [DIGIT, '\\d'],
  [WORD, '\\w'],
  [SPACE, '\\s'],
  [complement(DIGIT), '\\D'],
  [complement(WORD), '\\W'],
  [complement(SPACE), '\\S'],
  [NOT_NEWLINE, '.'],
  [ANY_BYTE, '[\\s\\S]'],
];

function classBody(s: ByteSet): string {
  let out = '';
  for (let c = 0; c < 256; c++) {
    if (!s[c]) continue;
    let e = c;
    while (e + 1 < 256 && s[e + 1]) e++;
    if (e - c >= 2) out += `${byteText(c, true)}-${byteText(e, true)}`;
    else for (let k = c; k <= e; k++) out += byteText(k, true);
    c = e;
  }
  return out;
}

function renderSet(s: ByteSet): string {
  for (const [set, name] of NAMED_SETS) if (sameSet(s, set)) return name;
  let count = 0;
  for (let c = 0; c < 256; c++) if (s[c]) count++;
  if (count === 1) {
    for (let c = 0; c < 256; c++) if (s[c]) return byteText(c, false);
  }
  if (count > 128) return `[^${classBody(complement(s))}]`;
  return `[${classBody(s)}]`;
}

/** A sub-tree written back as PCRE syntax: `(a+)+`, `[^/]+`, `(?:www\.)?`. */
export function renderNode(n: Node): string {
  switch (n.t) {
    case 'empty':
      return '';
    case 'char': {
      const t = byteText(n.c, false);
      if (!n.caseless || !/[A-Za-z]/.test(t)) return t;
      return `[${t.toUpperCase()}${t.toLowerCase()}]`;
    }
    case 'set':
      return renderSet(n.bytes);
    case 'assert':
      switch (n.kind) {
        case 'start':
        case 'lineStart':
          return '^';
        case 'end':
          return '\\z';
        case 'endOrNewline':
        case 'lineEnd':
          return '$';
        case 'wordBoundary':
          return '\\b';
        case 'notWordBoundary':
          return '\\B';
        case 'wordStart':
          return '[[:<:]]';
        case 'wordEnd':
          return '[[:>:]]';
      }
      return '';
    case 'newlineSeq':
      return '\\R';
    case 'seq':
      return n.items.map(renderNode).join('');
    case 'alt':
      return n.branches.map(renderNode).join('|');
    case 'group': {
      const open =
        n.kind === 'capture' ? (n.name !== undefined ? `(?<${n.name}>` : '(') : n.kind === 'noncapture' ? '(?:' : n.kind === 'lookahead' ? '(?=' : n.kind === 'negLookahead' ? '(?!' : n.kind === 'lookbehind' ? '(?<=' : '(?<!';
      return `${open}${renderNode(n.body)})`;
    }
    case 'repeat': {
      let body = renderNode(n.body);
      if (!isAtom(n.body)) body = `(?:${body})`;
      let q: string;
      if (n.min === 0 && n.max === Infinity) q = '*';
      else if (n.min === 1 && n.max === Infinity) q = '+';
      else if (n.min === 0 && n.max === 1) q = '?';
      else if (n.max === Infinity) q = `{${n.min},}`;
      else if (n.min === n.max) q = `{${n.min}}`;
      else q = `{${n.min},${n.max}}`;
      return body + q + (n.lazy ? '?' : '');
    }
    case 'backref':
      return n.index !== null ? `\\${n.index}` : `\\k<${n.name ?? ''}>`;
    case 'fail':
      return '(*FAIL)';
  }
}

function isAtom(n: Node): boolean {
  if (n.t === 'char' || n.t === 'set' || n.t === 'group' || n.t === 'backref' || n.t === 'newlineSeq') return true;
  if (n.t === 'seq') return n.items.filter((i) => i.t !== 'empty').length === 1 && isAtom(n.items.find((i) => i.t !== 'empty')!);
  return false;
}

// ---------------------------------------------------------------------------------------------
// Catastrophic backtracking

export interface RedosFinding {
  readonly kind: 'nested' | 'alternation' | 'adjacent';
  /** The sub-pattern to name in the message (`(a+)+`, `(a|ab)*`, `\d+\d+`). */
  readonly sub: string;
  /** What overlaps, in words. */
  readonly detail: string;
  /** The same text can be matched in exponentially many ways (not only retried). */
  readonly exponential: boolean;
}

type Repeat = Node & { t: 'repeat' };

function unbounded(n: Node): n is Repeat {
  return n.t === 'repeat' && n.max === Infinity;
}

/** The first byte of a set, printed: the example of an overlap. */
function sampleByte(s: ByteSet): string {
  const prefer = 'a0_-./';
  for (const ch of prefer) if (s[ch.charCodeAt(0)]) return ch;
  for (let c = 0x21; c < 0x7f; c++) if (s[c]) return String.fromCharCode(c);
  for (let c = 0; c < 256; c++) if (s[c]) return byteText(c, false);
  return '';
}

/**
 * Inside the body of the unbounded repeat `r`: every unbounded repeat X with the bytes that can
 * come right after X while still inside r (the rest of r's body, then r's next iteration).
 */
function innerRepeats(r: Repeat): { x: Repeat; follow: ByteSet }[] {
  const out: { x: Repeat; follow: ByteSet }[] = [];
  const again = firstBytes(r.body);
  const visit = (n: Node, follow: ByteSet): void => {
    switch (n.t) {
      case 'seq':
        n.items.forEach((item, i) => {
          let f = emptySet();
          let restNullable = true;
          for (const next of n.items.slice(i + 1)) {
            f = union(f, firstBytes(next));
            if (!nullable(next)) {
              restNullable = false;
              break;
            }
          }
          visit(item, restNullable ? union(f, follow) : f);
        });
        break;
      case 'alt':
        n.branches.forEach((b) => visit(b, follow));
        break;
      case 'group':
        if (n.kind === 'capture' || n.kind === 'noncapture') visit(n.body, follow);
        break;
      case 'repeat':
        if (unbounded(n)) out.push({ x: n, follow });
        visit(n.body, n.max > 1 ? union(follow, firstBytes(n.body)) : follow);
        break;
      default:
        break;
    }
  };
  visit(r.body, again);
  return out;
}

/** The alternation a repeat iterates over, looking through groups. */
function iteratedAlt(n: Node): (Node & { t: 'alt' }) | null {
  if (n.t === 'alt') return n;
  if (n.t === 'group' && (n.kind === 'capture' || n.kind === 'noncapture')) return iteratedAlt(n.body);
  if (n.t === 'seq') {
    const items = n.items.filter((i) => i.t !== 'empty');
    return items.length === 1 ? iteratedAlt(items[0]!) : null;
  }
  return null;
}

/** A repeat whose body is one byte class or character: `\d+`, `[^/]*`, `a+`. */
function simpleRepeat(item: Node): Repeat | null {
  // A group around the repeat does not change what it takes: `([a-z]+)`.
  let n = item;
  while (n.t === 'group' && (n.kind === 'capture' || n.kind === 'noncapture')) {
    const inner: Node = n.body;
    if (inner.t === 'seq') {
      const items = inner.items.filter((i) => i.t !== 'empty');
      if (items.length !== 1) return null;
      n = items[0]!;
    } else n = inner;
  }
  if (!unbounded(n)) return null;
  let body = n.body;
  while (body.t === 'group' && (body.kind === 'capture' || body.kind === 'noncapture')) body = body.body;
  if (body.t === 'seq') {
    const items = body.items.filter((i) => i.t !== 'empty');
    if (items.length !== 1) return null;
    body = items[0]!;
  }
  return body.t === 'set' || body.t === 'char' ? n : null;
}

function onlyEndAnchors(rest: readonly Node[]): boolean {
  return rest.length > 0 && rest.every((n) => (n.t === 'assert' && (n.kind === 'end' || n.kind === 'endOrNewline')) || n.t === 'empty');
}

/**
 * The catastrophic-backtracking constructs of a pattern (see the module comment), outermost
 * first, at most one per repeat.
 */
export function findRedos(root: Node): RedosFinding[] {
  const out: RedosFinding[] = [];
  const reported = new Set<Node>();
  // `after`: what follows the node up to the end of the pattern, for "can something fail after it".
  const visit = (n: Node, after: readonly Node[]): void => {
    switch (n.t) {
      case 'seq':
        n.items.forEach((item, i) => visit(item, [...n.items.slice(i + 1), ...after]));
        checkAdjacent(n.items, after);
        break;
      case 'alt':
        n.branches.forEach((b) => visit(b, after));
        break;
      case 'group':
        // Lookarounds are matched on their own: what follows them outside does not make them fail.
        if (n.kind === 'capture' || n.kind === 'noncapture') visit(n.body, after);
        else visit(n.body, []);
        break;
      case 'repeat':
        if (unbounded(n) && after.some(canFail)) checkRepeat(n);
        visit(n.body, [n, ...after]);
        break;
      default:
        break;
    }
  };
  const checkRepeat = (r: Repeat): void => {
    if (reported.has(r)) return;
    for (const { x, follow } of innerRepeats(r)) {
      const overlap = intersection(firstBytes(x.body), follow);
      if (isEmptySet(overlap)) continue;
      reported.add(r);
      markInner(r, reported);
      out.push({
        kind: 'nested',
        exponential: true,
        sub: renderNode(r),
        detail: `${renderNode(x)} is repeated again by the outer quantifier, and a run of "${sampleByte(overlap)}" can be split between them in exponentially many ways`,
      });
      return;
    }
    const alt = iteratedAlt(r.body);
    if (alt) {
      for (let i = 0; i < alt.branches.length; i++) {
        for (let j = i + 1; j < alt.branches.length; j++) {
          const a = alt.branches[i]!;
          const b = alt.branches[j]!;
          const overlap = intersection(firstBytes(a), firstBytes(b));
          if (isEmptySet(overlap)) continue;
          reported.add(r);
          const same = singleByte(a) && singleByte(b);
          out.push({
            kind: 'alternation',
            exponential: same,
            sub: renderNode(r),
            detail: same
              ? `the branches ${renderNode(a)} and ${renderNode(b)} both match "${sampleByte(overlap)}", so a run of it can be split between them in exponentially many ways`
              : `the branches ${renderNode(a)} and ${renderNode(b)} can both start with "${sampleByte(overlap)}", so every iteration may try both before the match fails`,
          });
          return;
        }
      }
    }
  };
  const checkAdjacent = (items: readonly Node[], after: readonly Node[]): void => {
    for (let i = 0; i < items.length; i++) {
      const x = simpleRepeat(items[i]!);
      if (!x || reported.has(x)) continue;
      for (let j = i + 1; j < items.length; j++) {
        const between = items.slice(i + 1, j);
        if (!between.every(nullable)) break;
        const y = simpleRepeat(items[j]!);
        if (!y) continue;
        const rest = [...items.slice(j + 1), ...after];
        if (!rest.some(canFail)) continue;
        const overlap = intersection(firstBytes(x.body), firstBytes(y.body));
        if (isEmptySet(overlap)) continue;
        // `.*$`: the end anchor fails only at an embedded newline.
        const yBytes = firstBytes(y.body);
        if (onlyEndAnchors(rest) && isEmptySet(intersection(NOT_NEWLINE, complement(yBytes)))) continue;
        reported.add(x);
        reported.add(y);
        out.push({
          kind: 'adjacent',
          exponential: false,
          sub: items.slice(i, j + 1).map(renderNode).join(''),
          detail: `${renderNode(x)} and ${renderNode(y)} both take "${sampleByte(overlap)}", so a failing match retries every split of the run between them (quadratic)`,
        });
        return;
      }
    }
  };
  visit(root, []);
  return out;
}

function singleByte(n: Node): boolean {
  let x = n;
  while (x.t === 'group' && (x.kind === 'capture' || x.kind === 'noncapture')) x = x.body;
  if (x.t === 'seq') {
    const items = x.items.filter((i) => i.t !== 'empty');
    if (items.length !== 1) return false;
    x = items[0]!;
  }
  return x.t === 'char' || x.t === 'set';
}

/** Marks the repeats nested in a reported one, so that `((a+)+)+` is reported once. */
function markInner(n: Node, reported: Set<Node>): void {
  const walk = (x: Node): void => {
    if (x.t === 'repeat') {
      reported.add(x);
      walk(x.body);
    } else if (x.t === 'seq') x.items.forEach(walk);
    else if (x.t === 'alt') x.branches.forEach(walk);
    else if (x.t === 'group') walk(x.body);
  };
  walk(n);
}
