/**
 * Parses one configuration file's text: the moo lexer tokenizes, the statement reader groups the
 * tokens into statements, the nearley grammar builds the tree of blocks.
 * When the text breaks nginx's syntax, the error is described with nginx's words and line, and the
 * statements before it are still returned (validation walks them up to the error, as nginx would).
 */
import nearley from 'nearley';
import type { ConfigFile, Directive, Statement, SyntaxErrorNode } from './ast.js';
import grammar from './grammar.generated.js';
import { readStatements, type GrammarToken } from './statements.js';
import { setCurrentFile } from './syntax-nodes.js';

const compiledGrammar = nearley.Grammar.fromCompiled(grammar as unknown as nearley.CompiledRules);

/** A grammar bug: nearley and nginx's rules disagree, or the grammar is ambiguous. */
export class GrammarBugError extends Error {
  override name = 'GrammarBugError';
}

/**
 * Parses `text` (decoded as latin1: one character per byte) read from `path`.
 * Never throws for bad input; throws GrammarBugError only when the grammar itself is wrong.
 */
export function parseConfig(text: string, path: string): ConfigFile {
  setCurrentFile(path);
  const { tokens, comments, failure, depth } = readStatements(text, path === 'command line');
  // On a failure, the open blocks are closed so the grammar can build them, and the error becomes
  // the last node of the innermost one: the statements before it are still returned (validation
  // walks them up to the error, as nginx would).
  const statements = runGrammar(tokens, depth, path);
  if (failure === null) return { path, statements, comments, error: null };
  const error: SyntaxErrorNode = { kind: 'syntax-error', message: failure.message, position: failure.position, file: path };
  appendToInnermost(statements, depth, error);
  return { path, statements, comments, error };
}

/** Feeds `tokens` and `closers` synthetic `}` to the grammar; exactly one parse must result. */
function runGrammar(tokens: readonly GrammarToken[], closers: number, path: string): Statement[] {
  if (tokens.length === 0 && closers === 0) return [];
  // keepHistory, with the feeder dropping each column once nearley is past it: without keepHistory
  // nearley `delete`s the old column from its table, which turns the table into a dictionary and
  // made the parse of bench/parse-check.mjs about 40% slower.
  const parser = new nearley.Parser(compiledGrammar, { keepHistory: true });
  // nearley's feed() takes text and runs its lexer over it; the tokens we already have are handed
  // to it through a lexer that yields them, all in one feed (a feed per token made nearley collect
  // its results after every token).
  const feeder = new TokenFeed(tokens, closers, (parser as unknown as { table: unknown[] }).table);
  (parser as unknown as { lexer: TokenFeed }).lexer = feeder;
  try {
    parser.feed('');
  } catch (e) {
    const last = feeder.last;
    const where = last ? `${path}:${placeOf(last)}` : path;
    throw new GrammarBugError(`the grammar rejected a token nginx accepts at ${where}: ${(e as Error).message.split('\n')[0]}`);
  }
  if (parser.results.length !== 1) {
    throw new GrammarBugError(`the grammar gave ${parser.results.length} parses of ${path} (expected exactly 1)`);
  }
  return parser.results[0] as Statement[];
}

/** `line:column` of a grammar token, for a grammar bug's message. */
function placeOf(t: GrammarToken): string {
  if ('nodes' in t) return `${t.nodes[0]!.span.start.line}:${t.nodes[0]!.span.start.column}`;
  const at = 'name' in t ? t.name : t;
  return at.offset < 0 ? 'end' : `${at.line}:${at.col}`;
}

/** The `}` that closes a block a syntax error left open (offset -1: no closing position). */
const CLOSER: GrammarToken = { type: 'rbrace', text: '}', offset: -1, line: 0, col: 0 };
const NO_STATE = Object.freeze({});

/**
 * A lexer that yields the statement reader's tokens, then `closers` synthetic `}`, to nearley. When
 * nearley asks for token i it is done with column i-1 of its table (its own keepHistory: false
 * would delete that column there), so the feeder clears it.
 */
class TokenFeed {
  /** The token handed out last (the one nearley rejected, when it throws). */
  last: GrammarToken | undefined;
  private i = 0;
  constructor(
    private readonly tokens: readonly GrammarToken[],
    private readonly closers: number,
    private readonly table: unknown[],
  ) {}
  reset(): void {}
  next(): GrammarToken | undefined {
    const i = this.i++;
    if (i > 0) this.table[i - 1] = undefined;
    const count = this.tokens.length;
    if (i < count) return (this.last = this.tokens[i]);
    if (i < count + this.closers) return (this.last = CLOSER);
    return undefined;
  }
  save(): object {
    return NO_STATE;
  }
  formatError(): string {
    return `unexpected ${this.last?.type}`;
  }
  has(type: string): boolean {
    return type === 'lines' || type === 'open' || type === 'rbrace';
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
