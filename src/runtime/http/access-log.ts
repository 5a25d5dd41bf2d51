/**
 * The log phase (ngx_http_log_handler): one line per request to each access log in force, the
 * format's variables escaped as nginx escapes them (`\xXX`, JSON, or not at all). A buffered file
 * (`buffer=`, `flush=`, `gzip`) collects lines and writes them when the next line does not fit, when
 * its flush timer fires, before a reopen, at a reload and at exit; with gzip each write is one gzip
 * member (ngx_http_log_gzip). A path with variables is opened for each line (ngx_http_log_script_write).
 */
import { closeSync, openSync, statSync, writeSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import type { AccessLog, LogBufferConf, LogEscape, LogFormat } from '../../compile/log-conf.js';
import { errnoText, fullName } from '../../config/source.js';
import type { HttpRequest } from './request.js';
import type { LogLevel } from './response.js';
import { evaluate, getCapture, getVariable } from './variables.js';
import { documentRoot } from './document-root.js';
import { processLogRequest } from './process-log.js';

/** Where a failed write is reported: the request's error log, or the main one for timer flushes. */
type LogError = (level: LogLevel, message: string) => void;

/** One open access log file (ngx_open_file_t) and its buffer, shared by every access_log naming it. */
class AccessLogFile {
  fd: number;
  buffer: LogBuffer | null = null;

  constructor(readonly full: string) {
    this.fd = full === 'stderr' ? 2 : openSync(full, 'a');
  }

  /** ngx_http_log_write for the file: gzip'ed when its buffer says so. Throws the write error. */
  write(data: Buffer): void {
    writeSync(this.fd, this.buffer !== null && this.buffer.conf.gzip > 0 ? gzipMember(data, this.buffer.conf.gzip) : data);
  }
}

/** ngx_http_log_buf_t: lines waiting for one write, and the flush timer of the first of them. */
class LogBuffer {
  private readonly data: Buffer;
  private pos = 0;
  private timer: NodeJS.Timeout | null = null;

  constructor(
    readonly conf: LogBufferConf,
    private readonly file: AccessLogFile,
  ) {
    this.data = Buffer.alloc(conf.size);
  }

  get free(): number {
    return this.data.length - this.pos;
  }

  get empty(): boolean {
    return this.pos === 0;
  }

  /** Adds a line that fits; the first line of an empty buffer starts the flush timer. */
  add(line: Buffer): void {
    if (this.pos === 0 && this.conf.flush > 0) {
      this.timer = setTimeout(() => this.flush(mainLogError), this.conf.flush);
      // A pending flush never keeps the process alive: exit flushes anyway.
      this.timer.unref();
    }
    line.copy(this.data, this.pos);
    this.pos += line.length;
  }

  /** ngx_http_log_flush: writes what the buffer holds (nothing when empty) and stops the timer. */
  flush(onError: LogError): void {
    this.stopTimer();
    if (this.pos === 0) return;
    this.writeOut(onError);
  }

  /** Writes the buffer's content even when empty (a full-buffer write before a longer line). */
  writeOut(onError: LogError): void {
    const len = this.pos;
    this.pos = 0;
    try {
      this.file.write(Buffer.from(this.data.subarray(0, len)));
    } catch (e) {
      onError('alert', `write() to "${this.file.full}" failed ${errnoText(e)}`);
    }
  }

  stopTimer(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
  }
}

/**
 * ngx_http_log_gzip: one gzip member per write, deflated with the window and memory level nginx
 * derives from the length (the smallest window that holds the data).
 */
function gzipMember(data: Buffer, level: number): Buffer {
  let wbits = 15;
  let memLevel = 8;
  while (data.length < (1 << (wbits - 1)) - 262) {
    wbits--;
    memLevel--;
  }
  // zlib treats a window of 8 as 9 for deflate; Node refuses 8 outright.
  return gzipSync(data, { level, windowBits: Math.max(9, wbits), memLevel: Math.max(1, memLevel) });
}

const files = new Map<string, AccessLogFile>();
let prefix = '';
let mainLogError: LogError = () => undefined;

/** Where relative access_log paths resolve (the -p prefix). */
export function setAccessLogPrefix(p: string): void {
  prefix = p;
}

/** Where write errors of timer flushes go (the cycle's log in nginx). */
export function setAccessLogErrorSink(sink: LogError): void {
  mainLogError = sink;
}

/**
 * Opens (once) the file of an access_log path, with its buffer if it has one; throws nginx's
 * open() error. A reload that gives a file other buffer parameters flushes the old buffer first.
 */
export function openAccessLog(path: string, buffer: LogBufferConf | null = null): void {
  const full = path === 'stderr' ? 'stderr' : fullName(prefix, path);
  let file = files.get(full);
  if (file === undefined) {
    file = new AccessLogFile(full);
    files.set(full, file);
  }
  const old = file.buffer;
  if (old !== null && (buffer === null || old.conf.size !== buffer.size || old.conf.flush !== buffer.flush || old.conf.gzip !== buffer.gzip)) {
    old.flush(mainLogError);
    file.buffer = null;
  }
  if (buffer !== null && file.buffer === null) file.buffer = new LogBuffer(buffer, file);
}

/** Writes out every buffered line now (at exit, at a reload, before a reopen). */
export function flushAccessLogs(): void {
  for (const f of files.values()) f.buffer?.flush(mainLogError);
}

/** SIGUSR1 (ngx_reopen_files): each buffer is flushed, then its file opened again (after rotation). */
export function reopenAccessLogs(): void {
  for (const f of files.values()) {
    f.buffer?.flush(mainLogError);
    if (f.fd === 2) continue;
    try {
      const fd = openSync(f.full, 'a');
      closeSync(f.fd);
      f.fd = fd;
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

/**
 * ngx_http_log_vars: the variables the log module writes itself, with the room it reserves for
 * each (64-bit NGX_TIME_T_LEN + 4, NGX_INT_T_LEN, NGX_OFF_T_LEN). A buffered log decides whether a
 * line fits by this reservation, not by the line's real length.
 */
const LOG_OP_LEN: Readonly<Record<string, number>> = {
  pipe: 1,
  time_local: 26,
  time_iso8601: 25,
  msec: 24,
  request_time: 24,
  status: 20,
  bytes_sent: 20,
  body_bytes_sent: 20,
  request_length: 20,
};

/** Per format, each part's reservation when the log module writes it itself (looked up once). */
const opLengths = new WeakMap<LogFormat, readonly (number | undefined)[]>();

function opLengthsOf(r: HttpRequest, format: LogFormat): readonly (number | undefined)[] {
  let ops = opLengths.get(format);
  if (ops === undefined) {
    ops = format.value.parts.map((p) => (p.kind === 'var' ? LOG_OP_LEN[r.variables[p.index]!.name] : undefined));
    opLengths.set(format, ops);
  }
  return ops;
}

/** The line, and the length nginx reserves for it (ngx_http_log_handler's `len`). */
function render(r: HttpRequest, log: AccessLog): { line: string; reserved: number } {
  const escape: LogEscape = log.format.escape;
  const parts = log.format.value.parts;
  const ops = opLengthsOf(r, log.format);
  let line = '';
  let extra = 0;
  for (let i = 0; i < parts.length; i++) {
    const p = parts[i]!;
    if (p.kind === 'text') line += p.text;
    else {
      const op = ops[i];
      const v = p.kind === 'var' ? getVariable(r, p.index) : getCapture(r, p.n);
      if (op !== undefined && v !== undefined) {
        extra += op - v.length;
        line += v;
        continue;
      }
      // ngx_http_log_variable: a missing value is "-"; with escape=json or none it is left out.
      if (v === undefined) line += escape === 'default' ? '-' : '';
      else line += escape === 'default' ? escapeDefault(v) : escape === 'json' ? escapeJson(v) : v;
    }
  }
  line += '\n';
  return { line, reserved: line.length + extra };
}

/**
 * ngx_http_log_script_write: a path with variables, opened for the line. The document root is
 * tested first (a request whose root does not exist logs nothing there); failures are logged and
 * the line dropped, as nginx "simulates successful logging".
 */
function writeScript(r: HttpRequest, log: AccessLog, line: Buffer, onError: LogError): void {
  const root = documentRoot(r);
  try {
    if (!statSync(root).isDirectory()) {
      onError('error', `testing "${root}" existence failed (20: Not a directory)`);
      return;
    }
  } catch (e) {
    onError('error', `testing "${root}" existence failed ${errnoText(e)}`);
    return;
  }
  const name = fullName(prefix, evaluate(r, log.script!));
  let fd: number;
  try {
    fd = openSync(Buffer.from(name, 'latin1'), 'a', 0o644);
  } catch (e) {
    onError('crit', `open() "${name}" failed ${errnoText(e)}`);
    return;
  }
  try {
    writeSync(fd, line);
  } catch (e) {
    onError('alert', `write() to "${name}" failed ${errnoText(e)}`);
  } finally {
    closeSync(fd);
  }
}

/** Writes the request's lines; errors are the error log's business, never the client's. */
export function logRequest(r: HttpRequest, onError: LogError): void {
  processLogRequest(r);
  const logs = r.conf.accessLogs;
  for (const log of logs) {
    if (log.condition !== null) {
      const c = evaluate(r, log.condition);
      if (c === '' || c === '0') continue;
    }
    const { line: text, reserved } = render(r, log);
    const line = Buffer.from(text, 'latin1');
    if (log.script !== null) {
      writeScript(r, log, line, onError);
      continue;
    }
    const full = log.path === 'stderr' ? 'stderr' : fullName(prefix, log.path);
    try {
      let file = files.get(full);
      if (file === undefined) {
        openAccessLog(log.path, log.buffer);
        file = files.get(full)!;
      }
      const buffer = file.buffer;
      if (buffer !== null) {
        // A line that does not fit sends the buffer out first; one longer than the whole buffer
        // is written on its own.
        if (reserved > buffer.free) buffer.writeOut(onError);
        if (reserved <= buffer.free) {
          buffer.add(line);
          continue;
        }
        buffer.stopTimer();
      }
      file.write(line);
    } catch (e) {
      onError('alert', `write() to "${full}" failed ${errnoText(e)}`);
    }
  }
}
