/**
 * nginx's error log line format (ngx_log_error_core): `YYYY/MM/DD HH:MM:SS [level] PID#TID: msg`.
 */
import type { Diagnostic } from '../config/diagnostics.js';

function pad(n: number, w = 2): string {
  return String(n).padStart(w, '0');
}

/** The timestamp nginx writes at the start of an error log line (local time). */
export function logTime(d: Date = new Date()): string {
  return `${d.getFullYear()}/${pad(d.getMonth() + 1)}/${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

/** A diagnostic's text as nginx logs it: the message and, where nginx gives one, ` in FILE:LINE`. */
export function nginxMessage(d: Diagnostic): string {
  // nginx formats names with %s, which ends at a NUL byte.
  const message = d.message.replace(/\0[^"]*/g, '');
  if (d.unlocated || d.file === undefined || d.line === undefined) return message;
  if (d.file === 'command line') return `${message} in command line`;
  return `${message} in ${d.file}:${d.line}`;
}
