/**
 * ngx_http_log_module (src/http/modules/ngx_http_log_module.c): `log_format` and `access_log`.
 * Formats are global and read in file order: an access_log may only name a format defined above it
 * (`combined` is predefined).
 */
import type { Context, DirectiveSpec, ModuleSpec, Setter, SetterContext } from '../registry/types.js';
import { syslogProcessConf } from './ngx_errlog_module.js';
import { isDuplicate } from './setters.js';
import { countVariables, parseNumber, parseSize, parseTime } from '../values.js';

const M = 'ngx_http_log_module';

const FORMATS = 'ngx_http_log_module:formats';
const BUFFERED = 'ngx_http_log_module:buffered';

/** The names of the formats defined so far, `combined` first. */
function formats(cx: SetterContext): string[] {
  let list = cx.global.get(FORMATS) as string[] | undefined;
  if (list === undefined) {
    list = ['combined'];
    cx.global.set(FORMATS, list);
  }
  return list;
}

/**
 * ngx_http_log_compile_format's own checks: `escape=`, then `$var` / `${var}` syntax. Unknown
 * variables are reported by nginx after the http block is read, not here.
 */
function compileFormat(cx: SetterContext, parts: readonly string[]): void {
  let start = 0;
  const first = parts[0];
  if (first !== undefined && first.startsWith('escape=')) {
    const escape = first.slice(7);
    if (escape !== 'json' && escape !== 'none' && escape !== 'default') {
      cx.error(`unknown log format escaping "${escape}"`);
      return;
    }
    start = 1;
  }
  for (const part of parts.slice(start)) {
    let i = 0;
    while (i < part.length) {
      if (part.charAt(i) !== '$') {
        i++;
        continue;
      }
      const from = i;
      if (++i === part.length) {
        cx.error(`invalid parameter "${part.slice(from)}"`);
        return;
      }
      let bracket = false;
      if (part.charAt(i) === '{') {
        bracket = true;
        if (++i === part.length) {
          cx.error(`invalid parameter "${part.slice(from)}"`);
          return;
        }
      }
      const nameStart = i;
      while (i < part.length && /[A-Za-z0-9_]/.test(part.charAt(i))) i++;
      const name = part.slice(nameStart, i);
      if (bracket) {
        if (part.charAt(i) !== '}') {
          cx.error(`the closing bracket in "${name}" variable is missing`);
          return;
        }
        i++;
      }
      if (name.length === 0) {
        cx.error(`invalid parameter "${part.slice(from)}"`);
        return;
      }
    }
  }
}

/** ngx_http_log_set_format: a new name (case-sensitive), then the format itself. */
const setFormat: Setter = (cx, args) => {
  const name = args[0]?.value ?? '';
  const list = formats(cx);
  if (list.includes(name)) {
    cx.error(`duplicate "log_format" name "${name}"`);
    return;
  }
  list.push(name);
  compileFormat(
    cx,
    args.slice(1).map((a) => a.value),
  );
};

/** The buffer of a buffered log file, shared by every access_log naming the file. */
interface LogBuffer {
  readonly size: number;
  readonly flush: number;
  readonly gzip: number;
}

/**
 * ngx_http_log_set_log: `off`, or a path / `syslog:` target, a known format (any case) and
 * `buffer=`, `flush=`, `gzip[=level]`, `if=` parameters. Buffered files must agree on their buffer.
 */
const setLog: Setter = (cx, args) => {
  const target = args[0]?.value ?? '';
  if (target === 'off') {
    const extra = args[1];
    if (extra !== undefined) cx.error(`invalid parameter "${extra.value}"`);
    return;
  }
  const syslog = target.startsWith('syslog:');
  if (syslog && !syslogProcessConf(cx, target)) return;
  const variables = !syslog && countVariables(target) > 0;

  const name = args[1]?.value ?? 'combined';
  if (!formats(cx).some((f) => f.toLowerCase() === name.toLowerCase())) {
    cx.error(`unknown log format "${name}"`);
    return;
  }

  let size = 0;
  let flush = 0;
  let gzip = 0;
  for (const a of args.slice(2)) {
    const v = a.value;
    if (v.startsWith('buffer=')) {
      const n = parseSize(v.slice(7));
      if (n === null || n === 0) {
        cx.error(`invalid buffer size "${v.slice(7)}"`);
        return;
      }
      size = n;
    } else if (v.startsWith('flush=')) {
      const t = parseTime(v.slice(6), false);
      if (t === null || t === 0) {
        cx.error(`invalid flush time "${v.slice(6)}"`);
        return;
      }
      flush = t;
    } else if (v === 'gzip' || v.startsWith('gzip=')) {
      if (size === 0) size = 64 * 1024;
      if (v === 'gzip') {
        gzip = 1;
        continue;
      }
      const level = parseNumber(v.slice(5));
      if (level === null || level < 1 || level > 9) {
        cx.error(`invalid compression level "${v.slice(5)}"`);
        return;
      }
      gzip = level;
    } else if (!v.startsWith('if=')) {
      cx.error(`invalid parameter "${v}"`);
      return;
    }
  }

  if (flush && size === 0) {
    cx.error(`no buffer is defined for access_log "${target}"`);
    return;
  }
  if (size === 0) return;
  if (variables) {
    cx.error('buffered logs cannot have variables in name');
    return;
  }
  if (syslog) {
    cx.error('logs to syslog cannot be buffered');
    return;
  }
  let buffers = cx.global.get(BUFFERED) as Map<string, LogBuffer> | undefined;
  if (buffers === undefined) {
    buffers = new Map();
    cx.global.set(BUFFERED, buffers);
  }
  const known = buffers.get(target);
  if (known === undefined) {
    buffers.set(target, { size, flush, gzip });
    return;
  }
  if (known.size !== size || known.flush !== flush || known.gzip !== gzip) {
    cx.error(`access_log "${target}" already defined with conflicting parameters`);
  }
};

/** ngx_http_log_open_file_cache: `off`, or `max=N [inactive=] [min_uses=] [valid=]`. */
const openLogFileCache: Setter = (cx, args) => {
  if (isDuplicate(cx, 'ngx_http_log_module:open_log_file_cache')) return;
  let max = 0;
  let off = false;
  for (const a of args) {
    const v = a.value;
    let ok: boolean;
    if (v.startsWith('max=')) {
      const n = parseNumber(v.slice(4));
      ok = n !== null;
      max = n ?? 0;
    } else if (v.startsWith('inactive=')) {
      ok = parseTime(v.slice(9), true) !== null;
    } else if (v.startsWith('min_uses=')) {
      ok = parseNumber(v.slice(9)) !== null;
    } else if (v.startsWith('valid=')) {
      ok = parseTime(v.slice(6), true) !== null;
    } else {
      ok = v === 'off';
      if (ok) off = true;
    }
    if (!ok) {
      cx.error(`invalid "open_log_file_cache" parameter "${v}"`);
      return;
    }
  }
  if (!off && max === 0) cx.error('"open_log_file_cache" must have "max" parameter');
};

const directives: readonly DirectiveSpec[] = [
  { name: 'log_format', module: M, contexts: ['HTTP_MAIN'], args: '2MORE', slot: { kind: 'none' }, set: setFormat, effect: 'runtime' },
  {
    name: 'access_log',
    module: M,
    contexts: ['HTTP_MAIN', 'HTTP_SRV', 'HTTP_LOC', 'HTTP_LIF', 'HTTP_LMT'] satisfies readonly Context[],
    args: '1MORE',
    slot: { kind: 'none' },
    set: setLog,
    effect: 'runtime',
  },
  {
    name: 'open_log_file_cache',
    module: M,
    contexts: ['HTTP_MAIN', 'HTTP_SRV', 'HTTP_LOC'],
    args: [1, 2, 3, 4],
    slot: { kind: 'none' },
    set: openLogFileCache,
    effect: 'none',
  },
];

export const ngxHttpLogModule: ModuleSpec = { name: M, directives };
