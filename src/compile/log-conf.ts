/**
 * ngx_http_log_module's configuration: `log_format` (the predefined `combined`, `escape=`,
 * several strings joined) and the `access_log` lines of the nearest level that has any (`off`
 * turns logging off there), each with its `buffer=`/`flush=`/`gzip` and `if=`. Each format is
 * compiled once into a complex value; a path with variables is compiled too (opened per request).
 */
import { compileComplexValue, type ComplexValue } from './complex-value.js';
import type { ConfLevel } from './conf-level.js';
import type { VariableTable } from './variable-table.js';
import { parseNumber, parseSize, parseTime } from '../config/values.js';
import type { Directive } from '../config/ast.js';

export type LogEscape = 'default' | 'json' | 'none';

export interface LogFormat {
  readonly name: string;
  readonly escape: LogEscape;
  readonly value: ComplexValue;
}

/** ngx_http_log_buf_t: a buffered log file's buffer (shared by every access_log naming the file). */
export interface LogBufferConf {
  /** Bytes; 64k when only `gzip` asked for a buffer. */
  readonly size: number;
  /** `flush=`: ms a line may wait in the buffer (0: until it fills). */
  readonly flush: number;
  /** `gzip[=level]`: the compression level (0: plain text). */
  readonly gzip: number;
}

export interface AccessLog {
  /** As written; resolved against the prefix when opened. `stderr`/`/dev/stdout` work too. */
  readonly path: string;
  /** A path with variables, evaluated and opened per request (ngx_http_log_script_write). */
  readonly script: ComplexValue | null;
  readonly format: LogFormat;
  /** `if=`: a value that is empty or "0" skips the line. */
  readonly condition: ComplexValue | null;
  /** `buffer=`, `flush=`, `gzip`: null writes each line at once. */
  readonly buffer: LogBufferConf | null;
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
    if (!formats.has(name)) formats.set(name, { name, escape, value: compileComplexValue(rest.join(''), vars) });
  }
  return formats;
}

/** ngx_http_log_set_log's parameters after the format: buffer=, flush=, gzip[=level], if=. */
function parameters(args: readonly string[], vars: VariableTable): { buffer: LogBufferConf | null; condition: ComplexValue | null } {
  let size = 0;
  let flush = 0;
  let gzip = 0;
  let condition: ComplexValue | null = null;
  for (const a of args) {
    if (a.startsWith('buffer=')) size = parseSize(a.slice(7)) ?? 0;
    else if (a.startsWith('flush=')) flush = parseTime(a.slice(6), false) ?? 0;
    else if (a === 'gzip') {
      if (size === 0) size = 64 * 1024;
      gzip = 1; // Z_BEST_SPEED
    } else if (a.startsWith('gzip=')) {
      if (size === 0) size = 64 * 1024;
      gzip = parseNumber(a.slice(5)) ?? 1;
    } else if (a.startsWith('if=')) condition = compileComplexValue(a.slice(3), vars);
  }
  return { buffer: size > 0 ? Object.freeze({ size, flush, gzip }) : null, condition };
}

/** The directive compileAccessLogs reads (ConfLevel.merged; test/compile/merged-conf.test.ts). */
export const ACCESS_LOG_DIRECTIVES: ReadonlySet<string> = new Set(['access_log']);

/**
 * The access logs in force at `level` ([] for `off` or when no level has access_log): made for the
 * levels with access_log, shared by the levels below, as nginx's merge shares the parent's
 * (conf->logs = prev->logs). `formats` are the compile's, the same for every level.
 */
export function compileAccessLogs(level: ConfLevel, formats: ReadonlyMap<string, LogFormat>, vars: VariableTable): readonly AccessLog[] {
  return level.merged(ACCESS_LOG_DIRECTIVES, (l) => accessLogsOf(l.inherited('access_log'), formats, vars));
}

const NO_LOGS: readonly AccessLog[] = Object.freeze([]);

function accessLogsOf(lines: readonly Directive[], formats: ReadonlyMap<string, LogFormat>, vars: VariableTable): readonly AccessLog[] {
  const out: AccessLog[] = [];
  for (const d of lines) {
    const args = d.args.map((a) => a.value);
    const path = args[0] ?? '';
    if (path === 'off') return NO_LOGS;
    // syslog: targets are not written by ngts.
    if (path.startsWith('syslog:')) continue;
    // Format names are found without regard to case (ngx_strcasecmp).
    const wanted = (args[1] ?? 'combined').toLowerCase();
    const format = [...formats.values()].find((f) => f.name.toLowerCase() === wanted);
    if (!format) continue;
    const script = path.includes('$') ? compileComplexValue(path, vars) : null;
    out.push({ path, script: script?.constant === null ? script : null, format, ...parameters(args.slice(2), vars) });
  }
  return Object.freeze(out);
}
