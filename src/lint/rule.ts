/**
 * What a lint rule is: an id, a default severity, the paragraph `ngts check --explain` prints with a
 * bad and a good example, and a check over the compiled view of the configuration (LintModel).
 * One rule per file in src/lint/rules/, each with its fixtures in fixtures/lint/<id>/.
 */
import type { Directive } from '../config/ast.js';
import type { LintModel } from './model.js';

/** How much a finding matters. `error` fails `ngts check`; `info` is a hint. */
export type Severity = 'error' | 'warning' | 'info';

export const SEVERITIES: readonly Severity[] = ['error', 'warning', 'info'];

/** The rule families of the issue that asked for them; `ngts check --list-rules` groups by them. */
export type RuleCategory = 'security' | 'headers' | 'routing' | 'upstreams' | 'limits';

/** One finding, placed at a directive (or one of its arguments). */
export interface RuleReport {
  readonly directive: Directive;
  /** Index of the argument the finding is about; the directive name when absent. */
  readonly arg?: number;
  readonly message: string;
  /** How to fix it, in one line. */
  readonly hint?: string;
}

export interface Rule {
  readonly id: string;
  readonly category: RuleCategory;
  readonly severity: Severity;
  /** One line, for `--list-rules`. */
  readonly summary: string;
  /** One paragraph: what goes wrong at run time and why. */
  readonly explain: string;
  /** A configuration fragment the rule reports… */
  readonly bad: string;
  /** …and the same fragment fixed. */
  readonly good: string;
  check(model: LintModel, report: (r: RuleReport) => void): void;
}
