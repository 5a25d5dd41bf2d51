/**
 * nginx's regular expressions (ngx_regex_compile, src/core/ngx_regex.c) on JavaScript: a PCRE2
 * pattern, as nginx hands it to pcre2_compile() (8-bit, no UTF, PCRE2_CASELESS for `~*`), becomes a
 * RegExp that matches the same strings with the same capture numbers, or an error worded as nginx
 * words it.
 *
 * Subjects and patterns are byte strings (one character per byte, latin1), as nginx sees them and as
 * the configuration reader decodes files. The RegExp therefore has no `u` flag, and everything whose
 * meaning depends on character tables is spelled out byte by byte: `.` is `[^\n]`, `\s` is
 * `[\t\n\v\f\r ]`, `$` is `(?=\n?$)`, and (?i) folds ASCII letters only, as PCRE2's default C-locale
 * tables do (JavaScript's `i` flag would also fold latin1 letters such as 0xC9/0xE9).
 */
import type { ByteSet, Node } from './pcre/ast.js';
import { complement } from './pcre/bytes.js';
import { findCaptureMismatch } from './pcre/captures.js';
import { PCRE2_MESSAGES, parsePcre } from './pcre/parse.js';

/** A compiled pattern, or why there is none. */
export type PcreCompileResult =
  | {
      readonly ok: true;
      readonly re: RegExp;
      /** Number of capturing groups, as PCRE2_INFO_CAPTURECOUNT: `$1`..`$n` in nginx. */
      readonly captures: number;
      /** Names of named groups in group-number order; nginx makes each a variable. */
      readonly names: readonly string[];
    }
  | {
      readonly ok: false;
      readonly message: string;
      /**
       * invalid: nginx rejects the pattern too (the message is nginx's). unsupported: nginx accepts it,
       * but it uses a PCRE2 construct a JavaScript RegExp cannot run (the message names it).
       */
      readonly kind: 'invalid' | 'unsupported';
    };

/**
 * Compiles a PCRE2 pattern as nginx does (`caseless` for `~*`, NGX_REGEX_CASELESS) into a RegExp over
 * byte strings. Invalid patterns give nginx's `pcre2_compile() failed: … in "…" at "…"` message.
 */
export function compilePcre(pattern: string, caseless: boolean): PcreCompileResult {
  const key = (caseless ? 'i' : '-') + pattern;
  let r = compiled.get(key);
  if (r === undefined) {
    // Bounded: a reloading server reads new patterns for as long as it runs.
    if (compiled.size >= COMPILED_MAX) compiled.clear();
    compiled.set(key, (r = translate(pattern, caseless)));
  }
  return r;
}

// The results by pattern. The check reads a location's pattern, the unknown-variable check reads it
// again for its named groups, the compile a third time (bench/parse-check.mjs: 1,000 patterns). A
// result is never changed by its readers, and its RegExp has neither g nor y, so lastIndex does
// not matter and one RegExp can serve every reader.
const compiled = new Map<string, PcreCompileResult>();
const COMPILED_MAX = 20_000;

function translate(pattern: string, caseless: boolean): PcreCompileResult {
  const src = toByteString(pattern);
  const parsed = parsePcre(src, caseless);
  if (!parsed.ok) {
    const text = PCRE2_MESSAGES[parsed.code] ?? `PCRE2 error ${parsed.code}`;
    return { ok: false, kind: 'invalid', message: `pcre2_compile() failed: ${text} in "${src}"${at(src, parsed.offset)}` };
  }
  if (parsed.unsupported !== null) {
    return unsupported(src, parsed.unsupported.what, parsed.unsupported.offset);
  }
  const mismatch = findCaptureMismatch(parsed.node);
  if (mismatch !== null) return unsupported(src, mismatch.what, mismatch.offset);

  const emitter = new Emitter();
  const source = emitter.emit(parsed.node);
  let flags = '';
  if (emitter.caselessBackref) {
    // A caseless back reference needs the i flag; it is exact only when nothing else is case-sensitive.
    if (emitter.caseSensitive) {
      return unsupported(src, 'a caseless back reference in a partly case-sensitive pattern', emitter.caselessBackrefOffset);
    }
    flags = 'i';
  }
  let re: RegExp;
  try {
    re = new RegExp(source, flags);
  } catch (err) {
    return unsupported(src, `a construct JavaScript rejects (${(err as Error).message})`, src.length);
  }
  const names: string[] = [];
  for (let i = 1; i <= parsed.captures; i++) {
    const name = parsed.groupNames[i];
    if (name !== undefined) names.push(name);
  }
  return Object.freeze({ ok: true, re, captures: parsed.captures, names: Object.freeze(names) });
}

/** nginx appends ` at "<rest>"` unless the error offset is the end of the pattern. */
function at(src: string, offset: number): string {
  return offset >= src.length ? '' : ` at "${src.slice(offset)}"`;
}

function unsupported(src: string, what: string, offset: number): PcreCompileResult {
  return {
    ok: false,
    kind: 'unsupported',
    message: `${what} in "${src}"${at(src, offset)} is not supported by ngts: JavaScript regular expressions cannot run it`,
  };
}

/** Characters above 0xFF cannot be bytes; they can only have come from UTF-8 text, so encode them. */
function toByteString(pattern: string): string {
  // eslint-disable-next-line no-control-regex
  if (!/[^\u0000-\u00ff]/.test(pattern)) return pattern;
  return Buffer.from(pattern, 'utf8').toString('latin1');
}

/** A byte as it may appear in a RegExp source, in or out of a class. */
function esc(c: number): string {
  if ((c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || c === 0x5f) {
    return String.fromCharCode(c);
  }
  return '\\x' + c.toString(16).padStart(2, '0');
}

/** The members of a byte set as the inside of a RegExp class: runs become ranges. */
function ranges(set: ByteSet): string {
  let out = '';
  for (let c = 0; c < 256; c++) {
    if (!set[c]) continue;
    let end = c;
    while (end + 1 < 256 && set[end + 1]) end++;
    if (end === c) out += esc(c);
    else if (end === c + 1) out += esc(c) + esc(end);
    else out += `${esc(c)}-${esc(end)}`;
    c = end;
  }
  return out;
}

function count(set: ByteSet): number {
  let n = 0;
  for (let c = 0; c < 256; c++) n += set[c] as number;
  return n;
}

/** Turns the PCRE2 tree into RegExp source, noting what decides the flags. */
class Emitter {
  caselessBackref = false;
  caselessBackrefOffset = 0;
  /** Something that must not be folded: then a caseless back reference cannot be expressed. */
  caseSensitive = false;

  emit(n: Node): string {
    switch (n.t) {
      case 'empty':
        return '';
      case 'fail':
        return '(?!)';
      case 'char':
        if (n.caseless) return `[${esc(n.c)}${esc(n.c ^ 0x20)}]`;
        if ((n.c | 0x20) >= 0x61 && (n.c | 0x20) <= 0x7a) this.caseSensitive = true;
        return esc(n.c);
      case 'set': {
        if (n.caseSensitiveLetters) this.caseSensitive = true;
        if (n.negated) {
          const excluded = complement(n.bytes);
          return count(excluded) === 0 ? '[^]' : `[^${ranges(excluded)}]`;
        }
        const members = count(n.bytes);
        if (members === 1) return esc(n.bytes.indexOf(1));
        return `[${ranges(n.bytes)}]`;
      }
      case 'assert':
        switch (n.kind) {
          case 'start':
            return '^';
          case 'end':
            return '$';
          case 'endOrNewline':
            return '(?=\\n?$)';
          case 'lineStart':
            // After an internal newline, but not after a newline that ends the subject.
            return '(?:^|(?<=\\n)(?!$))';
          case 'lineEnd':
            return '(?=\\n|$)';
          case 'wordBoundary':
            return '\\b';
          case 'notWordBoundary':
            return '\\B';
          case 'wordStart':
            return '\\b(?=\\w)';
          case 'wordEnd':
            return '\\b(?<=\\w)';
        }
        return '';
      case 'newlineSeq':
        // PCRE2's \R is atomic: a CR followed by LF is always taken as one CRLF, never as a lone CR.
        return n.anyCrlf ? '(?:\\r\\n|\\r(?!\\n)|\\n)' : '(?:\\r\\n|\\r(?!\\n)|[\\n\\x0b\\f\\x85])';
      case 'seq':
        return n.items.map((i) => this.emit(i)).join('');
      case 'alt':
        return n.branches.map((b) => this.emit(b)).join('|');
      case 'group': {
        const body = this.emit(n.body);
        switch (n.kind) {
          case 'capture':
            return n.name !== undefined ? `(?<${n.name}>${body})` : `(${body})`;
          case 'noncapture':
            return `(?:${body})`;
          case 'lookahead':
            return `(?=${body})`;
          case 'negLookahead':
            return `(?!${body})`;
          case 'lookbehind':
            return `(?<=${body})`;
          case 'negLookbehind':
            return `(?<!${body})`;
        }
        return body;
      }
      case 'repeat': {
        const body = this.emit(n.body);
        const atom = isAtom(n.body) ? body : `(?:${body})`;
        return atom + quantifier(n.min, n.max) + (n.lazy ? '?' : '');
      }
      case 'backref':
        if (n.caseless && !this.caselessBackref) {
          this.caselessBackref = true;
          this.caselessBackrefOffset = n.offset;
        }
        if (!n.caseless) this.caseSensitive = true;
        // Wrapped so that a following digit is never read as part of the group number.
        return `(?:\\${n.index ?? 0})`;
    }
  }
}

/** Whether the RegExp source of a node is one quantifiable unit. */
function isAtom(n: Node): boolean {
  switch (n.t) {
    case 'char':
    case 'set':
    case 'backref':
    case 'newlineSeq':
      return true;
    case 'group':
      // JavaScript rejects a quantified lookbehind; wrap every lookaround to be safe.
      return n.kind === 'capture' || n.kind === 'noncapture';
    default:
      return false;
  }
}

function quantifier(min: number, max: number): string {
  if (min === 0 && max === Infinity) return '*';
  if (min === 1 && max === Infinity) return '+';
  if (min === 0 && max === 1) return '?';
  if (max === Infinity) return `{${min},}`;
  if (min === max) return `{${min}}`;
  return `{${min},${max}}`;
}
