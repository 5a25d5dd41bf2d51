/**
 * Builders the grammar's postprocessors call to turn tokens into AST nodes. They are kept out of
 * grammar/nginx.ne so that the grammar holds syntax only.
 */
import type { Arg, Comment, Directive, Position, Quote, Span, Statement } from './ast.js';

/** The part of a moo token the builders read. */
export interface Tok {
  readonly type?: string | undefined;
  readonly text: string;
  readonly offset: number;
  readonly line: number;
  readonly col: number;
}

// The grammar's postprocessors cannot take extra arguments, and parsing is synchronous, so the
// file being parsed is set here by the parser wrapper for the duration of one parse.
let currentFile = '';

/** Names the file whose tokens the next parse turns into nodes. */
export function setCurrentFile(path: string): void {
  currentFile = path;
}

/** Where a token starts. */
export function startOf(t: Tok): Position {
  return { line: t.line, column: t.col, offset: t.offset };
}

// Where the token last measured by measureEnd ends: set by it, read right after (a Position object
// for each end would be one more object per node for the whole life of the tree).
let endLine = 0;
let endColumn = 0;

/** Sets endLine and endColumn to where `t` ends (the position just after its last character). */
function measureEnd(t: Tok): void {
  const text = t.text;
  const lastNl = text.lastIndexOf('\n');
  if (lastNl < 0) {
    endLine = t.line;
    endColumn = t.col + text.length;
    return;
  }
  let lines = 0;
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) === 10) lines++;
  endLine = t.line + lines;
  endColumn = text.length - lastNl;
}

/**
 * A span held as numbers, its start and end made when asked for. A configuration's tree lives
 * as long as the check that reads it, and a span of three objects for every argument and two
 * for every directive was a third of its objects (bench/parse-check.mjs: 10,000 locations, whose
 * every object V8's young-generation collector copied twice during `ngts -t`).
 */
class TextSpan implements Span {
  constructor(
    readonly file: string,
    private readonly startLine: number,
    private readonly startColumn: number,
    private readonly startOffset: number,
    private readonly endLine: number,
    private readonly endColumn: number,
    private readonly endOffset: number,
  ) {}
  get start(): Position {
    return { line: this.startLine, column: this.startColumn, offset: this.startOffset };
  }
  get end(): Position {
    return { line: this.endLine, column: this.endColumn, offset: this.endOffset };
  }
  toJSON(): { file: string; start: Position; end: Position } {
    return { file: this.file, start: this.start, end: this.end };
  }
}

/** The span from the start of `from` to the end of `to`. */
function spanOf(from: Tok, to: Tok): Span {
  measureEnd(to);
  return new TextSpan(currentFile, from.line, from.col, from.offset, endLine, endColumn, to.offset + to.text.length);
}

/**
 * nginx's unescaping of a token (ngx_conf_read_token): `\"`, `\'` and `\\` lose the backslash,
 * `\t`, `\r` and `\n` become control characters, any other backslash stays as written.
 */
export function unescape(text: string): string {
  if (text.indexOf('\\') < 0) return text;
  let out = '';
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '\\' && i + 1 < text.length) {
      const n = text[i + 1];
      if (n === '"' || n === "'" || n === '\\') {
        out += n;
        i++;
        continue;
      }
      if (n === 't' || n === 'r' || n === 'n') {
        out += n === 't' ? '\t' : n === 'r' ? '\r' : '\n';
        i++;
        continue;
      }
    }
    out += c;
  }
  return out;
}

/** An argument node from a word or quoted-string token. */
export function buildArg(t: Tok): Arg {
  const quote: Quote = t.type === 'dq' ? '"' : t.type === 'sq' ? "'" : 'none';
  const inner = quote === 'none' ? t.text : t.text.slice(1, -1);
  return { raw: t.text, value: unescape(inner), quote, span: spanOf(t, t) };
}

/** A directive node; `close` is null for a directive ended by `;`. */
export function buildDirective(
  name: Tok,
  args: readonly Tok[],
  terminator: Tok,
  body: Statement[] | null,
  close: Tok | null,
): Directive {
  // The parser closes blocks that a syntax error left open with tokens at offset -1.
  if (close !== null && close.offset < 0) close = null;
  const last = close ?? terminator;
  const list: Arg[] = [];
  for (let i = 0; i < args.length; i++) list.push(buildArg(args[i]!));
  return {
    kind: 'directive',
    name: unescape(name.type === 'dq' || name.type === 'sq' ? name.text.slice(1, -1) : name.text),
    nameSpan: spanOf(name, name),
    args: list,
    block: body,
    span: spanOf(name, last),
    terminator: startOf(terminator),
    blockEnd: close ? startOf(close) : null,
  };
}

/** Appends a run of statements to a block's list (the grammar's `lines`). */
export function appendLines(list: Statement[], nodes: readonly Statement[]): Statement[] {
  for (let i = 0; i < nodes.length; i++) list.push(nodes[i]!);
  return list;
}

/** A comment node; the text keeps its leading `#`. */
export function buildComment(t: Tok): Comment {
  return { kind: 'comment', text: t.text, span: spanOf(t, t) };
}
