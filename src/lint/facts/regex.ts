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
  const prefixes = facts.anchoredStart ? [''] : (opts.prefixes ?? ['']);
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
  // Nothing can come before a match anchored at the start.
  const prefixes = facts.anchoredStart ? [''] : (opts.prefixes ?? ['']);
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

// ---------------------------------------------------------------------------------------------
// Exact search: a subject that matches some patterns and none of others

/**
 * A Thompson NFA over bytes for the patterns an automaton can decide exactly: characters, classes,
 * groups, alternation, bounded or unbounded repeats, and the `^`, `$`, `\z` anchors. Lookarounds,
 * back references, word boundaries and (?m) anchors make a pattern unsupported.
 */
interface NfaState {
  readonly eps: number[];
  /** Zero-width edges: `start` only at offset 0; `end` / `endOrNewline` constrain what follows. */
  readonly asserts: { readonly kind: 'start' | 'end' | 'endOrNewline'; readonly to: number }[];
  readonly edges: { readonly bytes: ByteSet; readonly to: number }[];
}

interface Nfa {
  readonly states: NfaState[];
  readonly start: number;
  readonly final: number;
}

class Unsupported extends Error {}

const MAX_NFA_STATES = 2000;

function singleByte(c: number, caseless: boolean): ByteSet {
  const s = new Uint8Array(256);
  s[c] = 1;
  if (caseless) s[c ^ 0x20] = 1;
  return s;
}

function buildNfa(root: Node): Nfa | null {
  const states: NfaState[] = [];
  const add = (): number => {
    if (states.length >= MAX_NFA_STATES) throw new Unsupported();
    states.push({ eps: [], asserts: [], edges: [] });
    return states.length - 1;
  };
  // Returns [in, out] of a fragment.
  const frag = (n: Node): [number, number] => {
    switch (n.t) {
      case 'empty': {
        const s = add();
        return [s, s];
      }
      case 'char': {
        const a = add();
        const b = add();
        states[a]!.edges.push({ bytes: singleByte(n.c, n.caseless), to: b });
        return [a, b];
      }
      case 'set': {
        const a = add();
        const b = add();
        states[a]!.edges.push({ bytes: n.bytes, to: b });
        return [a, b];
      }
      case 'newlineSeq': {
        const a = add();
        const b = add();
        const mid = add();
        const single = new Uint8Array(256);
        for (const c of n.anyCrlf ? [0x0a, 0x0d] : [0x0a, 0x0b, 0x0c, 0x0d, 0x85]) single[c] = 1;
        states[a]!.edges.push({ bytes: single, to: b });
        states[a]!.edges.push({ bytes: singleByte(0x0d, false), to: mid });
        states[mid]!.edges.push({ bytes: singleByte(0x0a, false), to: b });
        return [a, b];
      }
      case 'assert': {
        if (n.kind !== 'start' && n.kind !== 'end' && n.kind !== 'endOrNewline') throw new Unsupported();
        const a = add();
        const b = add();
        states[a]!.asserts.push({ kind: n.kind, to: b });
        return [a, b];
      }
      case 'seq': {
        if (n.items.length === 0) return frag({ t: 'empty' });
        const parts = n.items.map(frag);
        for (let i = 0; i + 1 < parts.length; i++) states[parts[i]![1]]!.eps.push(parts[i + 1]![0]);
        return [parts[0]![0], parts[parts.length - 1]![1]];
      }
      case 'alt': {
        const a = add();
        const b = add();
        for (const br of n.branches) {
          const [i, o] = frag(br);
          states[a]!.eps.push(i);
          states[o]!.eps.push(b);
        }
        return [a, b];
      }
      case 'group':
        if (n.kind !== 'capture' && n.kind !== 'noncapture') throw new Unsupported();
        return frag(n.body);
      case 'repeat': {
        if (n.min > MAX_REPEAT_MIN || (n.max !== Infinity && n.max > MAX_REPEAT_MIN * 2)) throw new Unsupported();
        const a = add();
        let cur = a;
        for (let i = 0; i < n.min; i++) {
          const [bi, bo] = frag(n.body);
          states[cur]!.eps.push(bi);
          cur = bo;
        }
        const end = add();
        if (n.max === Infinity) {
          const [bi, bo] = frag(n.body);
          states[cur]!.eps.push(bi, end);
          states[bo]!.eps.push(bi, end);
        } else {
          states[cur]!.eps.push(end);
          for (let i = n.min; i < n.max; i++) {
            const [bi, bo] = frag(n.body);
            states[cur]!.eps.push(bi);
            states[bo]!.eps.push(end);
            cur = bo;
          }
        }
        return [a, end];
      }
      case 'fail': {
        const a = add();
        const b = add();
        return [a, b];
      }
      case 'backref':
        throw new Unsupported();
    }
  };
  try {
    const [start, final] = frag(root);
    return { states, start, final };
  } catch (err) {
    if (err instanceof Unsupported) return null;
    throw err;
  }
}

const nfaCache = new WeakMap<RegexFacts, Nfa | null>();

function nfaOf(facts: RegexFacts): Nfa | null {
  if (nfaCache.has(facts)) return nfaCache.get(facts)!;
  const nfa = facts.node === null ? null : buildNfa(facts.node);
  nfaCache.set(facts, nfa);
  return nfa;
}

/**
 * Where a pattern stands after a prefix of the subject, searching from every offset as PCRE does:
 * NFA states, each with what the rest of the subject must be (0 anything, 1 "" or "\n" after a
 * `$`, 2 "" after `\z`), and whether a match was already found (then any continuation matches).
 */
interface Sim {
  readonly matched: boolean;
  /** state * 3 + constraint, sorted. */
  readonly set: readonly number[];
}

function closure(nfa: Nfa, seeds: Iterable<number>, atStart: boolean): Sim {
  const seen = new Set<number>();
  const stack = [...seeds];
  let matched = false;
  while (stack.length > 0) {
    const v = stack.pop()!;
    if (seen.has(v)) continue;
    seen.add(v);
    const q = Math.floor(v / 3);
    const c = v % 3;
    if (q === nfa.final && c === 0) matched = true;
    const st = nfa.states[q]!;
    for (const t of st.eps) stack.push(t * 3 + c);
    for (const a of st.asserts) {
      if (a.kind === 'start') {
        if (atStart) stack.push(a.to * 3 + c);
      } else if (a.kind === 'end') stack.push(a.to * 3 + 2);
      else stack.push(a.to * 3 + Math.max(c, 1));
    }
  }
  return { matched, set: [...seen].sort((x, y) => x - y) };
}

function simStart(nfa: Nfa): Sim {
  return closure(nfa, [nfa.start * 3], true);
}

function simStep(nfa: Nfa, sim: Sim, byte: number): Sim {
  if (sim.matched) return sim;
  const next: number[] = [];
  for (const v of sim.set) {
    const q = Math.floor(v / 3);
    const c = v % 3;
    if (c === 2) continue;
    if (c === 1 && byte !== 0x0a) continue;
    const nc = c === 1 ? 2 : 0;
    // A match that ended here keeps waiting for the rest its `$` allows.
    if (q === nfa.final) next.push(q * 3 + nc);
    for (const e of nfa.states[q]!.edges) if (e.bytes[byte]) next.push(e.to * 3 + nc);
  }
  // A new attempt at this offset (PCRE tries every start position).
  next.push(nfa.start * 3);
  return closure(nfa, next, false);
}

function simAccepts(nfa: Nfa, sim: Sim): boolean {
  if (sim.matched) return true;
  for (const v of sim.set) if (Math.floor(v / 3) === nfa.final) return true;
  return false;
}

function simKey(sim: Sim): string {
  return sim.matched ? 'M' : sim.set.join(',');
}

/** Literal names that take a URI before the patterns are tried (the static location tree). */
export interface LiteralRules {
  /** A URI starting with one of these is lost (a longer prefix location takes it). */
  readonly deadPrefixes?: readonly string[];
  /** A URI equal to one of these is lost (an exact location takes it). */
  readonly exact?: readonly string[];
  /**
   * The prefix locations of the level: when the longest one a URI starts with is `^~`, the level's
   * regexes are not tried and the URI is lost.
   */
  readonly prefixes?: readonly { readonly name: string; readonly noregex: boolean }[];
}

export interface SearchSpec {
  /** The URI starts with this. */
  readonly start: string;
  /** Patterns the URI must match. */
  readonly require: readonly RegexFacts[];
  /** Patterns the URI must not match (those an automaton cannot decide are left out). */
  readonly avoid: readonly RegexFacts[];
  readonly literal: LiteralRules;
  /** merge_slashes: a URI never has `//`. */
  readonly mergeSlashes: boolean;
  readonly maxStates?: number;
  readonly maxWitnesses?: number;
}

export type SearchResult =
  /** A pattern an automaton cannot decide: nothing is known. */
  | { readonly kind: 'unsupported' }
  /** Every URI was considered: `witnesses` are all there are up to maxWitnesses (none: proof). */
  | { readonly kind: 'exhausted'; readonly witnesses: readonly string[] }
  /** The search stopped at maxStates: some witnesses, or none known. */
  | { readonly kind: 'limit'; readonly witnesses: readonly string[] };

interface TrieNode {
  readonly next: Map<number, TrieNode>;
  dead: boolean;
  exact: boolean;
  /** A prefix name ends here: 1 plain, 2 `^~`. */
  prefix: 0 | 1 | 2;
  readonly id: number;
}

function buildTrie(lit: LiteralRules): TrieNode {
  let id = 0;
  const root: TrieNode = { next: new Map(), dead: false, exact: false, prefix: 0, id: id++ };
  const at = (name: string): TrieNode => {
    let n = root;
    for (let i = 0; i < name.length; i++) {
      const c = name.charCodeAt(i);
      let m = n.next.get(c);
      if (!m) n.next.set(c, (m = { next: new Map(), dead: false, exact: false, prefix: 0, id: id++ }));
      n = m;
    }
    return n;
  };
  for (const p of lit.deadPrefixes ?? []) at(p).dead = true;
  for (const e of lit.exact ?? []) at(e).exact = true;
  for (const p of lit.prefixes ?? []) {
    const n = at(p.name);
    n.prefix = p.noregex ? 2 : Math.max(n.prefix, 1) as 1 | 2;
  }
  return root;
}

/**
 * Normalized-URI tracking: 0 nothing yet, 1 after "/", 2 after "/.", 3 after "/..", 4 otherwise;
 * -1 impossible (does not start with "/", or has "//", "/./", "/../").
 */
function normStep(s: number, byte: number, mergeSlashes: boolean): number {
  const slash = byte === 0x2f;
  const dot = byte === 0x2e;
  switch (s) {
    case 0:
      return slash ? 1 : -1;
    case 1:
      return slash ? (mergeSlashes ? -1 : 1) : dot ? 2 : 4;
    case 2:
      return slash ? -1 : dot ? 3 : 4;
    case 3:
      return slash ? -1 : 4;
    default:
      return slash ? 1 : 4;
  }
}

/**
 * Breadth-first search over the product of the patterns' automata, the literal names and URI
 * normalization, for URIs that start with `start`, match every `require` pattern and no `avoid`
 * one, and are not taken by the literal rules. Shortest first. An `exhausted` result with no
 * witnesses proves that no such URI exists.
 */
export function searchUris(spec: SearchSpec): SearchResult {
  const req: Nfa[] = [];
  const avoid: Nfa[] = [];
  for (const f of spec.require) {
    const n = nfaOf(f);
    if (n === null || f.re === null) return { kind: 'unsupported' };
    req.push(n);
  }
  // An avoided pattern the automaton cannot decide is left out: with fewer blocks the search may
  // only find more URIs, so an empty result still proves what it says.
  for (const f of spec.avoid) {
    const n = nfaOf(f);
    if (n !== null && f.re !== null) avoid.push(n);
  }
  const all = [...req, ...avoid];
  const maxStates = spec.maxStates ?? 20000;
  const maxWitnesses = spec.maxWitnesses ?? 24;
  const trie = buildTrie(spec.literal);

  interface St {
    readonly sims: readonly Sim[];
    readonly node: TrieNode | null;
    /** The longest prefix name passed: 0 none, 1 plain, 2 `^~`. */
    readonly longest: number;
    readonly norm: number;
    readonly text: string;
  }
  const step = (s: St, byte: number): St | null => {
    const norm = normStep(s.norm, byte, spec.mergeSlashes);
    if (norm < 0) return null;
    let node = s.node;
    let longest = s.longest;
    if (node !== null) {
      node = node.next.get(byte) ?? null;
      if (node !== null) {
        if (node.dead) return null;
        if (node.prefix !== 0) longest = node.prefix;
      }
    }
    const sims: Sim[] = [];
    for (let i = 0; i < all.length; i++) {
      const sim = simStep(all[i]!, s.sims[i]!, byte);
      // An avoided pattern that has matched matches every continuation: a dead end.
      if (i >= req.length && sim.matched) return null;
      sims.push(sim);
    }
    return { sims, node, longest, norm, text: s.text + String.fromCharCode(byte) };
  };
  const key = (s: St): string => `${s.node?.id ?? -1}|${s.longest}|${s.norm}|${s.sims.map(simKey).join(';')}`;
  const accepts = (s: St): boolean => {
    if (s.norm !== 1 && s.norm !== 4) return false;
    if (s.node !== null && s.node.exact && s.text.length > 0) return false;
    if (s.longest === 2) return false;
    for (let i = 0; i < all.length; i++) {
      const ok = simAccepts(all[i]!, s.sims[i]!);
      if (i < req.length ? !ok : ok) return false;
    }
    return true;
  };

  let cur: St | null = { sims: all.map(simStart), node: trie, longest: 0, norm: 0, text: '' };
  if (trie.dead) return { kind: 'exhausted', witnesses: [] };
  for (let i = 0; i < spec.start.length && cur !== null; i++) cur = step(cur, spec.start.charCodeAt(i));
  if (cur === null) return { kind: 'exhausted', witnesses: [] };
  // Byte classes: bytes no pattern, name or normalization rule tells apart behave alike.
  const cls = new Int32Array(256);
  const refine = (member: (c: number) => boolean): void => {
    const ids = new Map<number, number>();
    for (let c = 1; c < 256; c++) {
      const k = cls[c]! * 2 + (member(c) ? 1 : 0);
      let id = ids.get(k);
      if (id === undefined) ids.set(k, (id = ids.size));
      cls[c] = id;
    }
  };
  const uniqueSets = new Set<ByteSet>();
  for (const n of all) for (const st of n.states) for (const e of st.edges) uniqueSets.add(e.bytes);
  for (const set of uniqueSets) refine((c) => set[c] === 1);
  const special = new Set<number>([0x2f, 0x2e, 0x0a]);
  const addNames = (t: TrieNode): void => {
    for (const [c, m] of t.next) {
      special.add(c);
      addNames(m);
    }
  };
  addNames(trie);
  for (const sc of special) refine((c) => c === sc);
  const reps: number[] = [];
  const taken = new Set<number>();
  const order: number[] = [];
  for (let c = 0x21; c < 0x7f; c++) order.push(c);
  for (let c = 1; c < 256; c++) if (c < 0x21 || c >= 0x7f) order.push(c);
  for (const c of order) {
    if (taken.has(cls[c]!)) continue;
    taken.add(cls[c]!);
    reps.push(c);
  }

  const witnesses: string[] = [];
  const seen = new Set<string>([key(cur)]);
  let queue: St[] = [cur];
  while (queue.length > 0) {
    const nextQueue: St[] = [];
    for (const s of queue) {
      if (accepts(s)) {
        witnesses.push(s.text);
        if (witnesses.length >= maxWitnesses) return { kind: 'limit', witnesses };
      }
      for (const b of reps) {
        const t = step(s, b);
        if (t === null) continue;
        const k = key(t);
        if (seen.has(k)) continue;
        seen.add(k);
        if (seen.size > maxStates) return { kind: 'limit', witnesses };
        nextQueue.push(t);
      }
    }
    queue = nextQueue;
  }
  return { kind: 'exhausted', witnesses };
}
