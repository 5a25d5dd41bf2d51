/**
 * The statement reader: ngx_conf_parse's loop over ngx_conf_read_token (src/core/ngx_conf_file.c),
 * run over the tokens of the moo lexer (src/config/lexer.ts). It groups them into what the grammar
 * (grammar/nginx.ne) reads — a run of directives ended by `;` and of comments between statements
 * (`lines`), a directive's name and arguments with the `{` of its block (`open`), a `}` — and finds
 * the first place where nginx stops with a syntax error, with nginx's message and line.
 *
 * With a token per word the Earley parse was most of the parse's time (bench/parse-check.mjs): a
 * token costs nearley about the same whatever it holds, and a location of two directives is three
 * tokens here against eleven words and punctuation marks.
 */
import type { Comment, Directive, Position } from './ast.js';
import { createLexer } from './lexer.js';
import { buildComment, buildDirective, startOf, type Tok } from './syntax-nodes.js';

/**
 * Blocks nested deeper than this are refused. nginx has no limit, but an Earley parse grows with
 * the number of open blocks per token, and no real configuration nests more than a dozen levels.
 */
export const MAX_DEPTH = 200;

/** nginx's configuration buffer (NGX_CONF_BUFFER): a token may not fill it. */
const CONF_BUFFER = 4096;

/** A token of the moo lexer. */
export interface LexToken extends Tok {
  readonly type: string;
}

/**
 * Statements without a block, one after another: directives ended by `;` and comments (not those
 * between a directive's arguments). They have no structure left for the grammar to find.
 */
export interface LinesToken {
  readonly type: 'lines';
  readonly nodes: (Directive | Comment)[];
}

/** A block directive's name and arguments, up to the `{` of its block. */
export interface OpenToken {
  readonly type: 'open';
  readonly name: LexToken;
  readonly args: LexToken[];
  readonly brace: LexToken;
}

/** What the grammar reads: runs of lines, a block's opening line, and `}` (the lexer's token). */
export type GrammarToken = LinesToken | OpenToken | LexToken;

/** Where nginx stopped reading the file. */
export interface Failure {
  readonly message: string;
  readonly position: Position;
}

/** A file read into statements. */
export interface Statements {
  /** The statements before the one nginx failed in (that one left out), or all of them. */
  readonly tokens: GrammarToken[];
  /** Every comment of the file, in order, including those between arguments and after a failure. */
  readonly comments: Comment[];
  readonly failure: Failure | null;
  /** Blocks open after `tokens` (non-zero only with a failure). */
  readonly depth: number;
}

const GRAMMAR_TYPES: ReadonlySet<string> = new Set(['lines', 'open', 'rbrace']);

/**
 * The lexer nearley is given: only its `has` is used, when the grammar is loaded, to tell token
 * types (`%lines`) from the grammar's own token matchers. moo's own `has` answers true for every name.
 */
export const grammarLexer = { has: (type: string): boolean => GRAMMAR_TYPES.has(type) };

/**
 * Reads `text` into statements; the nodes it builds name the file set by setCurrentFile. `param` is
 * for -g text, which nginx reads as a parameter, not a file, and words its end differently
 * (ngx_conf_read_token, parse_param).
 */
export function readStatements(text: string, param: boolean): Statements {
  const lexer = createLexer();
  lexer.reset(text);
  const tokens: GrammarToken[] = [];
  const comments: Comment[] = [];
  let depth = 0;
  let name: LexToken | null = null;
  let args: LexToken[] = [];
  let failure: Failure | null = null;
  // The run of lines being read, when the last grammar token is one.
  let run: (Directive | Comment)[] | null = null;
  for (let t = lexer.next() as LexToken | undefined; t !== undefined; t = lexer.next() as LexToken | undefined) {
    const type = t.type;
    if (type === 'ws') continue;
    // The token's own text: the lexer's rules match it with the whitespace that ends it.
    (t as { text: string }).text = tokenText(type, t.text);
    if (failure !== null) {
      // Comments are kept whole, also past the failure: a formatter or a suppression comment needs them.
      if (type === 'comment') comments.push(buildComment(t));
      continue;
    }
    const long = tooLong(t);
    if (long !== null) {
      failure = { message: long, position: startOf(t) };
      if (type === 'comment') comments.push(buildComment(t));
      continue;
    }
    switch (type) {
      case 'comment': {
        const node = buildComment(t);
        comments.push(node);
        // Between a directive's arguments a comment is only kept in the file's comment list.
        if (name === null) {
          if (run === null) tokens.push({ type: 'lines', nodes: (run = []) });
          run.push(node);
        }
        break;
      }
      case 'word':
      case 'dq':
      case 'sq':
        if (name === null) name = t;
        else args.push(t);
        break;
      case 'semi':
        if (name === null) {
          failure = { message: `unexpected "${t.text}"`, position: startOf(t) };
          break;
        }
        if (run === null) tokens.push({ type: 'lines', nodes: (run = []) });
        run.push(buildDirective(name, args, t, null, null));
        name = null;
        args = [];
        break;
      case 'lbrace':
        if (name === null) failure = { message: `unexpected "${t.text}"`, position: startOf(t) };
        else if (depth + 1 > MAX_DEPTH) failure = { message: `blocks nested deeper than ${MAX_DEPTH} levels`, position: startOf(t) };
        else {
          depth++;
          tokens.push({ type: 'open', name, args, brace: t });
          run = null;
          name = null;
          args = [];
        }
        break;
      case 'rbrace':
        if (name !== null || depth === 0) failure = { message: 'unexpected "}"', position: startOf(t) };
        else {
          depth--;
          tokens.push(t);
          run = null;
        }
        break;
      case 'junk':
        failure = { message: `unexpected "${t.text}"`, position: startOf(t) };
        break;
      case 'unterminated':
        failure = { message: 'unexpected end of file, expecting ";" or "}"', position: endPosition(text) };
        break;
      default:
        throw new Error(`unknown token type ${type}`);
    }
  }
  if (failure === null && name !== null) {
    failure = { message: param ? 'unexpected end of parameter, expecting ";"' : 'unexpected end of file, expecting ";" or "}"', position: endPosition(text) };
  } else if (failure === null && depth > 0) {
    failure = { message: 'unexpected end of file, expecting "}"', position: endPosition(text) };
  }
  return { tokens, comments, failure, depth: failure === null ? 0 : depth };
}

/** `text` without the whitespace the lexer's rule for `type` matched after the token. */
function tokenText(type: string, text: string): string {
  switch (type) {
    case 'semi':
    case 'lbrace':
    case 'rbrace':
      return text.length === 1 ? text : text[0]!;
    case 'comment': {
      // A comment runs to the end of its line: spaces before the newline are the comment's.
      const nl = text.indexOf('\n');
      return nl < 0 ? text : text.slice(0, nl);
    }
    case 'word': {
      let end = text.length;
      while (end > 0 && isSpace(text.charCodeAt(end - 1))) end--;
      if (end === text.length) return text;
      // A backslash protects the character after it: an odd run of backslashes before the
      // whitespace took its first character into the word.
      let slashes = 0;
      while (end - slashes > 0 && text.charCodeAt(end - slashes - 1) === 0x5c) slashes++;
      if (slashes % 2 === 1) end++;
      return text.slice(0, end);
    }
    default:
      return text;
  }
}

/** nginx's whitespace: space, tab, CR, LF. */
function isSpace(c: number): boolean {
  return c === 0x20 || c === 0x09 || c === 0x0d || c === 0x0a;
}

/**
 * nginx's limit on a token: it may not fill the 4096-byte buffer before nginx has read the
 * character after it (for a quoted string, the one after the closing quote).
 */
function tooLong(t: LexToken): string | null {
  const raw = t.text;
  const type = t.type;
  if (type === 'comment' || type === 'word') {
    if (raw.length < CONF_BUFFER) return null;
    return `too long parameter "${raw.slice(0, 10)}..." started`;
  }
  if (type === 'dq' || type === 'sq' || type === 'unterminated') {
    const content = raw.length - 1 - (type === 'unterminated' ? 0 : 1);
    if (content < CONF_BUFFER - 1) return null;
    if (content === CONF_BUFFER - 1 && type !== 'unterminated') {
      return `too long parameter "${raw.slice(1, 11)}..." started`;
    }
    return `too long parameter, probably missing terminating "${raw[0]}" character`;
  }
  return null;
}

/** The position nginx reports at end of file: its line counter after the last byte. */
function endPosition(text: string): Position {
  let line = 1;
  let lastNl = -1;
  for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) {
    line++;
    lastNl = i;
  }
  return { line, column: text.length - lastNl, offset: text.length };
}
