/**
 * `error_log` as nginx reads it (ngx_log_set_log, ngx_log_set_levels): a target and a level, several
 * per level allowed (each line gets every log whose level admits it). The http, server and location
 * levels take the nearest level's lines whole (ngx_http_core_merge_loc_conf); a level without any,
 * up to the http block, writes to the main context's logs (cycle->new_log).
 */
import type { ConfLevel } from './conf-level.js';

/** err_levels[] of ngx_log.c, most severe first. */
export const ERROR_LOG_LEVELS = ['emerg', 'alert', 'crit', 'error', 'warn', 'notice', 'info', 'debug'] as const;
export type ErrorLogLevel = (typeof ERROR_LOG_LEVELS)[number];

/** One `error_log` line: where (`stderr` or a path as written) and the least severe level kept. */
export interface ErrorLogTarget {
  readonly path: string;
  readonly level: ErrorLogLevel;
}

/**
 * ngx_log_set_levels: the first plain level; `debug_*` bits alone mean debug (NGX_LOG_DEBUG_ALL
 * when none); nothing given is `error`.
 */
function levelOf(args: readonly string[]): ErrorLogLevel {
  for (const a of args) {
    const i = (ERROR_LOG_LEVELS as readonly string[]).indexOf(a);
    if (i >= 0) return ERROR_LOG_LEVELS[i]!;
    if (a.startsWith('debug_')) return 'debug';
  }
  return 'error';
}

/**
 * The `error_log` lines of one level (syslog: and memory: targets are left out: ngts writes files
 * and stderr only).
 */
export function errorLogTargets(level: ConfLevel): readonly ErrorLogTarget[] {
  const out: ErrorLogTarget[] = [];
  for (const d of level.own('error_log')) {
    const args = d.args.map((a) => a.value);
    const path = args[0] ?? '';
    if (path.startsWith('syslog:') || path.startsWith('memory:')) continue;
    out.push({ path, level: levelOf(args.slice(1)) });
  }
  return Object.freeze(out);
}

/**
 * The error logs a request at `level` (http, server, location or `if`) writes to: those of the
 * nearest level inside the http block that has `error_log`, or null for the main context's.
 */
export function compileErrorLogs(level: ConfLevel): readonly ErrorLogTarget[] | null {
  for (let l: ConfLevel | null = level; l && l.kind !== 'main'; l = l.parent) {
    if (l.own('error_log').length > 0) return errorLogTargets(l);
  }
  return null;
}
