/**
 * `ngts check` output: every diagnostic — nginx's own checks and the lint rules' findings — as
 * rustc and eslint print them (the message, the place, the source line with a caret, the include
 * chain and a hint), or as JSON objects for tools. SARIF is in sarif.ts.
 */
import { readFileSync } from 'node:fs';
import { relative } from 'node:path';
import type { Diagnostic, IncludeStep, Level } from '../config/diagnostics.js';
import type { CheckedConfig } from '../config/validate.js';
import type { LintFinding } from '../lint/run-rules.js';
import type { Severity } from '../lint/rule.js';

/** One line of the report: an nginx check or a lint rule's finding. */
export interface ReportItem {
  readonly severity: Severity;
  /** The nginx check's code (`unknown-directive`) or the rule id (`if-is-evil`). */
  readonly code: string;
  /** Whether a lint rule reported it (else nginx -t would: its message is nginx's). */
  readonly rule: boolean;
  readonly message: string;
  readonly file?: string;
  readonly line?: number;
  readonly column?: number;
  readonly hint?: string;
  readonly includedFrom?: readonly IncludeStep[];
  /** nginx's level for nginx's own checks. */
  readonly level?: Level;
}

const RANK: Readonly<Record<Severity, number>> = { info: 0, warning: 1, error: 2 };

/** Whether `s` is at least as severe as `min`. */
export function atLeast(s: Severity, min: Severity): boolean {
  return RANK[s] >= RANK[min];
}

function fromDiagnostic(d: Diagnostic): ReportItem {
  const severity: Severity = d.fatal ? 'error' : d.level === 'warn' ? 'warning' : 'info';
  return {
    severity,
    code: d.code,
    rule: false,
    message: d.message,
    level: d.level,
    ...(d.file !== undefined ? { file: d.file } : {}),
    ...(d.line !== undefined ? { line: d.line } : {}),
    ...(d.column !== undefined ? { column: d.column } : {}),
    ...(d.hint !== undefined ? { hint: d.hint } : {}),
    ...(d.includedFrom !== undefined ? { includedFrom: d.includedFrom } : {}),
  };
}

function fromFinding(f: LintFinding): ReportItem {
  return { ...f, code: f.rule, rule: true };
}

/** nginx's checks first (in the order nginx meets them), then the rules' findings by place. */
export function reportItems(checked: CheckedConfig, findings: readonly LintFinding[], min: Severity): ReportItem[] {
  return [...checked.diagnostics.map(fromDiagnostic), ...findings.map(fromFinding)].filter((i) => atLeast(i.severity, min));
}

/** Reads lines of files once per report. */
class SourceCache {
  private readonly files = new Map<string, string[] | null>();
  line(file: string, n: number): string | null {
    let lines = this.files.get(file);
    if (lines === undefined) {
      try {
        lines = readFileSync(file).toString('latin1').split('\n');
      } catch {
        lines = null;
      }
      this.files.set(file, lines);
    }
    return lines?.[n - 1]?.replace(/\r$/, '') ?? null;
  }
}

/** Paths are shown relative to the working directory when that is shorter. */
export function shownPath(file: string, cwd: string): string {
  const rel = relative(cwd, file);
  return rel && !rel.startsWith('../../') && rel.length < file.length ? rel : file;
}

export interface TextOptions {
  readonly color: boolean;
  readonly cwd?: string;
  /** Findings dropped by `# ngts-disable-next-line`, for the summary line. */
  readonly suppressed?: number;
  /** Why the rules did not run, when they did not. */
  readonly rulesSkipped?: string;
}

/** The text report: one block per item, then a summary line. */
export function formatText(checked: CheckedConfig, items: readonly ReportItem[], opts: TextOptions): string {
  const cwd = opts.cwd ?? process.cwd();
  const src = new SourceCache();
  const c = (code: string, s: string): string => (opts.color ? `\x1b[${code}m${s}\x1b[0m` : s);
  const colorOf = (s: Severity): string => (s === 'error' ? '31' : s === 'warning' ? '33' : '36');
  const out: string[] = [];
  for (const d of items) {
    out.push(`${c(`1;${colorOf(d.severity)}`, `${d.severity}[${d.code}]`)}: ${c('1', d.message)}`);
    if (d.file !== undefined && d.line !== undefined) {
      const col = d.column ?? 1;
      out.push(`  --> ${shownPath(d.file, cwd)}:${d.line}:${col}`);
      const text = src.line(d.file, d.line);
      if (text !== null) {
        const gutter = String(d.line).length;
        const visible = text.replace(/\t/g, '    ');
        const caretCol = text.slice(0, col - 1).replace(/\t/g, '    ').length;
        out.push(`${' '.repeat(gutter + 1)}|`);
        out.push(`${c('34', String(d.line))} | ${visible}`);
        out.push(`${' '.repeat(gutter + 1)}| ${' '.repeat(caretCol)}${c(colorOf(d.severity), '^')}`);
      }
    }
    for (const step of d.includedFrom ?? []) out.push(`  = included from ${shownPath(step.file, cwd)}:${step.line}`);
    if (d.hint) out.push(`  = help: ${d.hint}`);
    if (d.rule) out.push(`  = note: ngts check --explain ${d.code}`);
    out.push('');
  }
  if (checked.effectless.size > 0) {
    const names = [...checked.effectless.keys()].sort();
    out.push(c('2', `note: accepted without effect in ngts (${names.length}): ${names.join(', ')}`));
  }
  if (opts.rulesSkipped) out.push(c('2', `note: lint rules not run: ${opts.rulesSkipped}`));
  const n = (s: Severity): number => items.filter((i) => i.severity === s).length;
  const counts = [`${n('error')} error(s)`, `${n('warning')} warning(s)`];
  if (n('info') > 0) counts.push(`${n('info')} info`);
  if (opts.suppressed) counts.push(`${opts.suppressed} suppressed`);
  out.push(items.length ? counts.join(', ') : `configuration is ok${opts.suppressed ? ` (${opts.suppressed} suppressed)` : ''}`);
  return out.join('\n') + '\n';
}

/** The JSON report: items as objects, plus the directives accepted without effect. */
export function formatJson(checked: CheckedConfig, items: readonly ReportItem[], extra: { suppressed: number; rulesSkipped?: string }): string {
  return (
    JSON.stringify(
      {
        ok: !items.some((d) => d.severity === 'error'),
        diagnostics: items,
        suppressed: extra.suppressed,
        ...(extra.rulesSkipped ? { rulesSkipped: extra.rulesSkipped } : {}),
        effectless: [...checked.effectless.values()].map((e) => ({
          directive: e.spec.name,
          module: e.spec.module,
          file: e.file,
          line: e.line,
          count: e.count,
        })),
      },
      null,
      2,
    ) + '\n'
  );
}
