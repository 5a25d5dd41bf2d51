/**
 * The error log (ngx_log_error_core): `YYYY/MM/DD HH:MM:SS [level] PID#TID: message` lines, each
 * written to every log of a chain whose level admits it (nginx chains the `error_log` lines of one
 * level with ngx_log_insert). Files are opened once per path and shared, as ngx_conf_open_file
 * shares them, so the main log, a server's and a location's naming one file write to one descriptor.
 */
import { closeSync, openSync, writeSync } from 'node:fs';
import { logTime } from '../cli/log-line.js';
import type { ErrorLogTarget } from '../compile/error-log-conf.js';
import { fullName } from '../config/source.js';
import type { LogLevel } from './http/response.js';

const LEVELS: readonly LogLevel[] = ['emerg', 'alert', 'crit', 'error', 'warn', 'notice', 'info', 'debug'];

/** The rank of a level: lower is more severe. */
export function levelRank(level: LogLevel): number {
  return LEVELS.indexOf(level);
}

/** One open error log file (or stderr). */
class LogFile {
  private fd: number | null;

  /** `path` is absolute, or `stderr`. Throws when the file cannot be opened. */
  constructor(readonly path: string) {
    this.fd = path === 'stderr' ? 2 : openSync(path, 'a');
  }

  write(line: Buffer): void {
    if (this.fd === null) return;
    try {
      writeSync(this.fd, line);
    } catch {
      // A log that cannot be written must not take the server down.
    }
  }

  /** SIGUSR1: the file is opened again (after rotation); the old one stays if that fails. */
  reopen(): void {
    if (this.fd === null || this.fd === 2) return;
    try {
      const fd = openSync(this.path, 'a');
      closeSync(this.fd);
      this.fd = fd;
    } catch {
      // ngx_reopen_files keeps the old descriptor when the new open fails.
    }
  }

  close(): void {
    if (this.fd !== null && this.fd !== 2) closeSync(this.fd);
    this.fd = null;
  }
}

const files = new Map<string, LogFile>();
let prefix = '';

/** Where relative error_log paths resolve (the -p prefix). */
export function setErrorLogPrefix(p: string): void {
  prefix = p;
}

/** The full path nginx opens for an error_log target as written. */
export function errorLogPath(path: string): string {
  return path === 'stderr' ? 'stderr' : fullName(prefix, path);
}

/** The shared file of a path as written; throws the open() error. */
function openFile(path: string): LogFile {
  const full = errorLogPath(path);
  let f = files.get(full);
  if (f === undefined) {
    f = new LogFile(full);
    files.set(full, f);
  }
  return f;
}

/** Opens (once) the file of an error_log path; throws the open() error. */
export function openErrorLog(path: string): void {
  openFile(path);
}

/** SIGUSR1: every error log file is opened again. */
export function reopenErrorLogs(): void {
  for (const f of files.values()) f.reopen();
}

/** Closes every error log file (at exit), stderr aside. */
export function closeErrorLogs(): void {
  for (const f of files.values()) f.close();
  files.clear();
}

export class ErrorLog {
  private readonly chain: readonly { readonly file: LogFile; readonly rank: number }[];

  /** The logs of `targets` (paths as written; none: stderr at `error`). Throws the open() error. */
  constructor(targets: readonly ErrorLogTarget[]) {
    const list = targets.length ? targets : [{ path: 'stderr', level: 'error' as const }];
    this.chain = list.map((t) => ({ file: openFile(t.path), rank: levelRank(t.level) }));
  }

  /** The first log's file: `stderr` or an absolute path. */
  get path(): string {
    return this.chain[0]!.file.path;
  }

  /** True when some log of the chain keeps `level` (callers may skip building the message). */
  admits(level: LogLevel): boolean {
    const rank = levelRank(level);
    return this.chain.some((l) => rank <= l.rank);
  }

  write(level: LogLevel, message: string): void {
    const rank = levelRank(level);
    let line: Buffer | null = null;
    for (const l of this.chain) {
      if (rank > l.rank) continue;
      line ??= Buffer.from(`${logTime()} [${level}] ${process.pid}#${process.pid}: ${message}\n`, 'latin1');
      l.file.write(line);
    }
  }
}

const chains = new WeakMap<readonly ErrorLogTarget[], ErrorLog>();

/** The log chain of a compiled level's `error_log` lines (their files opened at start-up). */
export function errorLogFor(targets: readonly ErrorLogTarget[]): ErrorLog {
  let log = chains.get(targets);
  if (log === undefined) {
    log = new ErrorLog(targets);
    chains.set(targets, log);
  }
  return log;
}
