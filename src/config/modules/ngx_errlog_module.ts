/**
 * ngx_errlog_module (src/core/ngx_log.c): the main `error_log`. Its setter, ngx_log_set_log, also
 * serves the http `error_log` of ngx_http_core_module, and its syslog parser serves `access_log`.
 */
import type { Context, DirectiveSpec, ModuleSpec, Setter, SetterContext } from '../registry/types.js';
import { parseSize, parseUrl } from '../values.js';

const M = 'ngx_errlog_module';
const MAIN: readonly Context[] = ['MAIN'];

/** err_levels[] of ngx_log.c, from NGX_LOG_EMERG (1) to NGX_LOG_DEBUG (8). */
const LEVELS = ['emerg', 'alert', 'crit', 'error', 'warn', 'notice', 'info', 'debug'];

/** debug_levels[]: bits that may be combined, but not with a plain level. */
const DEBUG_LEVELS = [
  'debug_core',
  'debug_alloc',
  'debug_mutex',
  'debug_event',
  'debug_http',
  'debug_mail',
  'debug_stream',
];

/** NGX_LINEFEED "MEMLOG  :\n" with its NUL, NGX_SIZE_T_LEN, NGX_INT_T_LEN and NGX_MAX_ERROR_STR. */
const MEMLOG_OVERHEAD = 11 + 20 + 20 + 2048;

/** ngx_log_set_levels: checks the levels after the log target. */
function setLevels(cx: SetterContext, levels: readonly string[]): boolean {
  let level = 0;
  let debugBits = 0;
  for (const v of levels) {
    const n = LEVELS.indexOf(v);
    if (n !== -1) {
      if (level !== 0 || debugBits !== 0) {
        cx.error(`duplicate log level "${v}"`);
        return false;
      }
      level = n + 1;
      continue;
    }
    const d = DEBUG_LEVELS.indexOf(v);
    if (d !== -1) {
      // A debug_* bit after a plain level (even "debug") is refused.
      if (level !== 0) {
        cx.error(`invalid log level "${v}"`);
        return false;
      }
      debugBits |= 1 << d;
      continue;
    }
    cx.error(`invalid log level "${v}"`);
    return false;
  }
  return true;
}

const FACILITIES = [
  'kern', 'user', 'mail', 'daemon', 'auth', 'intern', 'lpr', 'news', 'uucp', 'clock', 'authpriv', 'ftp',
  'ntp', 'audit', 'alert', 'cron', 'local0', 'local1', 'local2', 'local3', 'local4', 'local5', 'local6',
  'local7',
];

/** nginx spells severities as in nginx.conf ('error', 'warn'), not as syslog does. */
const SEVERITIES = ['emerg', 'alert', 'crit', 'error', 'warn', 'notice', 'info', 'debug'];

/**
 * ngx_syslog_process_conf: checks a `syslog:server=…,facility=…,severity=…,tag=…,nohostname`
 * target. Returns false after reporting nginx's error. The server's host name is not resolved.
 */
export function syslogProcessConf(cx: SetterContext, target: string): boolean {
  let server = false;
  let facility = false;
  let severity = false;
  let tag = false;
  for (const p of target.slice('syslog:'.length).split(',')) {
    if (p.startsWith('server=')) {
      if (server) {
        cx.error('duplicate syslog "server"');
        return false;
      }
      const url = p.slice(7);
      const u = parseUrl(url, { defaultPort: 514 });
      if (!u.ok) {
        cx.error(`${u.err} in syslog server "${url}"`);
        return false;
      }
      server = true;
    } else if (p.startsWith('facility=')) {
      if (facility) {
        cx.error('duplicate syslog "facility"');
        return false;
      }
      if (!FACILITIES.includes(p.slice(9))) {
        cx.error(`unknown syslog facility "${p.slice(9)}"`);
        return false;
      }
      facility = true;
    } else if (p.startsWith('severity=')) {
      if (severity) {
        cx.error('duplicate syslog "severity"');
        return false;
      }
      if (!SEVERITIES.includes(p.slice(9))) {
        cx.error(`unknown syslog severity "${p.slice(9)}"`);
        return false;
      }
      severity = true;
    } else if (p.startsWith('tag=')) {
      if (tag) {
        cx.error('duplicate syslog "tag"');
        return false;
      }
      const t = p.slice(4);
      if (t.length > 32) {
        cx.error('syslog tag length exceeds 32');
        return false;
      }
      if (!/^[0-9A-Za-z_]*$/.test(t)) {
        cx.error('syslog "tag" only allows alphanumeric characters and underscore');
        return false;
      }
      tag = true;
    } else if (p !== 'nohostname') {
      cx.error(`unknown syslog parameter "${p}"`);
      return false;
    }
  }
  if (!server) {
    cx.error('no syslog server specified');
    return false;
  }
  return true;
}

/**
 * ngx_log_set_log: `error_log stderr|memory:SIZE|syslog:…|FILE [level…]`. Opening the file is a
 * cycle-time step in nginx and is not modelled here.
 */
export const logSetLog: Setter = (cx, args) => {
  const target = args[0]?.value ?? '';
  if (target.startsWith('memory:')) {
    // The Debian build has --with-debug, so memory logs are accepted when large enough.
    const text = target.slice(7);
    const size = parseSize(text);
    if (size === null || size < MEMLOG_OVERHEAD + cx.directive.span.file.length) {
      cx.error(`invalid buffer size "${text}"`);
      return;
    }
  } else if (target.startsWith('syslog:')) {
    if (!syslogProcessConf(cx, target)) return;
  }
  setLevels(
    cx,
    args.slice(1).map((a) => a.value),
  );
};

const directives: readonly DirectiveSpec[] = [
  { name: 'error_log', module: M, contexts: MAIN, args: '1MORE', slot: { kind: 'none' }, set: logSetLog, effect: 'runtime' },
];

export const ngxErrlogModule: ModuleSpec = { name: M, directives };
