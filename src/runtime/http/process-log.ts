/**
 * ngts's own process log, beside nginx's logs: one line per request for the person running
 * `ngts run` — status, method, URI, the location that served it, the upstream, the time — pretty
 * and coloured on a terminal, or JSON through pino (`--log-format json`) for machines. nginx's
 * access_log and error_log are written as configured either way.
 */
import { createRequire } from 'node:module';
import type { Logger, pino as Pino } from 'pino';
import type { HttpRequest } from './request.js';
import { resolveBuiltin } from './variables.js';
import { withProxyVariables } from '../proxy/proxy-variables.js';
import type { VariableGetter } from '../../compile/variable-table.js';

export type ProcessLogFormat = 'pretty' | 'json' | 'off';
export const PROCESS_LOG_FORMATS: readonly ProcessLogFormat[] = ['pretty', 'json', 'off'];

const builtin = withProxyVariables(resolveBuiltin);
const getter = (name: string): VariableGetter => builtin(name)!.get;
const STATUS = getter('status');
const URI = getter('request_uri');
const UPSTREAM = getter('upstream_addr');

let line: ((r: HttpRequest) => void) | null = null;
let logger: Logger | null = null;

/** What one request did, in the fields both formats show. */
function summary(r: HttpRequest): { status: number; method: string; uri: string; location: string | null; upstream: string | null; ms: number; client: string } {
  const upstream = UPSTREAM(r);
  return {
    status: Number(STATUS(r) ?? 0),
    method: r.head.method,
    uri: URI(r) ?? '',
    location: r.loc?.label ?? null,
    upstream: upstream === undefined || upstream === '' ? null : upstream,
    ms: Math.max(0, Date.now() - r.startTime),
    client: r.remoteAddress,
  };
}

function colour(status: number): string {
  return status >= 500 ? '31' : status >= 400 ? '33' : status >= 300 ? '36' : '32';
}

/**
 * Chooses the format. `pretty` writes to `out` (a terminal: colours when it is one); `json` writes
 * pino's JSON lines to `out`; `off` writes nothing. pino is loaded for `json` alone: its modules
 * are several MiB of a server's memory.
 */
export function setProcessLog(format: ProcessLogFormat, out: NodeJS.WriteStream = process.stdout): void {
  logger = null;
  line = null;
  if (format === 'off') return;
  if (format === 'json') {
    // require, not import(): the bundle's files run as vm scripts, which have no dynamic import.
    const { pino } = createRequire(import.meta.url)('pino') as { pino: typeof Pino };
    const log = pino({ base: { pid: process.pid }, messageKey: 'msg' }, out);
    logger = log;
    line = (r) => log.info(summary(r), 'request');
    return;
  }
  const tty = out.isTTY === true;
  const c = (code: string, s: string): string => (tty ? `\x1b[${code}m${s}\x1b[0m` : s);
  line = (r) => {
    const s = summary(r);
    const t = new Date().toTimeString().slice(0, 8);
    const where = [s.location ?? '(server)', ...(s.upstream ? [`→ ${s.upstream}`] : [])].join(' ');
    // The method and URI are the client's bytes (latin1 strings); the rest is ours, in UTF-8.
    out.write(
      Buffer.concat([
        Buffer.from(`${c('2', t)} ${c(colour(s.status), String(s.status))} `, 'utf8'),
        Buffer.from(`${s.method} ${s.uri}`, 'latin1'),
        Buffer.from(` ${c('2', where)} ${c('2', `${s.ms}ms`)}\n`, 'utf8'),
      ]),
    );
  };
}

/** The log phase: the request's line, if the process log is on. */
export function processLogRequest(r: HttpRequest): void {
  if (line !== null) line(r);
}

/** ngts's own events (start, reload, stop) in the process log's format; false when it is off or pretty. */
export function processLogEvent(level: 'info' | 'warn' | 'error', msg: string, fields: Record<string, unknown> = {}): boolean {
  if (logger === null) return false;
  logger[level](fields, msg);
  return true;
}
