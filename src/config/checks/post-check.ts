/**
 * What the checks nginx makes after parsing (at the end of the http block, at cycle init) are given:
 * the include map to see blocks whole, and a way to report.
 */
import type { ConfigFile, Directive, Position } from '../ast.js';
import type { Level } from '../diagnostics.js';

export interface PostCheckContext {
  readonly includes: ReadonlyMap<Directive, readonly ConfigFile[]>;
  readonly global: Map<string, unknown>;
  /** Reports a diagnostic; `unlocated` marks messages nginx prints without ` in FILE:LINE`. */
  report(
    level: Level,
    message: string,
    file: string,
    at: Position,
    code: string,
    opts?: { unlocated?: boolean; column?: number; hint?: string },
  ): void;
}
