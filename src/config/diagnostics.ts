/**
 * Diagnostics are values with a location, collected rather than thrown, so that `check` can report
 * every problem at once while `-t` prints only the first, as nginx does.
 */
import type { Position } from './ast.js';

/** nginx's log levels, as they appear in its messages. */
export type Level = 'emerg' | 'alert' | 'crit' | 'error' | 'warn' | 'notice' | 'info' | 'debug';

/** One step of the chain of `include` directives that led to a file. */
export interface IncludeStep {
  readonly file: string;
  readonly line: number;
}

export interface Diagnostic {
  readonly level: Level;
  /** Whether nginx stops loading the configuration here (usually: the level is emerg). */
  readonly fatal: boolean;
  /** nginx prints some messages without ` in FILE:LINE` (unknown variables, zones); we keep the place. */
  readonly unlocated?: boolean;
  /** nginx's exact message text, without the trailing ` in FILE:LINE`. */
  readonly message: string;
  /** The file nginx names; absent for messages nginx prints without a location. */
  readonly file?: string;
  readonly line?: number;
  /** 1-based column, when known (nginx does not print it; `check` does). */
  readonly column?: number;
  /** Extra explanation that nginx does not print (did-you-mean, cycle chains). */
  readonly hint?: string;
  /** The includes that led to `file`, outermost first. */
  readonly includedFrom?: readonly IncludeStep[];
  /** A stable code for tools (`unknown-directive`, `syntax`, …). */
  readonly code: string;
}

/** Collects diagnostics in the order nginx would meet them. */
export class DiagnosticSink {
  readonly items: Diagnostic[] = [];

  add(d: Diagnostic): void {
    this.items.push(d);
  }

  get hasErrors(): boolean {
    return this.items.some((d) => d.fatal);
  }

  /** The first diagnostic that makes `nginx -t` fail, if any. */
  firstError(): Diagnostic | undefined {
    return this.items.find((d) => d.fatal);
  }
}

/** Levels at which nginx aborts configuration loading. */
export function isError(level: Level): boolean {
  return level === 'emerg' || level === 'alert' || level === 'crit' || level === 'error';
}

/** A source position for a diagnostic. */
export function at(file: string, pos: Position): { file: string; line: number; column: number } {
  return { file, line: pos.line, column: pos.column };
}
