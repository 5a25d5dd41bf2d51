/**
 * `ngts parse --json`: the configuration in crossplane's JSON form, so that tools written for
 * crossplane can read what ngts reads.
 */
import type { ConfigFile, Statement } from '../config/ast.js';
import type { CheckedConfig } from '../config/validate.js';

interface CrossplaneDirective {
  directive: string;
  line: number;
  args: string[];
  includes?: number[];
  block?: CrossplaneDirective[];
  comment?: string;
}

interface CrossplaneError {
  file?: string;
  line: number | null;
  error: string;
}

/** The crossplane payload: `{status, errors, config: [{file, status, errors, parsed}]}`. */
export function toCrossplane(checked: CheckedConfig, opts: { comments: boolean }): unknown {
  const index = new Map<ConfigFile, number>();
  checked.files.forEach((f, i) => index.set(f, i));
  const convert = (statements: readonly Statement[]): CrossplaneDirective[] => {
    const out: CrossplaneDirective[] = [];
    for (const s of statements) {
      if (s.kind === 'syntax-error') continue;
      if (s.kind === 'comment') {
        if (opts.comments) out.push({ directive: '#', line: s.span.start.line, args: [], comment: s.text.slice(1) });
        continue;
      }
      const d: CrossplaneDirective = { directive: s.name, line: s.nameSpan.start.line, args: s.args.map((a) => a.value) };
      const inc = checked.includes.get(s);
      if (inc) d.includes = inc.map((f) => index.get(f)!).filter((n) => n !== undefined);
      if (s.block !== null) d.block = convert(s.block);
      out.push(d);
    }
    return out;
  };
  const errorsOf = (file: string): CrossplaneError[] =>
    checked.diagnostics.filter((d) => d.fatal && d.file === file).map((d) => ({ line: d.line ?? null, error: `${d.message} in ${d.file}:${d.line}` }));
  const config = checked.files.map((f) => {
    const errors = errorsOf(f.path);
    return { file: f.path, status: errors.length ? 'failed' : 'ok', errors, parsed: convert(f.statements) };
  });
  const errors = checked.diagnostics
    .filter((d) => d.fatal)
    .map((d) => ({ file: d.file, line: d.line ?? null, error: d.unlocated || d.line === undefined ? d.message : `${d.message} in ${d.file}:${d.line}` }));
  return { status: errors.length ? 'failed' : 'ok', errors, config };
}
