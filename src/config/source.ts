/**
 * Reading configuration files as nginx does: bytes (decoded as latin1), with nginx's open()/pread()
 * error messages, and the prefix rules of ngx_conf_full_name for relative paths.
 */
import { readFileSync } from 'node:fs';
import { isAbsolute } from 'node:path';
import type { ConfigFile } from './ast.js';
import { parseConfig } from './parser.js';

/** errno values and strerror texts nginx prints for the system errors ngts can meet (Linux). */
const ERRNO: Readonly<Record<string, [number, string]>> = {
  ENOENT: [2, 'No such file or directory'],
  ESRCH: [3, 'No such process'],
  EPERM: [1, 'Operation not permitted'],
  EPIPE: [32, 'Broken pipe'],
  EADDRINUSE: [98, 'Address already in use'],
  EADDRNOTAVAIL: [99, 'Cannot assign requested address'],
  ECONNRESET: [104, 'Connection reset by peer'],
  ETIMEDOUT: [110, 'Connection timed out'],
  ECONNREFUSED: [111, 'Connection refused'],
  EHOSTUNREACH: [113, 'No route to host'],
  EACCES: [13, 'Permission denied'],
  ENOTDIR: [20, 'Not a directory'],
  EISDIR: [21, 'Is a directory'],
  ELOOP: [40, 'Too many levels of symbolic links'],
  EMFILE: [24, 'Too many open files'],
  ENAMETOOLONG: [36, 'File name too long'],
};

/** nginx's `(N: strerror)` suffix for a Node.js system error (files, sockets). */
export function errnoText(err: unknown): string {
  const code = (err as NodeJS.ErrnoException).code ?? '';
  const known = ERRNO[code];
  if (known) return `(${known[0]}: ${known[1]})`;
  const errno = Math.abs((err as NodeJS.ErrnoException).errno ?? 0);
  return `(${errno}: ${(err as Error).message})`;
}

/** A file that could not be read, with the message nginx logs for it. */
export interface ReadFailure {
  readonly failed: true;
  /** e.g. `open() "/x" failed (2: No such file or directory)`. */
  readonly message: string;
  /** nginx names the including directive's file:line for open() failures but not for pread(). */
  readonly located: boolean;
}

/** Reads and parses one file; read failures come back as values with nginx's wording. */
export function readConfigFile(path: string): ConfigFile | ReadFailure {
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    // open(2) of a directory succeeds; nginx fails when it reads it.
    if (code === 'EISDIR') return { failed: true, message: `pread() "${path}" failed ${errnoText(err)}`, located: false };
    return { failed: true, message: `open() "${path}" failed ${errnoText(err)}`, located: true };
  }
  return parseConfig(bytes.toString('latin1'), path);
}

/** ngx_conf_full_name: an absolute path stays, a relative one is taken from `base`. */
export function fullName(base: string, name: string): string {
  if (isAbsolute(name)) return name;
  // nginx concatenates without normalising, and its messages show the path so built.
  return base.endsWith('/') ? base + name : base + '/' + name;
}
