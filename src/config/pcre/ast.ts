/**
 * The syntax tree of a PCRE2 pattern as nginx compiles it: 8-bit, non-UTF, default "C" character
 * tables. Characters are bytes (0-255); character classes are resolved to byte sets while parsing, so
 * that case folding and `\d`, `[:alpha:]` … mean exactly what PCRE2's tables say.
 */

/** A set of bytes, one flag per value 0-255. */
export type ByteSet = Uint8Array;

/** Option letters that change how later parts of the pattern are read or matched. */
export interface Flags {
  /** (?i) / NGX_REGEX_CASELESS: ASCII letters match either case (PCRE2's C-locale tables). */
  readonly i: boolean;
  /** (?m): `^` and `$` also match at internal newlines. */
  readonly m: boolean;
  /** (?s): `.` matches a newline too. */
  readonly s: boolean;
  /** (?x): white space and #-comments outside classes are ignored. */
  readonly x: boolean;
  /** (?xx): space and tab inside classes are ignored as well. */
  readonly xx: boolean;
  /** (?n): plain parentheses do not capture. */
  readonly n: boolean;
  /** (?U): quantifiers are lazy by default, `?` makes them greedy. */
  readonly U: boolean;
  /** (?J): duplicate group names are allowed. */
  readonly J: boolean;
}

/** Zero-width assertions PCRE2 and JavaScript both know, after option resolution. */
export type AssertKind =
  | 'start' //       ^ without (?m), \A, \G (nginx always matches from offset 0)
  | 'end' //         \z
  | 'endOrNewline' // $ without (?m), \Z: at the end or before a final newline
  | 'lineStart' //   ^ with (?m)
  | 'lineEnd' //     $ with (?m)
  | 'wordBoundary'
  | 'notWordBoundary'
  | 'wordStart' //   [[:<:]]
  | 'wordEnd'; //    [[:>:]]

export type Node =
  | { readonly t: 'empty' }
  /** One byte; `caseless` when (?i) applied to an ASCII letter. */
  | { readonly t: 'char'; readonly c: number; readonly caseless: boolean }
  /** A class or class-like escape, as the bytes it matches; `negated` keeps PCRE's intent for emission. */
  | { readonly t: 'set'; readonly bytes: ByteSet; readonly negated: boolean; readonly caseSensitiveLetters: boolean }
  | { readonly t: 'assert'; readonly kind: AssertKind }
  /**
   * \R: a newline sequence (not fixed length): CRLF, LF, VT, FF, CR or NEL, or only CRLF, LF and CR
   * after (*BSR_ANYCRLF). Also stands in for \X, which is refused as unsupported.
   */
  | { readonly t: 'newlineSeq'; readonly anyCrlf: boolean }
  | { readonly t: 'seq'; readonly items: readonly Node[] }
  | { readonly t: 'alt'; readonly branches: readonly Node[] }
  | {
      readonly t: 'group';
      readonly kind: 'capture' | 'noncapture' | 'lookahead' | 'negLookahead' | 'lookbehind' | 'negLookbehind';
      /** Capture number, for kind 'capture'. */
      readonly index?: number;
      readonly name?: string;
      readonly body: Node;
      /** Offset of the opening parenthesis (PCRE2 reports lookbehind errors there). */
      readonly offset: number;
    }
  | {
      readonly t: 'repeat';
      readonly min: number;
      /** Infinity for no upper bound. */
      readonly max: number;
      readonly lazy: boolean;
      readonly body: Node;
    }
  | {
      readonly t: 'backref';
      /** Capture number, or null for a named reference resolved after parsing. */
      readonly index: number | null;
      readonly name: string | null;
      readonly caseless: boolean;
      /** Offset PCRE2 reports for `reference to non-existent subpattern`. */
      readonly offset: number;
    }
  /** (*FAIL) */
  | { readonly t: 'fail' };
