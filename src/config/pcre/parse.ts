/**
 * A parser for PCRE2 10.42 patterns as nginx compiles them (pcre2_compile with at most
 * PCRE2_CASELESS): it finds the errors PCRE2 finds, with PCRE2's error numbers and offsets, and builds
 * the tree that `../regex.ts` turns into a JavaScript RegExp. Constructs that parse but that a
 * JavaScript RegExp cannot run (atomic groups, recursion, \K, …) are recorded, not rejected, so that a
 * real syntax error later in the pattern still wins, as it would in nginx.
 *
 * Offsets and messages were checked against nginx 1.22.1 linked with libpcre2-8 10.42.
 */
import type { ByteSet, Flags, Node } from './ast.js';
import {
  ANY_BYTE, DIGIT, HSPACE, NOT_NEWLINE, POSIX_CLASSES, SPACE, VSPACE, WORD, addAll, complement,
  emptySet, hasUnfoldedLetter, isAsciiLetter, isWordByte, otherCase,
} from './bytes.js';
import { isUnicodeProperty } from './properties.js';

/** PCRE2's compile error texts (pcre2_error.c, 10.42), by error number. */
export const PCRE2_MESSAGES: Readonly<Record<number, string>> = {
  101: '\\ at end of pattern',
  102: '\\c at end of pattern',
  103: 'unrecognized character follows \\',
  104: 'numbers out of order in {} quantifier',
  105: 'number too big in {} quantifier',
  106: 'missing terminating ] for character class',
  107: 'escape sequence is invalid in character class',
  108: 'range out of order in character class',
  109: 'quantifier does not follow a repeatable item',
  111: 'unrecognized character after (? or (?-',
  112: 'POSIX named classes are supported only within a class',
  113: 'POSIX collating elements are not supported',
  114: 'missing closing parenthesis',
  115: 'reference to non-existent subpattern',
  118: 'missing ) after (?# comment',
  119: 'parentheses are too deeply nested',
  122: 'unmatched closing parenthesis',
  124: 'missing closing parenthesis for condition',
  125: 'lookbehind assertion is not fixed length',
  126: 'a relative value of zero is not allowed',
  127: 'conditional subpattern contains more than two branches',
  128: 'assertion expected after (?( or (?(?C)',
  129: 'digit expected after (?+ or (?-',
  130: 'unknown POSIX class name',
  134: 'character code point value in \\x{} or \\o{} is too large',
  137: 'PCRE2 does not support \\F, \\L, \\l, \\N{name}, \\U, or \\u',
  138: 'number after (?C is greater than 255',
  139: 'closing parenthesis for (?C expected',
  141: 'unrecognized character after (?P',
  142: 'syntax error in subpattern name (missing terminator?)',
  143: 'two named subpatterns have the same name (PCRE2_DUPNAMES not set)',
  144: 'subpattern name must start with a non-digit',
  146: 'malformed \\P or \\p sequence',
  147: 'unknown property after \\P or \\p',
  148: 'subpattern name is too long (maximum 32 code units)',
  150: 'invalid range in character class',
  151: 'octal value is greater than \\377 in 8-bit non-UTF-8 mode',
  154: 'DEFINE subpattern contains more than one branch',
  155: 'missing opening brace after \\o',
  157: '\\g is not followed by a braced, angle-bracketed, or quoted name/number or by a plain number',
  158: '(?R (recursive pattern call) must be followed by a closing parenthesis',
  160: '(*VERB) not recognized or malformed',
  161: 'subpattern number is too big',
  162: 'subpattern name expected',
  164: 'non-octal character in \\o{} (closing brace missing?)',
  166: '(*MARK) must have an argument',
  167: 'non-hex character in \\x{} (closing brace missing?)',
  168: '\\c must be followed by a printable ASCII character',
  169: '\\k is not followed by a braced, angle-bracketed, or quoted name',
  171: '\\N is not supported in a class',
  178: 'digits missing in \\x{} or \\o{} or \\N{U+}',
  187: 'lookbehind assertion is too long',
  193: '\\N{U+dddd} is supported only in Unicode (UTF) mode',
  194: 'invalid hyphen in option setting',
  195: '(*alpha_assertion) not recognized',
  181: 'missing terminating delimiter for callout with string argument',
  182: 'unrecognized string delimiter follows (?C',
  197: 'too many capturing groups (maximum 65535)',
  199: '\\K is not allowed in lookarounds (but see PCRE2_EXTRA_ALLOW_LOOKAROUND_BSK)',
};

/** A construct that PCRE2 accepts but a JavaScript RegExp cannot run. */
export interface Unsupported {
  readonly what: string;
  readonly offset: number;
}

export type ParseResult =
  | {
      readonly ok: true;
      readonly node: Node;
      /** Number of capturing groups (PCRE2_INFO_CAPTURECOUNT). */
      readonly captures: number;
      /** Group names by capture number (index 0 unused). */
      readonly groupNames: readonly (string | undefined)[];
      /** The first construct JavaScript cannot run, if any. */
      readonly unsupported: Unsupported | null;
    }
  | { readonly ok: false; readonly code: number; readonly offset: number };

class PcreSyntaxError {
  constructor(
    readonly code: number,
    readonly offset: number,
  ) {}
}

const MAX_REPEAT = 65535;
const MAX_GROUP = 65535;
const MAX_NAME = 32;
const MAX_NESTING = 250;

const isDigitCode = (c: number): boolean => c >= 0x30 && c <= 0x39;
const isOctal = (c: number): boolean => c >= 0x30 && c <= 0x37;
function hexValue(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0x41 && c <= 0x46) return c - 0x37;
  if (c >= 0x61 && c <= 0x66) return c - 0x57;
  return -1;
}
/** ctype_space: what (?x) skips (isspace in the C locale). */
const isSpaceCode = (c: number): boolean => c === 0x20 || (c >= 0x09 && c <= 0x0d);

/** Start-of-pattern items such as (*UTF) and (*LIMIT_MATCH=n), recognized only at the very start. */
const START_OPTIONS = new Set([
  'UTF', 'UCP', 'NOTEMPTY', 'NOTEMPTY_ATSTART', 'NO_AUTO_POSSESS', 'NO_DOTSTAR_ANCHOR', 'NO_JIT',
  'NO_START_OPT', 'CR', 'LF', 'CRLF', 'ANYCRLF', 'ANY', 'NUL', 'BSR_ANYCRLF', 'BSR_UNICODE',
]);
const START_LIMITS = ['LIMIT_HEAP=', 'LIMIT_MATCH=', 'LIMIT_DEPTH=', 'LIMIT_RECURSION='];

const VERBS = new Set(['ACCEPT', 'FAIL', 'F', 'COMMIT', 'PRUNE', 'SKIP', 'THEN', 'MARK', '']);
const ALPHA_ASSERTIONS: ReadonlyMap<string, string> = new Map([
  ['pla', 'lookahead'], ['positive_lookahead', 'lookahead'],
  ['nla', 'negLookahead'], ['negative_lookahead', 'negLookahead'],
  ['plb', 'lookbehind'], ['positive_lookbehind', 'lookbehind'],
  ['nlb', 'negLookbehind'], ['negative_lookbehind', 'negLookbehind'],
  ['atomic', 'atomic'], ['sr', 'script run'], ['script_run', 'script run'],
  ['asr', 'atomic script run'], ['atomic_script_run', 'atomic script run'],
  ['napla', 'non-atomic lookahead'], ['non_atomic_positive_lookahead', 'non-atomic lookahead'],
  ['naplb', 'non-atomic lookbehind'], ['non_atomic_positive_lookbehind', 'non-atomic lookbehind'],
]);

/** What an escape sequence stands for. */
type Escape =
  | { readonly k: 'char'; readonly c: number }
  | { readonly k: 'set'; readonly bytes: ByteSet; readonly negated: boolean }
  | { readonly k: 'node'; readonly node: Node; readonly repeatable: boolean }
  | { readonly k: 'quote' } // \Q
  | { readonly k: 'endQuote' } // \E
  | { readonly k: 'class-invalid' } // \B \R \X … inside a class
  | { readonly k: 'not-in-class' }; // \N inside a class

/**
 * A check PCRE2 makes in its compile phase, after the whole pattern has been parsed: a group
 * reference (which may point forward), or a conditional's branch count. They run in pattern order.
 */
type Deferred =
  | { readonly k: 'ref'; readonly index: number | null; readonly name: string | null; readonly offset: number }
  | { readonly k: 'error'; readonly code: number; readonly offset: number };

/** Parses `pattern` (one character per byte) as PCRE2 would with or without PCRE2_CASELESS. */
export function parsePcre(pattern: string, caseless: boolean): ParseResult {
  const parser = new Parser(pattern, caseless);
  try {
    return parser.run();
  } catch (err) {
    if (err instanceof PcreSyntaxError) return { ok: false, code: err.code, offset: err.offset };
    throw err;
  }
}

class Parser {
  private pos = 0;
  private flags: Flags;
  private captureCount = 0;
  private readonly groupNames: (string | undefined)[] = [undefined];
  private readonly namesSeen = new Map<string, number>();
  private readonly deferred: Deferred[] = [];
  private unsupported: Unsupported | null = null;
  private bsrAnyCrlf = false;
  private depth = 0;
  /** Inside a lookaround: \K is an error there (PCRE2 reports it at the end of the pattern). */
  private lookaroundDepth = 0;
  private sawKInLookaround = false;

  constructor(
    private readonly src: string,
    caseless: boolean,
  ) {
    this.flags = { i: caseless, m: false, s: false, x: false, xx: false, n: false, U: false, J: false };
  }

  run(): ParseResult {
    this.startOptions();
    const node = this.alternation();
    if (this.pos < this.src.length) throw new PcreSyntaxError(122, this.pos); // a stray ')'
    if (this.sawKInLookaround) throw new PcreSyntaxError(199, this.src.length);
    this.checkLookbehinds(node);
    for (const d of this.deferred) {
      if (d.k === 'error') throw new PcreSyntaxError(d.code, d.offset);
      if (d.index !== null && d.index > this.captureCount) throw new PcreSyntaxError(115, d.offset);
      if (d.name !== null && !this.namesSeen.has(d.name)) throw new PcreSyntaxError(115, d.offset);
    }
    return {
      ok: true,
      node: this.resolveNamedRefs(node),
      captures: this.captureCount,
      groupNames: this.groupNames,
      unsupported: this.unsupported,
    };
  }

  // ---- helpers -------------------------------------------------------------------------------

  private code(at = this.pos): number {
    return at < this.src.length ? this.src.charCodeAt(at) : -1;
  }

  private ch(at = this.pos): string {
    return this.src[at] ?? '';
  }

  private atEnd(): boolean {
    return this.pos >= this.src.length;
  }

  private fail(code: number, offset: number): never {
    throw new PcreSyntaxError(code, offset);
  }

  private unsupportedAt(what: string, offset: number): void {
    if (this.unsupported === null) this.unsupported = { what, offset };
  }

  /** (?x): skips white space and #-comments up to the next newline. */
  private skipExtended(): void {
    if (!this.flags.x) return;
    for (;;) {
      const c = this.code();
      if (c < 0) return;
      if (isSpaceCode(c)) {
        this.pos++;
      } else if (c === 0x23) {
        while (!this.atEnd() && this.code() !== 0x0a) this.pos++;
        if (!this.atEnd()) this.pos++;
      } else {
        return;
      }
    }
  }

  /** read_number(): decimal digits at pos, or null if there are none; ERR `tooBig` past `max`. */
  private readNumber(max: number, tooBig: number): number | null {
    if (!isDigitCode(this.code())) return null;
    let n = 0;
    while (isDigitCode(this.code())) {
      n = n * 10 + (this.code() - 0x30);
      this.pos++;
      if (n > max) this.fail(tooBig, this.pos);
    }
    return n;
  }

  /**
   * read_repeat_counts(): with pos just after `{`, a {n}, {n,} or {n,m} quantifier, or null (and pos
   * unchanged) when the text is not one, in which case the `{` is a literal.
   */
  private readRepeat(): { min: number; max: number } | null {
    const start = this.pos;
    let comma = false;
    for (let p = start; ; p++) {
      const c = this.code(p);
      if (c < 0) return null;
      if (isDigitCode(c)) continue;
      if (c === 0x7d) break;
      if (c !== 0x2c || comma) return null;
      comma = true;
    }
    const min = this.readNumber(MAX_REPEAT, 105);
    if (min === null) {
      this.pos = start;
      return null;
    }
    let max = min;
    if (this.ch() === '}') {
      this.pos++;
    } else {
      this.pos++; // the comma
      if (this.ch() !== '}') {
        max = this.readNumber(MAX_REPEAT, 105) ?? min;
        if (max < min) this.fail(104, this.pos);
      } else {
        max = Infinity;
      }
      this.pos++;
    }
    return { min, max };
  }

  /** Whether a quantifier starts at pos (without consuming it). */
  private quantifierAhead(): boolean {
    const c = this.ch();
    if (c === '*' || c === '+' || c === '?') return true;
    if (c !== '{') return false;
    const save = this.pos;
    this.pos++;
    try {
      return this.readRepeat() !== null;
    } catch {
      // An overflowing count is still a quantifier; the caller reads it again and fails.
      return true;
    } finally {
      this.pos = save;
    }
  }

  // ---- structure -----------------------------------------------------------------------------

  /** (*UTF), (*LIMIT_MATCH=n) … at the start of the pattern. */
  private startOptions(): void {
    for (;;) {
      if (!this.src.startsWith('(*', this.pos)) return;
      const close = this.src.indexOf(')', this.pos + 2);
      if (close < 0) return;
      const name = this.src.slice(this.pos + 2, close);
      const limit = START_LIMITS.find((l) => name.startsWith(l));
      if (limit !== undefined) {
        const digits = name.slice(limit.length);
        if (!/^[0-9]+$/.test(digits)) this.fail(160, this.pos + 2 + limit.length);
      } else if (!START_OPTIONS.has(name)) {
        return;
      }
      const at = this.pos;
      this.pos = close + 1;
      if (name === 'UTF' || name === 'UCP') this.unsupportedAt(`(*${name})`, at);
      else if (name === 'NOTEMPTY' || name === 'NOTEMPTY_ATSTART') this.unsupportedAt(`(*${name})`, at);
      else if (name === 'CR' || name === 'CRLF' || name === 'ANYCRLF' || name === 'ANY' || name === 'NUL')
        this.unsupportedAt(`the newline convention (*${name})`, at);
      else if (name === 'BSR_ANYCRLF') this.bsrAnyCrlf = true;
      else if (name === 'BSR_UNICODE') this.bsrAnyCrlf = false;
    }
  }

  private alternation(): Node {
    const branches = [this.branch()];
    while (this.ch() === '|') {
      this.pos++;
      branches.push(this.branch());
    }
    return branches.length === 1 ? (branches[0] as Node) : { t: 'alt', branches };
  }

  private branch(): Node {
    const items: Node[] = [];
    // Whether the last item may take a quantifier (prev_okquantifier in parse_regex()).
    let repeatable = false;
    for (;;) {
      this.skipExtended();
      const c = this.ch();
      if (c === '' || c === '|' || c === ')') break;
      if (this.quantifierAhead()) {
        const qStart = this.pos;
        const q = this.quantifier();
        if (!repeatable || items.length === 0) this.fail(109, this.pos - 1);
        const body = items.pop() as Node;
        if (q.possessive) this.unsupportedAt('a possessive quantifier', qStart);
        items.push({ t: 'repeat', min: q.min, max: q.max, lazy: q.lazy, body });
        repeatable = false;
        continue;
      }
      const atom = this.atom();
      if (atom === 'transparent') continue;
      if (atom === null) {
        repeatable = false;
        continue;
      }
      items.push(...atom.nodes);
      repeatable = atom.repeatable;
    }
    if (items.length === 0) return { t: 'empty' };
    return items.length === 1 ? (items[0] as Node) : { t: 'seq', items };
  }

  /** A quantifier at pos: its bounds and its lazy/possessive suffix. */
  private quantifier(): { min: number; max: number; lazy: boolean; possessive: boolean } {
    const c = this.ch();
    let min: number;
    let max: number;
    this.pos++;
    if (c === '*') [min, max] = [0, Infinity];
    else if (c === '+') [min, max] = [1, Infinity];
    else if (c === '?') [min, max] = [0, 1];
    else {
      const r = this.readRepeat() as { min: number; max: number };
      min = r.min;
      max = r.max;
    }
    let lazy = this.flags.U;
    let possessive = false;
    if (this.ch() === '+') {
      possessive = true;
      this.pos++;
    } else if (this.ch() === '?') {
      lazy = !lazy;
      this.pos++;
    }
    return { min, max, lazy, possessive };
  }

  /**
   * One item. 'transparent' for things that leave the previous item quantifiable (comments, \E,
   * an empty \Q\E); null for items that produce nothing and cannot be quantified (option settings,
   * callouts, verbs without effect).
   */
  private atom(): { nodes: Node[]; repeatable: boolean } | 'transparent' | null {
    const c = this.ch();
    const start = this.pos;
    switch (c) {
      case '(':
        return this.group();
      case '[':
        return { nodes: [this.charClass()], repeatable: true };
      case '\\':
        return this.escapeAtom();
      case '^':
        this.pos++;
        return { nodes: [{ t: 'assert', kind: this.flags.m ? 'lineStart' : 'start' }], repeatable: false };
      case '$':
        this.pos++;
        return { nodes: [{ t: 'assert', kind: this.flags.m ? 'lineEnd' : 'endOrNewline' }], repeatable: false };
      case '.':
        this.pos++;
        return { nodes: [this.setNode(this.flags.s ? ANY_BYTE : NOT_NEWLINE, !this.flags.s)], repeatable: true };
      default:
        this.pos++;
        return { nodes: [this.charNode(this.code(start))], repeatable: true };
    }
  }

  private charNode(c: number): Node {
    return { t: 'char', c, caseless: this.flags.i && isAsciiLetter(c) };
  }

  private setNode(bytes: ByteSet, negated: boolean): Node {
    return { t: 'set', bytes, negated, caseSensitiveLetters: hasUnfoldedLetter(bytes) };
  }

  // ---- escapes -------------------------------------------------------------------------------

  private escapeAtom(): { nodes: Node[]; repeatable: boolean } | 'transparent' | null {
    const esc = this.escape(false);
    switch (esc.k) {
      case 'char':
        return { nodes: [this.charNode(esc.c)], repeatable: true };
      case 'set':
        return { nodes: [this.setNode(esc.bytes, esc.negated)], repeatable: true };
      case 'node':
        return { nodes: [esc.node], repeatable: esc.repeatable };
      case 'quote':
        return this.quoted();
      case 'endQuote':
        return 'transparent';
      default:
        // Only produced inside classes.
        return null;
    }
  }

  /** \Q…\E: literal characters up to \E or the end; an empty quote is transparent. */
  private quoted(): { nodes: Node[]; repeatable: boolean } | 'transparent' {
    const nodes: Node[] = [];
    while (!this.atEnd()) {
      if (this.src.startsWith('\\E', this.pos)) {
        this.pos += 2;
        break;
      }
      nodes.push(this.charNode(this.code()));
      this.pos++;
    }
    return nodes.length === 0 ? 'transparent' : { nodes, repeatable: true };
  }

  /**
   * check_escape(): the escape at pos (which is a backslash), inside or outside a class. Errors are
   * thrown with PCRE2's offsets.
   */
  private escape(inClass: boolean): Escape {
    const bs = this.pos;
    this.pos++;
    if (this.atEnd()) this.fail(101, this.src.length);
    const c = this.ch();
    const cc = this.code();
    this.pos++;

    if (isDigitCode(cc) && cc !== 0x30) return this.digitEscape(bs, inClass);

    switch (c) {
      case '0': {
        let v = 0;
        for (let i = 0; i < 2 && isOctal(this.code()); i++) v = v * 8 + (this.code() - 0x30), this.pos++;
        return { k: 'char', c: v };
      }
      case 'a': return { k: 'char', c: 0x07 };
      case 'e': return { k: 'char', c: 0x1b };
      case 'f': return { k: 'char', c: 0x0c };
      case 'n': return { k: 'char', c: 0x0a };
      case 'r': return { k: 'char', c: 0x0d };
      case 't': return { k: 'char', c: 0x09 };
      case 'o': return this.octalBraced();
      case 'x': return this.hexEscape();
      case 'c': {
        if (this.atEnd()) this.fail(102, this.src.length);
        let v = this.code();
        if (v >= 0x61 && v <= 0x7a) v -= 0x20;
        if (v < 32 || v > 126) this.fail(168, this.pos);
        this.pos++;
        return { k: 'char', c: v ^ 0x40 };
      }
      case 'd': return { k: 'set', bytes: DIGIT, negated: false };
      case 'D': return { k: 'set', bytes: complement(DIGIT), negated: true };
      case 's': return { k: 'set', bytes: SPACE, negated: false };
      case 'S': return { k: 'set', bytes: complement(SPACE), negated: true };
      case 'w': return { k: 'set', bytes: WORD, negated: false };
      case 'W': return { k: 'set', bytes: complement(WORD), negated: true };
      case 'h': return { k: 'set', bytes: HSPACE, negated: false };
      case 'H': return { k: 'set', bytes: complement(HSPACE), negated: true };
      case 'v': return { k: 'set', bytes: VSPACE, negated: false };
      case 'V': return { k: 'set', bytes: complement(VSPACE), negated: true };
      case 'Q': return { k: 'quote' };
      case 'E': return { k: 'endQuote' };
      case 'p':
      case 'P':
        return this.property(bs, c);
      case 'F':
      case 'l':
      case 'L':
      case 'u':
      case 'U':
        return this.fail(137, this.pos);
      case 'g':
        if (inClass) return { k: 'char', c: cc };
        return this.gEscape(bs);
      case 'N':
        if (inClass) this.fail(171, this.pos);
        if (this.ch() === '{') {
          if (this.src.startsWith('U+', this.pos + 1)) this.fail(193, this.pos);
          const save = this.pos;
          this.pos++;
          const q = this.readRepeat();
          this.pos = save;
          if (q === null) this.fail(137, this.pos);
        }
        return { k: 'set', bytes: NOT_NEWLINE, negated: true };
      case 'b':
        if (inClass) return { k: 'char', c: 0x08 };
        return { k: 'node', node: { t: 'assert', kind: 'wordBoundary' }, repeatable: false };
      case 'B':
      case 'R':
      case 'X':
        if (inClass) this.fail(107, this.pos - 1);
        if (c === 'B') return { k: 'node', node: { t: 'assert', kind: 'notWordBoundary' }, repeatable: false };
        if (c === 'R') return { k: 'node', node: { t: 'newlineSeq', anyCrlf: this.bsrAnyCrlf }, repeatable: true };
        this.unsupportedAt('\\X (extended grapheme cluster)', bs);
        return { k: 'node', node: { t: 'newlineSeq', anyCrlf: false }, repeatable: true };
      case 'A':
      case 'G':
      case 'z':
      case 'Z':
      case 'K':
      case 'k':
      case 'C':
        if (inClass) this.fail(107, this.pos - 1);
        return this.letterEscape(bs, c);
      default:
        if (/[A-Za-z0-9]/.test(c)) this.fail(103, this.pos - 1);
        return { k: 'char', c: cc };
    }
  }

  private letterEscape(bs: number, c: string): Escape {
    switch (c) {
      case 'A':
      case 'G':
        // nginx always matches from offset 0, so \G is \A.
        return { k: 'node', node: { t: 'assert', kind: 'start' }, repeatable: false };
      case 'z':
        return { k: 'node', node: { t: 'assert', kind: 'end' }, repeatable: false };
      case 'Z':
        return { k: 'node', node: { t: 'assert', kind: 'endOrNewline' }, repeatable: false };
      case 'K':
        if (this.lookaroundDepth > 0) this.sawKInLookaround = true;
        this.unsupportedAt('\\K (reset match start)', bs);
        return { k: 'node', node: { t: 'empty' }, repeatable: false };
      case 'C':
        return { k: 'set', bytes: ANY_BYTE, negated: false };
      default:
        return this.kEscape();
    }
  }

  /** \1-\9, \10… outside a class: a back reference or an octal character (see pcre2pattern). */
  private digitEscape(bs: number, inClass: boolean): Escape {
    const first = this.code(bs + 1);
    if (!inClass) {
      this.pos = bs + 1;
      let n = 0;
      let big = false;
      while (isDigitCode(this.code())) {
        n = n * 10 + (this.code() - 0x30);
        if (n > MAX_GROUP) big = true;
        this.pos++;
      }
      if (!big && (n < 10 || first >= 0x38 || n <= this.captureCount)) {
        return this.backref(n, null, this.pos - 1);
      }
      this.pos = bs + 2;
    }
    if (first >= 0x38) return { k: 'char', c: first };
    let v = first - 0x30;
    for (let i = 0; i < 2 && isOctal(this.code()); i++) v = v * 8 + (this.code() - 0x30), this.pos++;
    if (v > 0xff) this.fail(151, this.pos);
    return { k: 'char', c: v };
  }

  private backref(index: number | null, name: string | null, offset: number): Escape {
    this.deferred.push({ k: 'ref', index, name, offset });
    return {
      k: 'node',
      node: { t: 'backref', index, name, caseless: this.flags.i, offset },
      repeatable: true,
    };
  }

  /** \o{ddd} */
  private octalBraced(): Escape {
    if (this.ch() !== '{') this.fail(155, this.pos - 1);
    this.pos++;
    if (this.atEnd() || this.ch() === '}') this.fail(178, this.pos);
    let v = 0;
    while (isOctal(this.code())) {
      v = v * 8 + (this.code() - 0x30);
      this.pos++;
      if (v > 0xff) {
        while (isOctal(this.code())) this.pos++;
        this.fail(134, this.pos);
      }
    }
    if (this.ch() !== '}') this.fail(164, this.atEnd() ? this.pos - 1 : this.pos);
    this.pos++;
    return { k: 'char', c: v };
  }

  /** \xhh and \x{hhh} */
  private hexEscape(): Escape {
    if (this.ch() === '{') {
      this.pos++;
      if (this.atEnd() || this.ch() === '}') this.fail(178, this.pos);
      let v = 0;
      while (hexValue(this.code()) >= 0) {
        v = v * 16 + hexValue(this.code());
        this.pos++;
        if (v > 0xff) {
          while (hexValue(this.code()) >= 0) this.pos++;
          this.fail(134, this.pos);
        }
      }
      if (this.ch() !== '}') this.fail(167, this.atEnd() ? this.pos - 1 : this.pos);
      this.pos++;
      return { k: 'char', c: v };
    }
    let v = 0;
    for (let i = 0; i < 2 && hexValue(this.code()) >= 0; i++) v = v * 16 + hexValue(this.code()), this.pos++;
    return { k: 'char', c: v };
  }

  /** \p{…} / \P{…}: parsed for PCRE2's errors; JavaScript without the u flag has no \p. */
  private property(bs: number, c: string): Escape {
    let name: string;
    if (this.atEnd()) this.fail(146, this.src.length);
    if (this.ch() === '{') {
      const close = this.src.indexOf('}', this.pos);
      if (close < 0) this.fail(146, this.src.length);
      name = this.src.slice(this.pos + 1, close);
      this.pos = close + 1;
    } else {
      name = this.ch();
      this.pos++;
    }
    if (!isUnicodeProperty(name)) this.fail(147, this.pos);
    this.unsupportedAt(`the Unicode property \\${c}{${name}}`, bs);
    return { k: 'set', bytes: emptySet(), negated: c === 'P' };
  }

  /** \g: \gn, \g{n}, \g{-n}, \g{name} back references; \g<…>, \g'…' subroutine calls. */
  private gEscape(bs: number): Escape {
    const open = this.ch();
    if (open === '<' || open === "'") {
      const close = open === '<' ? '>' : "'";
      const ref = this.referenceText(close);
      this.unsupportedAt('a subroutine call \\g' + open + ref.text + close, bs);
      if (ref.index !== null) this.deferred.push({ k: 'ref', index: ref.index, name: null, offset: ref.offset });
      else if (ref.text !== '') this.deferred.push({ k: 'ref', index: null, name: ref.text, offset: ref.offset });
      return { k: 'node', node: { t: 'empty' }, repeatable: true };
    }
    if (open === '{') {
      const braceAt = this.pos;
      this.pos++;
      const signed = this.ch() === '-' || this.ch() === '+';
      if (signed || isDigitCode(this.code())) {
        const sign = signed ? this.ch() : '';
        if (signed) this.pos++;
        const n = this.readNumber(MAX_GROUP, 161);
        if (n === null || this.ch() !== '}') this.fail(157, this.pos);
        this.pos++;
        const index = sign === '-' ? this.captureCount - n + 1 : sign === '+' ? this.captureCount + n : n;
        if (n === 0 || index <= 0) this.fail(115, sign === '-' ? braceAt : this.pos);
        return this.backref(index, null, braceAt);
      }
      const nameAt = this.pos;
      const name = this.readName('}');
      return this.backref(null, name, nameAt);
    }
    const signed = open === '-' || open === '+';
    if (signed) this.pos++;
    const digitsAt = this.pos;
    const n = this.readNumber(MAX_GROUP, 161);
    if (n === null) this.fail(157, this.pos);
    if (open === '+') this.fail(115, digitsAt);
    const index = open === '-' ? this.captureCount - n + 1 : n;
    if (n === 0 || index <= 0) this.fail(115, this.pos);
    return this.backref(index, null, this.pos - 1);
  }

  /** \k<name>, \k'name', \k{name}. */
  private kEscape(): Escape {
    const open = this.ch();
    const close = open === '<' ? '>' : open === "'" ? "'" : open === '{' ? '}' : '';
    if (close === '') this.fail(169, this.pos);
    this.pos++;
    const nameAt = this.pos;
    const name = this.readName(close);
    return this.backref(null, name, nameAt);
  }

  /** The number or name of \g<…> / (?&…) style references, with its offset. */
  private referenceText(close: string): { text: string; index: number | null; offset: number } {
    this.pos++;
    const offset = this.pos;
    const sign = this.ch() === '-' || this.ch() === '+' ? this.ch() : '';
    if (sign !== '' || isDigitCode(this.code())) {
      if (sign !== '') this.pos++;
      const n = this.readNumber(MAX_GROUP, 161);
      if (n === null) this.fail(129, this.pos);
      if (this.ch() !== close) this.fail(157, this.pos);
      this.pos++;
      const index = sign === '-' ? this.captureCount - n + 1 : sign === '+' ? this.captureCount + n : n;
      return { text: sign + String(n), index: index === 0 ? null : index, offset };
    }
    const name = this.readName(close);
    return { text: name, index: null, offset };
  }

  /**
   * read_name(): a group name at pos, ended by `close` (consumed). PCRE2's errors: ERR62 no name,
   * ERR44 leading digit, ERR48 too long, ERR42 missing terminator.
   */
  private readName(close: string): string {
    if (this.atEnd()) this.fail(162, this.pos);
    if (isDigitCode(this.code())) this.fail(144, this.pos);
    const start = this.pos;
    while (!this.atEnd() && isWordByte(this.code())) this.pos++;
    if (this.pos - start > MAX_NAME) this.fail(148, this.pos);
    if (this.pos === start) this.fail(162, this.pos);
    if (this.ch() !== close) this.fail(142, this.pos);
    const name = this.src.slice(start, this.pos);
    this.pos++;
    return name;
  }

  // ---- groups --------------------------------------------------------------------------------

  private group(): { nodes: Node[]; repeatable: boolean } | 'transparent' | null {
    const open = this.pos;
    this.pos++;
    if (this.ch() === '*' && /[A-Za-z:]/.test(this.ch(this.pos + 1))) return this.verb(open);
    if (this.ch() !== '?') {
      if (this.flags.n) return this.groupBody(open, 'noncapture');
      return this.groupBody(open, 'capture');
    }
    this.pos++;
    const c = this.ch();
    switch (c) {
      case '#': {
        const close = this.src.indexOf(')', this.pos);
        if (close < 0) this.fail(118, this.src.length);
        this.pos = close + 1;
        return 'transparent';
      }
      case ':':
        this.pos++;
        return this.groupBody(open, 'noncapture');
      case '|':
        this.pos++;
        return this.branchReset(open);
      case '>':
        this.pos++;
        this.unsupportedAt('an atomic group (?>…)', open);
        return this.groupBody(open, 'noncapture');
      case '=':
        this.pos++;
        return this.groupBody(open, 'lookahead');
      case '!':
        this.pos++;
        return this.groupBody(open, 'negLookahead');
      case '<': {
        const next = this.ch(this.pos + 1);
        if (next === '=' || next === '!') {
          this.pos += 2;
          return this.groupBody(open, next === '=' ? 'lookbehind' : 'negLookbehind');
        }
        this.pos++;
        return this.namedGroup(open, '>');
      }
      case "'":
        this.pos++;
        return this.namedGroup(open, "'");
      case 'P': {
        this.pos++;
        const p = this.ch();
        if (p === '<') {
          this.pos++;
          return this.namedGroup(open, '>');
        }
        if (p === '=') {
          this.pos++;
          const nameAt = this.pos;
          const name = this.readName(')');
          const esc = this.backref(null, name, nameAt);
          return { nodes: [(esc as { node: Node }).node], repeatable: true };
        }
        if (p === '>') {
          this.pos++;
          const nameAt = this.pos;
          const name = this.readName(')');
          this.deferred.push({ k: 'ref', index: null, name, offset: nameAt });
          this.unsupportedAt(`a subroutine call (?P>${name})`, open);
          return { nodes: [{ t: 'empty' }], repeatable: true };
        }
        if (this.atEnd()) this.fail(114, this.src.length);
        return this.fail(141, this.pos);
      }
      case '&': {
        this.pos++;
        const nameAt = this.pos;
        const name = this.readName(')');
        this.deferred.push({ k: 'ref', index: null, name, offset: nameAt });
        this.unsupportedAt(`a subroutine call (?&${name})`, open);
        return { nodes: [{ t: 'empty' }], repeatable: true };
      }
      case 'R':
      case '+':
      case '-':
      case '0': case '1': case '2': case '3': case '4': case '5': case '6': case '7': case '8': case '9':
        if (c === '-' && !isDigitCode(this.code(this.pos + 1))) return this.options(open);
        return this.recursion(open);
      case '(':
        return this.conditional(open);
      case 'C':
        return this.callout();
      case '':
        return this.fail(114, this.src.length);
      default:
        return this.options(open);
    }
  }

  /** The body of a group after its opening syntax, up to and including `)`. */
  private groupBody(
    open: number,
    kind: 'capture' | 'noncapture' | 'lookahead' | 'negLookahead' | 'lookbehind' | 'negLookbehind',
    name?: string,
  ): { nodes: Node[]; repeatable: boolean } {
    let index: number | undefined;
    if (kind === 'capture') {
      if (++this.captureCount > MAX_GROUP) this.fail(197, this.pos);
      index = this.captureCount;
      this.groupNames[index] = name;
    }
    if (++this.depth > MAX_NESTING) this.fail(119, open);
    const look = kind !== 'capture' && kind !== 'noncapture';
    if (look) this.lookaroundDepth++;
    const saved = this.flags;
    const body = this.alternation();
    this.flags = saved;
    if (look) this.lookaroundDepth--;
    this.depth--;
    if (this.ch() !== ')') this.fail(114, this.src.length);
    this.pos++;
    const node: Node =
      index === undefined
        ? { t: 'group', kind, body, offset: open }
        : name === undefined
          ? { t: 'group', kind, index, body, offset: open }
          : { t: 'group', kind, index, name, body, offset: open };
    return { nodes: [node], repeatable: true };
  }

  private namedGroup(open: number, close: string): { nodes: Node[]; repeatable: boolean } {
    const name = this.readName(close);
    const seen = this.namesSeen.get(name);
    if (seen !== undefined) {
      if (!this.flags.J) this.fail(143, this.pos);
      this.unsupportedAt(`the duplicate group name "${name}"`, open);
    } else {
      this.namesSeen.set(name, this.captureCount + 1);
    }
    return this.groupBody(open, 'capture', name);
  }

  /** (?|…): every branch numbers its groups from the same start; JavaScript cannot. */
  private branchReset(open: number): { nodes: Node[]; repeatable: boolean } {
    const base = this.captureCount;
    let highest = base;
    if (++this.depth > MAX_NESTING) this.fail(119, open);
    const saved = this.flags;
    const branches: Node[] = [];
    for (;;) {
      this.captureCount = base;
      branches.push(this.branch());
      highest = Math.max(highest, this.captureCount);
      if (this.ch() !== '|') break;
      this.pos++;
    }
    this.flags = saved;
    this.depth--;
    if (this.ch() !== ')') this.fail(114, this.src.length);
    this.pos++;
    // Without captures inside, a branch reset group is a plain non-capturing group.
    if (highest > base && branches.length > 1) this.unsupportedAt('a branch reset group (?|…)', open);
    this.captureCount = highest;
    const body: Node = branches.length === 1 ? (branches[0] as Node) : { t: 'alt', branches };
    return { nodes: [{ t: 'group', kind: 'noncapture', body, offset: open }], repeatable: true };
  }

  /** (?R), (?n), (?+n), (?-n): recursion and subroutine calls. */
  private recursion(open: number): { nodes: Node[]; repeatable: boolean } {
    if (this.ch() === 'R') {
      this.pos++;
      if (this.ch() !== ')') this.fail(158, this.atEnd() ? this.src.length : this.pos);
      this.pos++;
      this.unsupportedAt('a recursive pattern call (?R)', open);
      return { nodes: [{ t: 'empty' }], repeatable: true };
    }
    const sign = this.ch() === '+' || this.ch() === '-' ? this.ch() : '';
    if (sign !== '') this.pos++;
    const n = this.readNumber(MAX_GROUP, 161);
    if (n === null) this.fail(129, this.pos);
    if (this.atEnd()) this.fail(114, this.src.length);
    if (this.ch() !== ')') this.fail(115, this.pos);
    if (sign !== '' && n === 0) this.fail(126, this.pos);
    const index = sign === '-' ? this.captureCount - n + 1 : sign === '+' ? this.captureCount + n : n;
    if (index < 0 || (sign === '-' && index <= 0)) this.fail(115, this.pos);
    if (index > 0) this.deferred.push({ k: 'ref', index, name: null, offset: this.pos });
    this.pos++;
    this.unsupportedAt(`a subroutine call (?${sign}${n})`, open);
    return { nodes: [{ t: 'empty' }], repeatable: true };
  }

  /** (?(condition)yes|no): parsed for group numbering and errors; JavaScript has no conditionals. */
  private conditional(open: number): { nodes: Node[]; repeatable: boolean } {
    this.pos++; // the second '('
    this.unsupportedAt('a conditional group (?(…)…)', open);
    const condAt = this.pos;
    let isDefine = false;
    if (this.ch() === '?' || this.ch() === '*') {
      // An assertion condition: parse it as a group.
      this.pos = condAt - 1;
      this.group();
    } else if (this.ch() === '<' || this.ch() === "'") {
      const close = this.ch() === '<' ? '>' : "'";
      this.pos++;
      const nameAt = this.pos;
      const name = this.readName(close);
      this.deferred.push({ k: 'ref', index: null, name, offset: nameAt });
      if (this.ch() !== ')') this.fail(124, this.pos);
      this.pos++;
    } else {
      const close = this.src.indexOf(')', this.pos);
      if (close < 0) this.fail(114, this.src.length);
      const text = this.src.slice(this.pos, close);
      if (/^[+-]?[0-9]+$/.test(text)) {
        const n = parseInt(text, 10);
        const index = text.startsWith('-') ? this.captureCount + n + 1 : text.startsWith('+') ? this.captureCount + n : n;
        if (text.startsWith('+') || text.startsWith('-')) {
          if (n === 0) this.fail(126, close);
        }
        this.deferred.push({ k: 'ref', index: Math.max(index, 0), name: null, offset: condAt - 1 });
        if (index === 0) this.fail(115, condAt - 1);
      } else if (/^[0-9]/.test(text)) {
        let p = this.pos;
        while (isDigitCode(this.code(p))) p++;
        this.fail(124, p);
      } else if (text === 'DEFINE') {
        isDefine = true;
      } else if (text === 'R' || /^R[0-9]+$/.test(text) || /^R&[A-Za-z_][A-Za-z0-9_]*$/.test(text)) {
        // recursion tests
      } else if (text.startsWith('VERSION')) {
        // (?(VERSION>=10.0)…)
      } else {
        this.pos = condAt;
        const name = this.readName(')');
        this.deferred.push({ k: 'ref', index: null, name, offset: condAt });
        this.pos--;
      }
      this.pos = close + 1;
    }
    const saved = this.flags;
    const branches = [this.branch()];
    while (this.ch() === '|') {
      this.pos++;
      branches.push(this.branch());
    }
    this.flags = saved;
    if (this.ch() !== ')') this.fail(114, this.src.length);
    if (isDefine && branches.length > 1) this.fail(154, condAt);
    if (branches.length > 2) this.deferred.push({ k: 'error', code: 127, offset: this.pos });
    this.pos++;
    return { nodes: [{ t: 'empty' }], repeatable: true };
  }

  /** (?C), (?Cn), (?C"text"): callouts do nothing when, as in nginx, no callout function is set. */
  private callout(): null {
    this.pos++; // 'C'
    const c = this.ch();
    if (c === ')') {
      this.pos++;
      return null;
    }
    if (isDigitCode(this.code())) {
      let n = 0;
      while (isDigitCode(this.code())) {
        n = n * 10 + (this.code() - 0x30);
        this.pos++;
        if (n > 255) {
          while (isDigitCode(this.code())) this.pos++;
          this.fail(138, this.pos);
        }
      }
      if (this.ch() !== ')') this.fail(139, this.pos);
      this.pos++;
      return null;
    }
    const delimiters = "`'\"^%#${";
    if (c !== '' && delimiters.includes(c)) {
      const end = c === '{' ? '}' : c;
      this.pos++;
      for (;;) {
        if (this.atEnd()) this.fail(181, this.src.length);
        if (this.ch() === end) {
          if (this.ch(this.pos + 1) === end) {
            this.pos += 2;
            continue;
          }
          this.pos++;
          break;
        }
        this.pos++;
      }
      if (this.ch() !== ')') this.fail(139, this.pos);
      this.pos++;
      return null;
    }
    return this.fail(182, this.pos);
  }

  /** (?imnsxJU-imnsxJU) and (?^…), alone or as (?i:…). */
  private options(open: number): { nodes: Node[]; repeatable: boolean } | null {
    const next: { -readonly [K in keyof Flags]: Flags[K] } = { ...this.flags };
    let on = true;
    let sawHyphen = false;
    if (this.ch() === '^') {
      Object.assign(next, { i: false, m: false, s: false, x: false, xx: false, n: false, U: false });
      this.pos++;
      if (this.ch() === '-') this.fail(194, this.pos);
    }
    for (;;) {
      const c = this.ch();
      if (c === '') this.fail(114, this.src.length);
      if (c === ')' || c === ':') break;
      this.pos++;
      switch (c) {
        case '-':
          if (sawHyphen) this.fail(194, this.pos - 1);
          sawHyphen = true;
          on = false;
          break;
        case 'i': next.i = on; break;
        case 'm': next.m = on; break;
        case 's': next.s = on; break;
        case 'n': next.n = on; break;
        case 'U': next.U = on; break;
        case 'J': next.J = on; break;
        case 'x':
          if (on && this.ch() === 'x') {
            this.pos++;
            next.xx = true;
          } else if (!on) {
            next.xx = false;
          }
          next.x = on;
          break;
        default:
          this.fail(111, this.pos - 1);
      }
    }
    if (this.ch() === ')') {
      this.pos++;
      this.flags = next;
      return null;
    }
    this.pos++; // ':'
    const saved = this.flags;
    this.flags = next;
    const group = this.groupBody(open, 'noncapture');
    this.flags = saved;
    return group;
  }

  /** (*VERB), (*VERB:NAME) and the alphabetic assertions (*pla:…) etc. */
  private verb(open: number): { nodes: Node[]; repeatable: boolean } | null {
    this.pos++; // '*'
    const start = this.pos;
    while (/[A-Za-z_]/.test(this.ch())) this.pos++;
    const name = this.src.slice(start, this.pos);
    const lower = name.toLowerCase();
    if (this.ch() === ':' && name !== '' && ALPHA_ASSERTIONS.has(name)) {
      this.pos++;
      const kind = ALPHA_ASSERTIONS.get(name) as string;
      if (kind === 'lookahead' || kind === 'negLookahead' || kind === 'lookbehind' || kind === 'negLookbehind') {
        return this.groupBody(open, kind);
      }
      this.unsupportedAt(`the ${kind} assertion (*${name}:…)`, open);
      return this.groupBody(open, 'noncapture');
    }
    if (ALPHA_ASSERTIONS.has(lower) || (name !== '' && name === lower && this.ch() !== ':' && !VERBS.has(name))) {
      if (name === lower) this.fail(195, this.pos);
    }
    if (!VERBS.has(name)) this.fail(160, this.pos);
    let arg = '';
    if (this.ch() === ':') {
      this.pos++;
      const close = this.src.indexOf(')', this.pos);
      if (close < 0) this.fail(114, this.src.length);
      arg = this.src.slice(this.pos, close);
      this.pos = close;
    }
    if (this.ch() !== ')') {
      if (this.atEnd()) this.fail(114, this.src.length);
      this.fail(160, this.pos);
    }
    if ((name === 'MARK' || name === '') && arg === '') this.fail(166, this.pos);
    this.pos++;
    if (name === 'FAIL' || name === 'F') return { nodes: [{ t: 'fail' }], repeatable: false };
    if (name === 'MARK' || name === '') return null; // a mark only names a path; nginx never reads it
    this.unsupportedAt(`the backtracking verb (*${name})`, open);
    return null;
  }

  // ---- classes -------------------------------------------------------------------------------

  /** A character class at pos (the `[`), resolved to the bytes it matches. */
  private charClass(): Node {
    const open = this.pos;
    // [:alpha:] outside a class, and the word-boundary spellings [[:<:]] and [[:>:]].
    const after = this.ch(open + 1);
    if ((after === ':' || after === '.' || after === '=') && this.posixSyntax(open + 1) !== null) {
      this.fail(after === ':' ? 112 : 113, open);
    }
    if (this.src.startsWith('[[:<:]]', open) || this.src.startsWith('[[:>:]]', open)) {
      this.pos += 7;
      return { t: 'assert', kind: this.src[open + 3] === '<' ? 'wordStart' : 'wordEnd' };
    }
    this.pos++;
    let negated = false;
    if (this.ch() === '^') {
      negated = true;
      this.pos++;
    }
    const bytes = emptySet();
    const caseless = this.flags.i;
    const add = (c: number): void => {
      bytes[c] = 1;
      if (caseless) bytes[otherCase(c)] = 1;
    };
    // The last single character, which a following '-' may turn into the start of a range.
    let rangeStart: number | null = null;
    // RANGE_STARTED in parse_regex(): a '-' followed a character; the next character ends the range.
    let rangePending = false;
    const addChar = (c: number): void => {
      if (rangePending && rangeStart !== null) {
        if (c < rangeStart) this.fail(108, this.pos - 1);
        for (let x = rangeStart; x <= c; x++) add(x);
        rangeStart = null;
        rangePending = false;
        return;
      }
      add(c);
      rangeStart = c;
    };
    // A class item that is not a character may not end a range, nor start one.
    const addSet = (set: ByteSet, errorAt: number): void => {
      if (rangePending) this.fail(150, errorAt);
      addAll(bytes, set);
      rangeStart = null;
      if (this.ch() === '-' && this.pos < this.src.length - 1 && this.ch(this.pos + 1) !== ']') {
        this.fail(150, this.pos);
      }
    };
    let first = true;
    let inQuote = false;
    for (;;) {
      if (this.atEnd()) this.fail(106, this.src.length);
      if (inQuote) {
        if (this.src.startsWith('\\E', this.pos)) {
          this.pos += 2;
          inQuote = false;
        } else {
          this.pos++;
          addChar(this.code(this.pos - 1));
        }
        continue;
      }
      const c = this.ch();
      if (this.flags.xx && (c === ' ' || c === '\t')) {
        this.pos++;
        continue;
      }
      if (c === ']' && !first) {
        this.pos++;
        break;
      }
      first = false;
      if (c === '[') {
        const t = this.ch(this.pos + 1);
        const end = t === ':' || t === '.' || t === '=' ? this.posixSyntax(this.pos + 1) : null;
        if (end !== null) {
          if (t !== ':') this.fail(113, this.pos);
          if (rangePending) this.fail(150, this.pos + 1);
          let nameStart = this.pos + 2;
          const neg = this.ch(nameStart) === '^';
          if (neg) nameStart++;
          const name = this.src.slice(nameStart, end);
          // With (?i), [:lower:] and [:upper:] mean [:alpha:] (PCRE2's compile_class()).
          const set = POSIX_CLASSES.get(caseless && (name === 'lower' || name === 'upper') ? 'alpha' : name);
          if (set === undefined) this.fail(130, nameStart);
          this.pos = end + 2;
          addSet(neg ? complement(set) : set, this.pos);
          continue;
        }
      }
      if (c === '\\') {
        const esc = this.escape(true);
        if (esc.k === 'quote') inQuote = true;
        else if (esc.k === 'char') addChar(esc.c);
        else if (esc.k === 'set') addSet(esc.bytes, this.pos);
        continue;
      }
      this.pos++;
      if (c === '-' && rangeStart !== null && !rangePending && !this.atEnd() && this.ch() !== ']') {
        rangePending = true;
        continue;
      }
      addChar(c.charCodeAt(0));
    }
    return this.setNode(negated ? complement(bytes) : bytes, negated);
  }

  /**
   * check_posix_syntax(): with `at` on the ':' '.' or '=' after a '[', the offset of the matching
   * terminator (":]" etc.), or null when this is not POSIX class syntax.
   */
  private posixSyntax(at: number): number | null {
    const term = this.ch(at);
    for (let p = at + 1; this.src.length - p >= 2; p++) {
      const c = this.ch(p);
      const n = this.ch(p + 1);
      if (c === '\\' && (n === ']' || n === '\\')) {
        p++;
      } else if ((c === '[' && n === term) || c === ']') {
        return null;
      } else if (c === term && n === ']') {
        return p;
      }
    }
    return null;
  }

  // ---- checks after parsing ------------------------------------------------------------------

  /** ERR25: each top-level branch of a lookbehind must have a fixed length (PCRE2 10.42 rules). */
  private checkLookbehinds(node: Node): void {
    const visit = (n: Node): void => {
      switch (n.t) {
        case 'seq':
          n.items.forEach(visit);
          return;
        case 'alt':
          n.branches.forEach(visit);
          return;
        case 'repeat':
          visit(n.body);
          return;
        case 'group':
          if (n.kind === 'lookbehind' || n.kind === 'negLookbehind') {
            const branches = n.body.t === 'alt' ? n.body.branches : [n.body];
            for (const b of branches) {
              const len = this.fixedLength(b, node);
              if (len === null) this.fail(125, n.offset);
              if (len > MAX_REPEAT) this.fail(187, n.offset);
            }
          }
          visit(n.body);
          return;
        default:
          return;
      }
    };
    visit(node);
  }

  /** The fixed length of a node in bytes, or null when it can vary. */
  private fixedLength(n: Node, root: Node): number | null {
    switch (n.t) {
      case 'empty':
      case 'assert':
      case 'fail':
        return 0;
      case 'char':
      case 'set':
        return 1;
      case 'newlineSeq':
        return null;
      case 'seq': {
        let total = 0;
        for (const item of n.items) {
          const l = this.fixedLength(item, root);
          if (l === null) return null;
          total += l;
        }
        return total;
      }
      case 'alt': {
        let len: number | null = null;
        for (const b of n.branches) {
          const l = this.fixedLength(b, root);
          if (l === null || (len !== null && l !== len)) return null;
          len = l;
        }
        return len ?? 0;
      }
      case 'group':
        if (n.kind !== 'capture' && n.kind !== 'noncapture') return 0;
        return this.fixedLength(n.body, root);
      case 'repeat': {
        if (n.min !== n.max) return null;
        const l = this.fixedLength(n.body, root);
        return l === null ? null : l * n.min;
      }
      case 'backref': {
        const target = n.index !== null ? n.index : n.name !== null ? (this.namesSeen.get(n.name) ?? -1) : -1;
        const group = findGroup(root, target);
        return group === null ? null : this.fixedLength(group, root);
      }
    }
  }

  /** Gives named back references their group number. */
  private resolveNamedRefs(node: Node): Node {
    const map = (n: Node): Node => {
      switch (n.t) {
        case 'seq':
          return { t: 'seq', items: n.items.map(map) };
        case 'alt':
          return { t: 'alt', branches: n.branches.map(map) };
        case 'repeat':
          return { ...n, body: map(n.body) };
        case 'group':
          return { ...n, body: map(n.body) };
        case 'backref':
          if (n.index === null && n.name !== null) return { ...n, index: this.namesSeen.get(n.name) ?? null };
          return n;
        default:
          return n;
      }
    };
    return map(node);
  }
}

/** The body of capture group `index`, or null. */
function findGroup(node: Node, index: number): Node | null {
  switch (node.t) {
    case 'seq':
      for (const i of node.items) {
        const f = findGroup(i, index);
        if (f) return f;
      }
      return null;
    case 'alt':
      for (const b of node.branches) {
        const f = findGroup(b, index);
        if (f) return f;
      }
      return null;
    case 'repeat':
      return findGroup(node.body, index);
    case 'group':
      if (node.kind === 'capture' && node.index === index) return node.body;
      return findGroup(node.body, index);
    default:
      return null;
  }
}
