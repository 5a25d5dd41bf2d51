/**
 * The log phase (ngx_http_log_handler): one line per request to each access log in force, the
 * format's variables escaped as nginx escapes them (`\xXX`, JSON, or not at all).
 */
import { closeSync, openSync, writeSync } from 'node:fs';
import type { AccessLog, LogEscape } from '../../compile/log-conf.js';
import { fullName } from '../../config/source.js';
import type { HttpRequest } from './request.js';
import { evaluate, getCapture, getVariable } from './variables.js';
import { processLogRequest } from './process-log.js';

const files = new Map<string, number>();
let prefix = '';

/** Where relative access_log paths resolve (the -p prefix). */
export function setAccessLogPrefix(p: string): void {
  prefix = p;
}

/** Opens (once) the file of an access_log path; throws nginx's open() error. */
export function openAccessLog(path: string): number {
  if (path === 'stderr') return 2;
  const full = fullName(prefix, path);
  let fd = files.get(full);
  if (fd === undefined) {
    fd = openSync(full, 'a');
    files.set(full, fd);
  }
  return fd;
}

/** SIGUSR1: every access log file is opened again (after rotation), its old descriptor closed. */
export function reopenAccessLogs(): void {
  for (const [full, fd] of files) {
    try {
      files.set(full, openSync(full, 'a'));
      closeSync(fd);
    } catch {
      // nginx keeps writing to the old file when the new one cannot be opened.
    }
  }
}

// ngx_http_log_escape: control characters, `"`, `\`, DEL and bytes above 0x7f as \xXX.
function escapeDefault(s: string): string {
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x20 || c === 0x22 || c === 0x5c || c >= 0x7f) out += '\\x' + c.toString(16).toUpperCase().padStart(2, '0');
    else out += s[i];
  }
  return out;
}

// ngx_escape_json
function escapeJson(s: string): string {
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 0x22 || c === 0x5c) out += '\\' + s[i];
    else if (c >= 0x20) out += s[i];
    else if (c === 0x0a) out += '\\n';
    else if (c === 0x0d) out += '\\r';
    else if (c === 0x09) out += '\\t';
    else if (c === 0x08) out += '\\b';
    else if (c === 0x0c) out += '\\f';
    else out += '\\u00' + c.toString(16).padStart(2, '0');
  }
  return out;
}

function render(r: HttpRequest, log: AccessLog): string {
  const escape: LogEscape = log.format.escape;
  let line = '';
  for (const p of log.format.value.parts) {
    if (p.kind === 'text') line += p.text;
    else {
      const v = p.kind === 'var' ? getVariable(r, p.index) : getCapture(r, p.n);
      // ngx_http_log_variable: a missing value is "-"; with escape=json or none it is left out.
      if (v === undefined) line += escape === 'default' ? '-' : '';
      else line += escape === 'default' ? escapeDefault(v) : escape === 'json' ? escapeJson(v) : v;
    }
  }
  return line + '\n';
}

/** Writes the request's lines; errors are the error log's business, never the client's. */
export function logRequest(r: HttpRequest, onError: (message: string) => void): void {
  processLogRequest(r);
  const logs = r.conf.accessLogs;
  for (const log of logs) {
    if (log.condition !== null) {
      const c = evaluate(r, log.condition);
      if (c === '' || c === '0') continue;
    }
    try {
      writeSync(openAccessLog(log.path), Buffer.from(render(r, log), 'latin1'));
    } catch (e) {
      onError(`write() to "${log.path}" failed (${(e as NodeJS.ErrnoException).code ?? 'error'})`);
    }
  }
}
