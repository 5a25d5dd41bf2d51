/**
 * The error log (ngx_log_error_core): `YYYY/MM/DD HH:MM:SS [level] PID#TID: message` lines, written
 * when the level is at least the configured one, to a file or to stderr.
 */
import { closeSync, openSync, writeSync } from 'node:fs';
import { logTime } from '../cli/log-line.js';
import type { LogLevel } from './http/response.js';

const LEVELS: readonly LogLevel[] = ['emerg', 'alert', 'crit', 'error', 'warn', 'notice', 'info', 'debug'];

/** The rank of a level: lower is more severe. */
export function levelRank(level: LogLevel): number {
  return LEVELS.indexOf(level);
}

export class ErrorLog {
  private fd: number | null;

  /** `path` null or `stderr` logs to standard error. */
  constructor(
    readonly path: string | null,
    readonly level: LogLevel = 'error',
  ) {
    this.fd = path === null || path === 'stderr' ? 2 : openSync(path, 'a');
  }

  write(level: LogLevel, message: string): void {
    if (this.fd === null || levelRank(level) > levelRank(this.level)) return;
    const line = `${logTime()} [${level}] ${process.pid}#${process.pid}: ${message}\n`;
    try {
      writeSync(this.fd, Buffer.from(line, 'latin1'));
    } catch {
      // A log that cannot be written must not take the server down.
    }
  }

  /** Reopens the file (SIGUSR1 after log rotation). */
  reopen(): void {
    if (this.path === null || this.path === 'stderr' || this.fd === null) return;
    const old = this.fd;
    this.fd = openSync(this.path, 'a');
    closeSync(old);
  }

  close(): void {
    if (this.fd !== null && this.fd !== 2) closeSync(this.fd);
    this.fd = null;
  }
}
