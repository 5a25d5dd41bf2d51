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

/** Where a token ends (the position just after its last character). */
export function endOf(t: Tok): Position {
  const text = t.text;
  const lastNl = text.lastIndexOf('\n');
  if (lastNl < 0) return { line: t.line, column: t.col + text.length, offset: t.offset + text.length };
  let lines = 0;
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) === 10) lines++;
  return { line: t.line + lines, column: text.length - lastNl, offset: t.offset + text.length };
}

function span(from: Position, to: Position): Span {
  return { file: currentFile, start: from, end: to };
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
  return { raw: t.text, value: unescape(inner), quote, span: span(startOf(t), endOf(t)) };
}

/** A directive node; `close` is null for a directive ended by `;`. */
export function buildDirective(
  name: Tok,
  args: readonly Tok[],
  terminator: Tok,
  body: Statement[] | null,
  close: Tok | null,
): Directive {
  const nameArg = buildArg(name);
  // The parser closes blocks that a syntax error left open with tokens at offset -1.
  if (close !== null && close.offset < 0) close = null;
  const last = close ?? terminator;
  return {
    kind: 'directive',
    name: nameArg.value,
    nameSpan: nameArg.span,
    args: args.map(buildArg),
    block: body,
    span: span(startOf(name), endOf(last)),
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
  return { kind: 'comment', text: t.text, span: span(startOf(t), endOf(t)) };
}
