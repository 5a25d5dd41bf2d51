/**
 * The syntax tree of an nginx configuration: what the grammar produces, before any directive is known.
 * It keeps everything a formatter or a linter needs: raw text, unescaped values, quoting, comments and
 * exact positions.
 */

/** A position in a source file: 1-based line and column, 0-based offset. */
export interface Position {
  readonly line: number;
  readonly column: number;
  readonly offset: number;
}

/** A half-open range of source text in one file. */
export interface Span {
  readonly file: string;
  readonly start: Position;
  readonly end: Position;
}

/** How an argument was written: unquoted, in double quotes or in single quotes. */
export type Quote = 'none' | '"' | "'";

/** One argument of a directive as nginx's tokenizer (ngx_conf_read_token) sees it. */
export interface Arg {
  /** The text as written, quotes included. */
  readonly raw: string;
  /** The text after nginx's unescaping (\" \' \\ \n \r \t); other backslashes stay. */
  readonly value: string;
  readonly quote: Quote;
  readonly span: Span;
}

/** A `#` comment, kept so that a formatter can write it back. */
export interface Comment {
  readonly kind: 'comment';
  readonly text: string;
  readonly span: Span;
}

/**
 * A directive: a name, its arguments and, for block directives, the statements of its block.
 * `end` is where nginx's tokenizer stood when it read the terminating `;` or `{`: nginx reports
 * the line of that character for most errors about the directive.
 */
export interface Directive {
  readonly kind: 'directive';
  readonly name: string;
  readonly nameSpan: Span;
  readonly args: readonly Arg[];
  /** null for a simple directive ended by `;`. */
  readonly block: readonly Statement[] | null;
  /** Span of the whole directive, from its name to its `;` or closing `}`. */
  readonly span: Span;
  /** Position of the terminating `;` or opening `{`. */
  readonly terminator: Position;
  /** Position of the closing `}` of the block, when there is one. */
  readonly blockEnd: Position | null;
}

/**
 * Where nginx's tokenizer gave up: a file whose syntax breaks ends, in its innermost open block, with
 * this node. Everything before it was parsed; nginx stops at it, and so does validation.
 */
export interface SyntaxErrorNode {
  readonly kind: 'syntax-error';
  /** nginx's message, e.g. `unexpected "}"`. */
  readonly message: string;
  /** The line nginx names (and the column we add). */
  readonly position: Position;
  readonly file: string;
}

export type Statement = Directive | Comment | SyntaxErrorNode;

/** One parsed file. */
export interface ConfigFile {
  readonly path: string;
  readonly statements: readonly Statement[];
  /** Every comment in the file, in order, including those between arguments. */
  readonly comments: readonly Comment[];
  /** The syntax error that ended parsing, if any (also present as the last node of its block). */
  readonly error: SyntaxErrorNode | null;
}
