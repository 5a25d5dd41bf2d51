/**
 * Parses one configuration file's text: the moo lexer tokenizes, the nearley grammar builds the tree.
 * When the text breaks nginx's syntax, the error is described with nginx's words and line, and the
 * statements before it are still returned (validation walks them up to the error, as nginx would).
 */
import nearley from 'nearley';
import type { ConfigFile, Directive, Position, Statement, SyntaxErrorNode } from './ast.js';
import grammar from './grammar.generated.js';
import { createLexer } from './lexer.js';
import { buildComment, setCurrentFile, startOf, type Tok } from './syntax-nodes.js';

/**
 * Blocks nested deeper than this are refused. nginx has no limit, but an Earley parse grows with
 * the number of open blocks per token, and no real configuration nests more than a dozen levels.
 */
const MAX_DEPTH = 200;

/** nginx's configuration buffer (NGX_CONF_BUFFER): a token may not fill it. */
const CONF_BUFFER = 4096;

interface LexToken extends Tok {
  readonly type: string;
}

const compiledGrammar = nearley.Grammar.fromCompiled(grammar as unknown as nearley.CompiledRules);

/** A grammar bug: nearley and nginx's rules disagree, or the grammar is ambiguous. */
export class GrammarBugError extends Error {
  override name = 'GrammarBugError';
}

interface Failure {
  /** Index of the first token not accepted. */
  readonly at: number;
  readonly message: string;
  readonly position: Position;
}

/**
 * Parses `text` (decoded as latin1: one character per byte) read from `path`.
 * Never throws for bad input; throws GrammarBugError only when the grammar itself is wrong.
 */
export function parseConfig(text: string, path: string): ConfigFile {
  const all: LexToken[] = [];
  const lexer = createLexer();
  lexer.reset(text);
  for (let t = lexer.next(); t !== undefined; t = lexer.next()) all.push(t as unknown as LexToken);
  const eof = endPosition(text);

  const tokens: LexToken[] = [];
  const comments = [];
  for (const t of all) {
    if (t.type === 'ws') continue;
    if (t.type === 'comment') comments.push(buildComment(t));
    tokens.push(t);
  }

  const failure = findFailure(tokens, eof, path === 'command line');
  setCurrentFile(path);
  if (failure === null) {
    const statements = runGrammar(tokens, tokens.length, 0, path);
    return { path, statements, comments, error: null };
  }
  // Parse what came before the statement nginx was reading when it failed; the open blocks are
  // closed so the grammar can build them, and the error becomes the last node of the innermost one.
  const { boundary, depth } = statementBoundary(tokens, failure.at);
  const statements = runGrammar(tokens, boundary, depth, path);
  const error: SyntaxErrorNode = { kind: 'syntax-error', message: failure.message, position: failure.position, file: path };
  appendToInnermost(statements, depth, error);
  return { path, statements, comments, error };
}

/**
 * Walks the tokens as ngx_conf_read_token and ngx_conf_parse do, and returns the first place where
 * nginx stops with a syntax error, or null when the whole file is well-formed.
 */
function findFailure(tokens: readonly LexToken[], eof: Position, param: boolean): Failure | null {
  // -g text is not a file: nginx words its end differently (ngx_conf_read_token, parse_param).
  const eofArgs = param ? 'unexpected end of parameter, expecting ";"' : 'unexpected end of file, expecting ";" or "}"';
  let depth = 0;
  let args = 0;
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]!;
    const long = tooLong(t);
    if (long !== null) return { at: i, message: long, position: startOf(t) };
    switch (t.type) {
      case 'comment':
        break;
      case 'word':
      case 'dq':
      case 'sq':
        args++;
        break;
      case 'semi':
      case 'lbrace':
        if (args === 0) return { at: i, message: `unexpected "${t.text}"`, position: startOf(t) };
        if (t.type === 'lbrace' && ++depth > MAX_DEPTH) {
          return { at: i, message: `blocks nested deeper than ${MAX_DEPTH} levels`, position: startOf(t) };
        }
        args = 0;
        break;
      case 'rbrace':
        if (args > 0 || depth === 0) return { at: i, message: 'unexpected "}"', position: startOf(t) };
        depth--;
        break;
      case 'junk':
        return { at: i, message: `unexpected "${t.text}"`, position: startOf(t) };
      case 'unterminated':
        return { at: i, message: 'unexpected end of file, expecting ";" or "}"', position: eof };
      default:
        throw new GrammarBugError(`unknown token type ${t.type}`);
    }
  }
  if (args > 0) return { at: tokens.length, message: eofArgs, position: eof };
  if (depth > 0) return { at: tokens.length, message: 'unexpected end of file, expecting "}"', position: eof };
  return null;
}

/**
 * nginx's limit on a token: it may not fill the 4096-byte buffer before nginx has read the
 * character after it (for a quoted string, the one after the closing quote).
 */
function tooLong(t: LexToken): string | null {
  const raw = t.text;
  if (t.type === 'comment' || t.type === 'word') {
    if (raw.length < CONF_BUFFER) return null;
    return `too long parameter "${raw.slice(0, 10)}..." started`;
  }
  if (t.type === 'dq' || t.type === 'sq' || t.type === 'unterminated') {
    const content = raw.length - 1 - (t.type === 'unterminated' ? 0 : 1);
    if (content < CONF_BUFFER - 1) return null;
    if (content === CONF_BUFFER - 1 && t.type !== 'unterminated') {
      return `too long parameter "${raw.slice(1, 11)}..." started`;
    }
    return `too long parameter, probably missing terminating "${raw[0]}" character`;
  }
  return null;
}

/** The index just after the last complete statement before `at`, and how many blocks are open there. */
function statementBoundary(tokens: readonly LexToken[], at: number): { boundary: number; depth: number } {
  let depth = 0;
  let boundary = 0;
  let boundaryDepth = 0;
  for (let i = 0; i < at; i++) {
    const type = tokens[i]!.type;
    if (type === 'lbrace') depth++;
    else if (type === 'rbrace') depth--;
    if (type === 'semi' || type === 'lbrace' || type === 'rbrace' || type === 'comment') {
      // A comment inside an unfinished argument list does not end a statement.
      if (type === 'comment' && !atStatementStart(tokens, i)) continue;
      boundary = i + 1;
      boundaryDepth = depth;
    }
  }
  return { boundary, depth: boundaryDepth };
}

function atStatementStart(tokens: readonly LexToken[], i: number): boolean {
  for (let j = i - 1; j >= 0; j--) {
    const type = tokens[j]!.type;
    if (type === 'comment') continue;
    return type === 'semi' || type === 'lbrace' || type === 'rbrace';
  }
  return true;
}

/** Feeds tokens[0..count) and `closers` synthetic `}` to the grammar; exactly one parse must result. */
function runGrammar(tokens: readonly LexToken[], count: number, closers: number, path: string): Statement[] {
  if (count === 0 && closers === 0) return [];
  // keepHistory, with the feeder dropping each column once nearley is past it: without keepHistory
  // nearley `delete`s the old column from its table, which turns the table into a dictionary and
  // made the parse of bench/parse-check.mjs about 40% slower.
  const parser = new nearley.Parser(compiledGrammar, { keepHistory: true });
  // nearley's feed() takes text and runs its lexer over it; the tokens we already have are handed
  // to it through a lexer that yields them, all in one feed (a feed per token made nearley collect
  // its results after every token).
  const feeder = new TokenFeed(tokens, count, closers, (parser as unknown as { table: unknown[] }).table);
  (parser as unknown as { lexer: TokenFeed }).lexer = feeder;
  try {
    parser.feed('');
  } catch (e) {
    const last = feeder.last;
    const where = last ? `${path}:${last.line}:${last.col}` : path;
    throw new GrammarBugError(`the grammar rejected a token nginx accepts at ${where}: ${(e as Error).message.split('\n')[0]}`);
  }
  if (parser.results.length !== 1) {
    throw new GrammarBugError(`the grammar gave ${parser.results.length} parses of ${path} (expected exactly 1)`);
  }
  return parser.results[0] as Statement[];
}

const CLOSER: LexToken = { type: 'rbrace', text: '}', offset: -1, line: 0, col: 0 };
const NO_STATE = Object.freeze({});

/**
 * A lexer that yields tokens lexed beforehand, then `closers` synthetic `}`, to nearley. When
 * nearley asks for token i it is done with column i-1 of its table (its own keepHistory: false
 * would delete that column there), so the feeder clears it.
 */
class TokenFeed {
  /** The token handed out last (the one nearley rejected, when it throws). */
  last: LexToken | undefined;
  private i = 0;
  constructor(
    private readonly tokens: readonly LexToken[],
    private readonly count: number,
    private readonly closers: number,
    private readonly table: unknown[],
  ) {}
  reset(): void {}
  next(): LexToken | undefined {
    const i = this.i++;
    if (i > 0) this.table[i - 1] = undefined;
    if (i < this.count) return (this.last = this.tokens[i]);
    if (i < this.count + this.closers) return (this.last = CLOSER);
    return undefined;
  }
  save(): object {
    return NO_STATE;
  }
  formatError(): string {
    return `unexpected ${this.last?.type} "${this.last?.text}"`;
  }
  has(type: string): boolean {
    return type === 'word' || type === 'dq' || type === 'sq' || type === 'semi' || type === 'lbrace' || type === 'rbrace' || type === 'comment';
  }
}

function appendToInnermost(statements: Statement[], depth: number, node: SyntaxErrorNode): void {
  let list = statements;
  for (let d = 0; d < depth; d++) {
    const last = list[list.length - 1] as Directive | undefined;
    if (!last || last.kind !== 'directive' || last.block === null) throw new GrammarBugError('open block not found');
    list = last.block as Statement[];
  }
  list.push(node);
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

