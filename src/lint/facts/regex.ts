/**
 * Facts about nginx regular expressions, read from the PCRE2 syntax tree (src/config/pcre) rather
 * than from the pattern text: whether a pattern is anchored at the start and at the end, how many
 * groups it captures ($1…$n), whether it is a plain literal, and witness strings — subjects the
 * pattern really matches, generated from the tree and confirmed with the compiled pattern — so that a
 * rule can ask the real location lookup where such a URI goes.
 */
import type { ByteSet, Node } from '../../config/pcre/ast.js';
import { parsePcre } from '../../config/pcre/parse.js';
import { compilePcre } from '../../config/regex.js';

export interface RegexFacts {
  readonly pattern: string;
  readonly caseless: boolean;
  /** The tree, or null when PCRE2 rejects the pattern. */
  readonly node: Node | null;
  /** Number of capturing groups (PCRE2_INFO_CAPTURECOUNT), named ones included; 0 when invalid. */
  readonly captures: number;
  /** Names of the named groups. */
  readonly names: readonly string[];
  /** The pattern as ngts runs it; null when nginx rejects it or JavaScript cannot run it exactly. */
  readonly re: RegExp | null;
  /** Every way of matching starts with `^` (or \A, or ^ under (?m)). */
  readonly anchoredStart: boolean;
  /** Every way of matching ends with `$` (or \z, \Z, $ under (?m)). */
  readonly anchoredEnd: boolean;
  /**
   * Top-level alternatives without any `^` or `$` (`^/a|/b` has one: `/b`; `\.php(?:$|/)` has none:
   * its `$` shows the end was thought of); the whole pattern when it is not an alternation.
   */
  readonly unanchoredBranches: readonly Node[];
  /**
   * When the pattern matches exactly one fixed text (case-sensitively, no classes, no repeats,
   * no assertions other than the anchors): that text, and the anchors around it.
   */
  readonly literal: { readonly text: string; readonly start: boolean; readonly end: boolean } | null;
}

const cache = new Map<string, RegexFacts>();

/** The facts of `pattern` compiled as nginx compiles it (`caseless` for `~*` and friends). */
export function regexFacts(pattern: string, caseless: boolean): RegexFacts {
  const key = `${caseless ? 'i' : '-'}${pattern}`;
  const hit = cache.get(key);
  if (hit) return hit;
  const parsed = parsePcre(toBytes(pattern), caseless);
  const compiled = compilePcre(pattern, caseless);
  let facts: RegexFacts;
  if (!parsed.ok) {
    facts = {
      pattern, caseless, node: null, captures: 0, names: [], re: null,
      anchoredStart: false, anchoredEnd: false, unanchoredBranches: [], literal: null,
    };
  } else {
    const node = parsed.node;
    const branches = topBranches(node);
    facts = {
      pattern,
      caseless,
      node,
      captures: parsed.captures,
      names: parsed.groupNames.filter((n): n is string => n !== undefined),
      re: compiled.ok ? compiled.re : null,
      anchoredStart: startsAnchored(node),
      anchoredEnd: endsAnchored(node),
      unanchoredBranches: branches.filter((b) => !hasAnchor(b)),
      literal: literalOf(node),
    };
  }
  cache.set(key, facts);
  return facts;
}

function toBytes(pattern: string): string {
  // eslint-disable-next-line no-control-regex
  return /[^\u0000-\u00ff]/.test(pattern) ? Buffer.from(pattern, 'utf8').toString('latin1') : pattern;
}

/** The alternatives of the pattern's top level, looking through a group that wraps everything. */
function topBranches(n: Node): Node[] {
  if (n.t === 'alt') return n.branches.flatMap(topBranches);
  if (n.t === 'group' && (n.kind === 'capture' || n.kind === 'noncapture')) return topBranches(n.body);
  if (n.t === 'seq') {
    const items = n.items.filter((i) => i.t !== 'empty');
    if (items.length === 1) return topBranches(items[0]!);
  }
  return [n];
}

function isStartAssert(n: Node): boolean {
  return n.t === 'assert' && (n.kind === 'start' || n.kind === 'lineStart');
}

function isEndAssert(n: Node): boolean {
  return n.t === 'assert' && (n.kind === 'end' || n.kind === 'endOrNewline' || n.kind === 'lineEnd');
}

/** Zero-width items that may come before `^` without changing where the match starts. */
function zeroWidth(n: Node): boolean {
  if (n.t === 'empty') return true;
  if (n.t === 'assert') return true;
  if (n.t === 'group') return n.kind !== 'capture' && n.kind !== 'noncapture' ? true : zeroWidth(n.body);
  if (n.t === 'seq') return n.items.every(zeroWidth);
  return false;
}

/** Whether `n` has a start or end anchor anywhere outside lookarounds. */
export function hasAnchor(n: Node): boolean {
  switch (n.t) {
    case 'assert':
      return isStartAssert(n) || isEndAssert(n);
    case 'alt':
      return n.branches.some(hasAnchor);
    case 'seq':
      return n.items.some(hasAnchor);
    case 'group':
      return (n.kind === 'capture' || n.kind === 'noncapture') && hasAnchor(n.body);
    case 'repeat':
      return hasAnchor(n.body);
    default:
      return false;
  }
}

/** Whether every match of `n` begins at a start anchor. */
export function startsAnchored(n: Node): boolean {
  switch (n.t) {
    case 'assert':
      return isStartAssert(n);
    case 'alt':
      return n.branches.length > 0 && n.branches.every(startsAnchored);
    case 'group':
      return (n.kind === 'capture' || n.kind === 'noncapture') && startsAnchored(n.body);
    case 'repeat':
      return n.min >= 1 && startsAnchored(n.body);
    case 'seq':
      for (const item of n.items) {
        if (startsAnchored(item)) return true;
        if (!zeroWidth(item)) return false;
      }
      return false;
    default:
      return false;
  }
}

/** Whether every match of `n` ends at an end anchor. */
export function endsAnchored(n: Node): boolean {
  switch (n.t) {
    case 'assert':
      return isEndAssert(n);
    case 'alt':
      return n.branches.length > 0 && n.branches.every(endsAnchored);
    case 'group':
      return (n.kind === 'capture' || n.kind === 'noncapture') && endsAnchored(n.body);
    case 'repeat':
      return n.min >= 1 && endsAnchored(n.body);
    case 'seq':
      for (let i = n.items.length - 1; i >= 0; i--) {
        const item = n.items[i]!;
        if (endsAnchored(item)) return true;
        if (!zeroWidth(item)) return false;
      }
      return false;
    default:
      return false;
  }
}

/** The fixed text a pattern matches, if it is one: `^/health$` → "/health", anchored both ends. */
function literalOf(root: Node): { text: string; start: boolean; end: boolean } | null {
  const items: Node[] = [];
  const flatten = (n: Node): boolean => {
    switch (n.t) {
      case 'empty':
        return true;
      case 'seq':
        return n.items.every(flatten);
      case 'group':
        if (n.kind !== 'capture' && n.kind !== 'noncapture') return false;
        return flatten(n.body);
      case 'alt':
        return n.branches.length === 1 && flatten(n.branches[0]!);
      default:
        items.push(n);
        return true;
    }
  };
  if (!flatten(root)) return null;
  let start = false;
  let end = false;
  let text = '';
  items.forEach((n, i) => {
    if (n.t === 'assert' && n.kind === 'start' && i === 0) start = true;
    else if (n.t === 'assert' && (n.kind === 'end' || n.kind === 'endOrNewline') && i === items.length - 1) end = true;
    else if (n.t === 'char' && !n.caseless) text += String.fromCharCode(n.c);
    else if (n.t === 'set' && single(n.bytes) !== null) text += String.fromCharCode(single(n.bytes)!);
    else text = '\0invalid';
  });
  if (text.includes('\0invalid')) return null;
  return { text, start, end };
}

function single(bytes: ByteSet): number | null {
  let found: number | null = null;
  for (let c = 0; c < 256; c++) {
    if (!bytes[c]) continue;
    if (found !== null) return null;
    found = c;
  }
  return found;
}

// ---------------------------------------------------------------------------------------------
// Witness strings

/** Bytes tried first when a class offers a choice: ordinary URI characters of several kinds. */
const PREFERRED = 'xaz0A9Z_-.~/%';
const MAX_STRINGS = 96;
const MAX_REPEAT_MIN = 64;

/** Up to `n` members of a byte set, varied: preferred URI characters first, then any. */
function pick(bytes: ByteSet, n: number): string[] {
  const out: string[] = [];
  for (const ch of PREFERRED) {
    if (out.length >= n) return out;
    if (bytes[ch.charCodeAt(0)]) out.push(ch);
  }
  for (let c = 0x21; c < 0x7f && out.length < n; c++) if (bytes[c] && !out.includes(String.fromCharCode(c))) out.push(String.fromCharCode(c));
  for (let c = 1; c < 256 && out.length < n; c++) if (bytes[c] && !out.includes(String.fromCharCode(c))) out.push(String.fromCharCode(c));
  return out;
}

/** Every a+b, in an order that varies both sides early (diagonals), at most MAX_STRINGS. */
function combine(a: readonly string[], b: readonly string[]): string[] {
  const out: string[] = [];
  const seen = new Set<string>();
  const total = a.length + b.length - 1;
  for (let d = 0; d < total && out.length < MAX_STRINGS; d++) {
    for (let i = Math.max(0, d - b.length + 1); i <= Math.min(d, a.length - 1) && out.length < MAX_STRINGS; i++) {
      const s = a[i]! + b[d - i]!;
      if (!seen.has(s)) {
        seen.add(s);
        out.push(s);
      }
    }
  }
  return out;
}

/** Round-robin union of lists, at most MAX_STRINGS. */
function interleave(lists: readonly (readonly string[])[]): string[] {
  const out: string[] = [];
  const seen = new Set<string>();
  const longest = Math.max(0, ...lists.map((l) => l.length));
  for (let i = 0; i < longest && out.length < MAX_STRINGS; i++) {
    for (const l of lists) {
      const s = l[i];
      if (s !== undefined && !seen.has(s) && out.length < MAX_STRINGS) {
        seen.add(s);
        out.push(s);
      }
    }
  }
  return out;
}

/** Candidate texts for a node; null when the generator cannot reason about it (back references). */
function gen(n: Node, hints: readonly string[] = []): string[] | null {
  switch (n.t) {
    case 'empty':
    case 'assert':
      return [''];
    case 'char':
      return n.caseless ? [String.fromCharCode(n.c), String.fromCharCode(n.c ^ 0x20)] : [String.fromCharCode(n.c)];
    case 'set':
      return pick(n.bytes, 4);
    case 'newlineSeq':
      return ['\n'];
    case 'fail':
      return [];
    case 'backref':
      return null;
    case 'group':
      return n.kind === 'capture' || n.kind === 'noncapture' ? gen(n.body, hints) : [''];
    case 'alt': {
      const lists: string[][] = [];
      for (const b of n.branches) {
        const l = gen(b, hints);
        if (l === null) return null;
        lists.push(l);
      }
      return interleave(lists);
    }
    case 'seq': {
      let acc: string[] = [''];
      for (const item of n.items) {
        const l = gen(item, hints);
        if (l === null) return null;
        acc = combine(acc, l);
        if (acc.length === 0) return [];
      }
      return acc;
    }
    case 'repeat': {
      if (n.min > MAX_REPEAT_MIN) return null;
      const body = gen(n.body, hints);
      if (body === null) return null;
      const lists: string[][] = [];
      // A run of one class (`[^/]+`, `.*`, `\w+`): the hint words it can spell, which generated
      // texts would otherwise miss (`^/(?!api)` before `^/[^/]+\.html$` leaves /api.html).
      const set = n.body.t === 'set' ? n.body.bytes : null;
      if (set !== null && hints.length > 0) {
        const spelt = hints.filter((w) => w.length >= n.min && w.length <= n.max && [...w].every((ch) => set[ch.charCodeAt(0)] === 1));
        if (spelt.length > 0) lists.push(spelt.slice(0, 16));
      }
      for (let k = n.min; k <= Math.min(n.max, n.min + 2); k++) {
        let acc: string[] = [''];
        for (let i = 0; i < k; i++) acc = combine(acc, body);
        lists.push(acc);
      }
      return interleave(lists);
    }
  }
}

/**
 * Texts generated from the tree that the pattern may match (unconfirmed); null when unknown.
 * `hints` are words to try in runs of one class (words other patterns look for).
 */
export function regexTexts(facts: RegexFacts, hints: readonly string[] = []): string[] | null {
  return facts.node === null ? null : gen(facts.node, hints);
}

/**
 * Texts the pattern's lookarounds look for (`^/(?!api)` → "api"): a subject built with one of them
 * may escape the pattern. Unconfirmed.
 */
export function regexLookaroundTexts(facts: RegexFacts, perGroup = 8): string[] {
  if (facts.node === null) return [];
  const out = new Set<string>();
  const walk = (n: Node): void => {
    switch (n.t) {
      case 'group':
        if (n.kind !== 'capture' && n.kind !== 'noncapture') for (const t of (gen(n.body) ?? []).slice(0, perGroup)) out.add(t);
        walk(n.body);
        return;
      case 'seq':
        n.items.forEach(walk);
        return;
      case 'alt':
        n.branches.forEach(walk);
        return;
      case 'repeat':
        walk(n.body);
        return;
      default:
        return;
    }
  };
  walk(facts.node);
  return [...out];
}

/** The first text gen makes for a node (the "ordinary" choice everywhere), or null. */
function first(n: Node): string | null {
  const l = gen(n);
  return l === null ? null : (l[0] ?? null);
}

/**
 * Texts where exactly one character class of the pattern takes each of its members in turn and
 * everything else its ordinary choice: a subject that differs from the others in one byte, which
 * is often what slips past an earlier pattern (`^/[^q]` before `^/\w+$` leaves /q).
 */
function variants(n: Node, out: string[], limit: number): string[] | null {
  const rec = (m: Node): string[] | null => {
    switch (m.t) {
      case 'set': {
        const all: string[] = [];
        for (let c = 1; c < 256; c++) if (m.bytes[c]) all.push(String.fromCharCode(c));
        return all;
      }
      case 'char':
        return m.caseless ? [String.fromCharCode(m.c), String.fromCharCode(m.c ^ 0x20)] : [String.fromCharCode(m.c)];
      case 'group':
        return m.kind === 'capture' || m.kind === 'noncapture' ? rec(m.body) : [''];
      case 'alt': {
        const acc: string[] = [];
        for (const b of m.branches) {
          const v = rec(b);
          if (v === null) return null;
          acc.push(...v);
        }
        return acc;
      }
      case 'repeat': {
        if (m.min > MAX_REPEAT_MIN) return null;
        const v = rec(m.body);
        const base = first(m.body);
        if (v === null || base === null) return null;
        const times = Math.max(m.min, 1);
        if (times > m.max) return [''];
        return v.map((x) => x + base.repeat(times - 1));
      }
      case 'seq': {
        const bases: string[] = [];
        for (const item of m.items) {
          const b = first(item);
          if (b === null) return null;
          bases.push(b);
        }
        const acc: string[] = [];
        m.items.forEach((item, i) => {
          const v = rec(item);
          if (v === null) return;
          const before = bases.slice(0, i).join('');
          const after = bases.slice(i + 1).join('');
          for (const x of v) if (acc.length < limit) acc.push(before + x + after);
        });
        return acc;
      }
      case 'backref':
        return null;
      case 'fail':
        return [];
      default:
        return [''];
    }
  };
  const r = rec(n);
  if (r === null) return null;
  out.push(...r.slice(0, limit));
  return out;
}

/**
 * Like iterRegexWitnesses, with the one-class-at-a-time texts (every member of every class)
 * instead of the varied ones.
 */
export function* iterRegexVariantWitnesses(facts: RegexFacts, opts: WitnessOptions = {}): Generator<string> {
  const re = facts.re;
  if (re === null || facts.node === null) return;
  const texts = variants(facts.node, [], 4000);
  if (texts === null) return;
  const prefixes = opts.prefixes ?? [''];
  const suffixes = opts.suffixes ?? [''];
  const max = opts.max ?? 2000;
  let n = 0;
  const seen = new Set<string>();
  for (const t of texts) {
    for (const p of prefixes) {
      for (const q of suffixes) {
        const s = p + t + q;
        if (seen.has(s)) continue;
        seen.add(s);
        if (opts.accept && !opts.accept(s)) continue;
        re.lastIndex = 0;
        if (!re.test(s)) continue;
        yield s;
        if (++n >= max) return;
      }
    }
  }
}

/** Whether `uri` is a URI nginx can look up: starts with `/`, normalized (merge_slashes), no NUL. */
export function isNormalizedUri(uri: string): boolean {
  if (!uri.startsWith('/') || uri.includes('\0') || uri.includes('//')) return false;
  if (/\/\.\.?(\/|$)/.test(uri)) return false;
  return true;
}

export interface WitnessOptions {
  readonly prefixes?: readonly string[];
  readonly suffixes?: readonly string[];
  /** Drop subjects that fail this before running the pattern (for URIs: isNormalizedUri). */
  readonly accept?: (s: string) => boolean;
  /** At most this many subjects (default 200). */
  readonly max?: number;
  /** Words to spell in runs of one class (see regexTexts). */
  readonly hints?: readonly string[];
}

/**
 * Subjects the pattern matches, lazily: prefix + generated text + suffix for the given prefixes and
 * suffixes, confirmed with the compiled pattern. Nothing when the pattern cannot be run or generated.
 */
export function* iterRegexWitnesses(facts: RegexFacts, opts: WitnessOptions = {}): Generator<string> {
  const re = facts.re;
  const texts = regexTexts(facts, opts.hints);
  if (re === null || texts === null) return;
  const prefixes = opts.prefixes ?? [''];
  const suffixes = opts.suffixes ?? [''];
  const max = opts.max ?? 200;
  let n = 0;
  const seen = new Set<string>();
  for (const t of texts) {
    for (const p of prefixes) {
      for (const q of suffixes) {
        const s = p + t + q;
        if (seen.has(s)) continue;
        seen.add(s);
        if (opts.accept && !opts.accept(s)) continue;
        re.lastIndex = 0;
        if (!re.test(s)) continue;
        yield s;
        if (++n >= max) return;
      }
    }
  }
}

/** iterRegexWitnesses, collected. */
export function regexWitnesses(facts: RegexFacts, opts: WitnessOptions = {}): string[] {
  return [...iterRegexWitnesses(facts, opts)];
}

/** Whether a URI is readable in a message as it is (printable ASCII). */
export function printable(s: string): boolean {
  return /^[\x21-\x7e]*$/.test(s);
}
