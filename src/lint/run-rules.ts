/**
 * Runs the lint rules over a checked configuration: builds the model once, runs each enabled rule,
 * places every finding at its directive (with the include chain), applies the project's severity
 * settings and drops what an `# ngts-disable-next-line` comment suppresses.
 */
import type { IncludeStep } from '../config/diagnostics.js';
import type { CheckedConfig } from '../config/validate.js';
import { LintModel } from './model.js';
import type { Rule, Severity } from './rule.js';
import { RULES, ruleById } from './rules/index.js';
import { findSuppressions } from './suppress.js';

/** A rule's setting in a project file: its severity, or off. */
export type RuleSetting = Severity | 'off';

export interface LintFinding {
  readonly rule: string;
  readonly severity: Severity;
  readonly message: string;
  readonly hint?: string;
  readonly file: string;
  readonly line: number;
  readonly column: number;
  readonly includedFrom?: readonly IncludeStep[];
}

export interface LintOptions {
  /** nginx's prefix (-p), with a trailing slash. */
  readonly prefix: string;
  /** Severity overrides and `off`, by rule id. */
  readonly rules?: Readonly<Record<string, RuleSetting>>;
  /** Run only these rules (tests and `--rule`). */
  readonly only?: readonly string[];
}

export interface LintResult {
  readonly findings: readonly LintFinding[];
  /** Findings dropped by `# ngts-disable-next-line`. */
  readonly suppressed: number;
  /** Problems with the suppression comments or the settings themselves (unknown rule ids). */
  readonly notes: readonly LintFinding[];
}

/** Runs the enabled rules; the configuration must have no errors (the model compiles it). */
export function runRules(checked: CheckedConfig, opts: LintOptions): LintResult {
  const model = new LintModel(checked, opts.prefix);
  const selected: Rule[] = opts.only ? opts.only.map((id) => ruleById(id)).filter((r): r is Rule => r !== undefined) : [...RULES];
  const suppressions = findSuppressions(checked);
  const findings: LintFinding[] = [];
  let suppressed = 0;
  for (const rule of selected) {
    const setting = opts.rules?.[rule.id];
    if (setting === 'off') continue;
    const severity = setting ?? rule.severity;
    rule.check(model, (r) => {
      const d = r.directive;
      const pos = r.arg !== undefined ? (d.args[r.arg]?.span.start ?? d.nameSpan.start) : d.nameSpan.start;
      if (suppressions.covers(d.nameSpan.file, d.nameSpan.start.line, rule.id)) {
        suppressed++;
        return;
      }
      const chain = model.includeChain(d);
      findings.push({
        rule: rule.id,
        severity,
        message: r.message,
        ...(r.hint !== undefined ? { hint: r.hint } : {}),
        file: d.nameSpan.file,
        line: pos.line,
        column: pos.column,
        ...(chain.length ? { includedFrom: chain } : {}),
      });
    });
  }
  findings.sort(byPlace);
  const notes: LintFinding[] = suppressions.unknown.map((u) => ({
    rule: 'ngts-disable',
    severity: 'warning',
    message: `unknown rule "${u.rule}" in ngts-disable-next-line`,
    hint: `known rules: ngts check --list-rules`,
    file: u.file,
    line: u.line,
    column: u.column,
  }));
  return { findings: dedupe(findings), suppressed, notes };
}

function byPlace(a: LintFinding, b: LintFinding): number {
  return a.file < b.file ? -1 : a.file > b.file ? 1 : a.line - b.line || a.column - b.column || (a.rule < b.rule ? -1 : a.rule > b.rule ? 1 : 0);
}

/** A file included twice is checked twice; the same finding at the same place is reported once. */
function dedupe(findings: readonly LintFinding[]): LintFinding[] {
  const seen = new Set<string>();
  const out: LintFinding[] = [];
  for (const f of findings) {
    const key = `${f.rule}\0${f.file}\0${f.line}\0${f.column}\0${f.message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(f);
  }
  return out;
}
