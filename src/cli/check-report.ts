/**
 * `ngts check` output: every diagnostic, as rustc and eslint print them — the message, the place,
 * the source line with a caret, the include chain and a hint — or as JSON objects for tools.
 */
import { readFileSync } from 'node:fs';
import { relative } from 'node:path';
import type { Diagnostic } from '../config/diagnostics.js';
import type { CheckedConfig } from '../config/validate.js';

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
    return lines?.[n - 1] ?? null;
  }
}

function severity(d: Diagnostic): string {
  if (d.fatal) return 'error';
  return d.level === 'warn' ? 'warning' : d.level;
}

/** Paths are shown relative to the working directory when that is shorter. */
function shown(file: string, cwd: string): string {
  const rel = relative(cwd, file);
  return rel && !rel.startsWith('../../') && rel.length < file.length ? rel : file;
}

/** The text report: one block per diagnostic, then a summary line. */
export function formatText(checked: CheckedConfig, opts: { color: boolean; cwd?: string }): string {
  const cwd = opts.cwd ?? process.cwd();
  const src = new SourceCache();
  const c = (code: string, s: string): string => (opts.color ? `\x1b[${code}m${s}\x1b[0m` : s);
  const out: string[] = [];
  for (const d of checked.diagnostics) {
    const sev = severity(d);
    const head = sev === 'error' ? c('1;31', `error[${d.code}]`) : c('1;33', `${sev}[${d.code}]`);
    out.push(`${head}: ${c('1', d.message)}`);
    if (d.file !== undefined && d.line !== undefined) {
      const col = d.column ?? 1;
      out.push(`  --> ${shown(d.file, cwd)}:${d.line}:${col}`);
      const text = src.line(d.file, d.line);
      if (text !== null) {
        const gutter = String(d.line).length;
        const visible = text.replace(/\t/g, '    ');
        const caretCol = text.slice(0, col - 1).replace(/\t/g, '    ').length;
        out.push(`${' '.repeat(gutter + 1)}|`);
        out.push(`${c('34', String(d.line))} | ${visible}`);
        out.push(`${' '.repeat(gutter + 1)}| ${' '.repeat(caretCol)}${c(sev === 'error' ? '31' : '33', '^')}`);
      }
    }
    for (const step of d.includedFrom ?? []) out.push(`  = included from ${shown(step.file, cwd)}:${step.line}`);
    if (d.hint) out.push(`  = help: ${d.hint}`);
    out.push('');
  }
  if (checked.effectless.size > 0) {
    const names = [...checked.effectless.keys()].sort();
    out.push(c('2', `note: accepted without effect in ngts (${names.length}): ${names.join(', ')}`));
  }
  const errors = checked.diagnostics.filter((d) => d.fatal).length;
  const warnings = checked.diagnostics.length - errors;
  out.push(errors || warnings ? `${errors} error(s), ${warnings} warning(s)` : 'configuration is ok');
  return out.join('\n') + '\n';
}

/** The JSON report: diagnostics as objects, plus the directives accepted without effect. */
export function formatJson(checked: CheckedConfig): string {
  return (
    JSON.stringify(
      {
        ok: !checked.diagnostics.some((d) => d.fatal),
        diagnostics: checked.diagnostics.map((d) => ({ severity: severity(d), ...d })),
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
