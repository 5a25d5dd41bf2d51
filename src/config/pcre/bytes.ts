/**
 * Byte sets for PCRE2's character types in its default "C" locale tables (pcre2_chartables.c), which
 * nginx uses: nginx never calls pcre2_maketables(), so `\w`, `\s`, `[:alpha:]` and case folding are
 * ASCII-only and bytes 128-255 are never letters, digits or spaces.
 */
import type { ByteSet } from './ast.js';

/** An empty byte set. */
export function emptySet(): ByteSet {
  return new Uint8Array(256);
}

function setOf(pred: (c: number) => boolean): ByteSet {
  const s = emptySet();
  for (let c = 0; c < 256; c++) if (pred(c)) s[c] = 1;
  return s;
}

const isDigit = (c: number): boolean => c >= 0x30 && c <= 0x39;
const isUpper = (c: number): boolean => c >= 0x41 && c <= 0x5a;
const isLower = (c: number): boolean => c >= 0x61 && c <= 0x7a;
const isAlpha = (c: number): boolean => isUpper(c) || isLower(c);
const isGraph = (c: number): boolean => c >= 0x21 && c <= 0x7e;

/** ctype_word: what `\w` and group names are made of. */
export function isWordByte(c: number): boolean {
  return isAlpha(c) || isDigit(c) || c === 0x5f;
}

/** The ASCII letter of the other case, or the byte itself (PCRE2's fcc table in the C locale). */
export function otherCase(c: number): number {
  if (isUpper(c)) return c + 0x20;
  if (isLower(c)) return c - 0x20;
  return c;
}

/** Whether `c` is an ASCII letter, the only bytes that (?i) folds. */
export function isAsciiLetter(c: number): boolean {
  return isAlpha(c);
}

/** Character types of escapes: \d \s \w \h \v and their negations come from these. */
export const DIGIT = setOf(isDigit);
/** PCRE2 \s: space, \t \n \v \f \r (VT included since PCRE 8.34). */
export const SPACE = setOf((c) => c === 0x20 || (c >= 0x09 && c <= 0x0d));
export const WORD = setOf(isWordByte);
/** \h in 8-bit non-UTF mode: tab, space, NBSP. */
export const HSPACE = setOf((c) => c === 0x09 || c === 0x20 || c === 0xa0);
/** \v in 8-bit non-UTF mode: LF, VT, FF, CR, NEL. */
export const VSPACE = setOf((c) => (c >= 0x0a && c <= 0x0d) || c === 0x85);
/** What `.` matches without (?s) and what \N matches: anything but the newline (LF). */
export const NOT_NEWLINE = setOf((c) => c !== 0x0a);
/** Every byte: `.` with (?s), \C. */
export const ANY_BYTE = setOf(() => true);

/** POSIX class names PCRE2 accepts inside a class, with their C-locale members. */
export const POSIX_CLASSES: ReadonlyMap<string, ByteSet> = new Map([
  ['alpha', setOf(isAlpha)],
  ['lower', setOf(isLower)],
  ['upper', setOf(isUpper)],
  ['alnum', setOf((c) => isAlpha(c) || isDigit(c))],
  ['ascii', setOf((c) => c < 0x80)],
  ['blank', setOf((c) => c === 0x20 || c === 0x09)],
  ['cntrl', setOf((c) => c < 0x20 || c === 0x7f)],
  ['digit', DIGIT],
  ['graph', setOf(isGraph)],
  ['print', setOf((c) => c >= 0x20 && c <= 0x7e)],
  ['punct', setOf((c) => isGraph(c) && !isAlpha(c) && !isDigit(c))],
  ['space', SPACE],
  ['word', WORD],
  ['xdigit', setOf((c) => isDigit(c) || (c >= 0x41 && c <= 0x46) || (c >= 0x61 && c <= 0x66))],
]);

/** The complement of a set. */
export function complement(s: ByteSet): ByteSet {
  return setOf((c) => s[c] === 0);
}

/** Adds every member of `from` to `into`. */
export function addAll(into: ByteSet, from: ByteSet): void {
  for (let c = 0; c < 256; c++) if (from[c]) into[c] = 1;
}

/** Whether a set contains an ASCII letter without its other case (so that folding would change it). */
export function hasUnfoldedLetter(s: ByteSet): boolean {
  for (let c = 0x41; c <= 0x7a; c++) if (s[c] && isAlpha(c) && !s[otherCase(c)]) return true;
  return false;
}
