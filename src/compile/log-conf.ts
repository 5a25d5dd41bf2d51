/**
 * ngx_http_log_module's configuration: `log_format` (the predefined `combined`, `escape=`,
 * several strings joined) and the `access_log` lines of the nearest level that has any (`off`
 * turns logging off there). Each format is compiled once into a complex value.
 */
import { compileComplexValue, type ComplexValue } from './complex-value.js';
import type { ConfLevel } from './conf-level.js';
import type { VariableTable } from './variable-table.js';

export type LogEscape = 'default' | 'json' | 'none';

export interface LogFormat {
  readonly name: string;
  readonly escape: LogEscape;
  readonly value: ComplexValue;
}

export interface AccessLog {
  /** As written; resolved against the prefix when opened. `stderr`/`/dev/stdout` work too. */
  readonly path: string;
  readonly format: LogFormat;
  /** `if=`: a value that is empty or "0" skips the line. */
  readonly condition: ComplexValue | null;
}

const COMBINED = '$remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent "$http_referer" "$http_user_agent"';

/** The `log_format`s of the http level, with `combined`. */
export function compileLogFormats(http: ConfLevel, vars: VariableTable): Map<string, LogFormat> {
  const formats = new Map<string, LogFormat>();
  formats.set('combined', { name: 'combined', escape: 'default', value: compileComplexValue(COMBINED, vars) });
  for (const d of http.own('log_format')) {
    const args = d.args.map((a) => a.value);
    const name = args[0] ?? '';
    let rest = args.slice(1);
    let escape: LogEscape = 'default';
    if (rest[0]?.startsWith('escape=')) {
      const e = rest[0].slice(7);
      escape = e === 'json' || e === 'none' ? e : 'default';
      rest = rest.slice(1);
    }
    if (!formats.has(name) || name === 'combined') formats.set(name, { name, escape, value: compileComplexValue(rest.join(''), vars) });
  }
  return formats;
}

/** The access logs in force at `level` ([] for `off` or when no level has access_log). */
export function compileAccessLogs(level: ConfLevel, formats: ReadonlyMap<string, LogFormat>, vars: VariableTable): readonly AccessLog[] {
  const lines = level.inherited('access_log');
  const out: AccessLog[] = [];
  for (const d of lines) {
    const args = d.args.map((a) => a.value);
    if (args[0] === 'off') return [];
    const format = formats.get(args[1] && !args[1].includes('=') ? args[1] : 'combined');
    if (!format) continue;
    const cond = args.find((a) => a.startsWith('if='));
    out.push({ path: args[0] ?? '', format, condition: cond ? compileComplexValue(cond.slice(3), vars) : null });
  }
  return Object.freeze(out);
}
