/**
 * Runs a rewrite script (ngx_http_rewrite_handler and the script codes of ngx_http_script.c):
 * `rewrite` changes $uri/$args or redirects, `return` answers, `set` assigns, `if` tests and may
 * switch to its block's location configuration, `break` stops.
 */
import { closeSync, constants, fstatSync, openSync } from 'node:fs';
import type { RewriteCode } from '../../compile/rewrite-script.js';
import { errnoText } from '../../config/source.js';
import { uriExten } from './internal-redirect.js';
import type { HttpRequest } from './request.js';
import { sendResponse, type ResponseSink } from './response.js';
import { unescapeUri } from './normalize-uri.js';
import { evaluate, getVariable } from './variables.js';

const DECLINED = -5;

/** What a script ended with: DECLINED to go on, or a status / DONE for finalization. */
export interface ScriptResult {
  readonly rc: number;
  /** A `rewrite` without redirect changed the URI and was not `break`: find the location again. */
  readonly uriChanged: boolean;
}

// The parts of ngx_http_script_engine_t the codes share.
interface Engine {
  rc: number;
  stop: boolean;
  /** r->uri_changed */
  uriChanged: boolean;
  /**
   * e->quote: captures copied by `set` and `if` values are escaped (when the URI was encoded).
   * The handler starts with it on; the end of the first matching `rewrite` turns it off.
   */
  quote: boolean;
}

/** Runs `codes` for `r`. */
export function runRewriteScript(r: HttpRequest, sink: ResponseSink, codes: readonly RewriteCode[]): ScriptResult {
  const e: Engine = { rc: DECLINED, stop: false, uriChanged: false, quote: true };
  runCodes(r, sink, codes, e);
  return { rc: e.rc, uriChanged: e.uriChanged };
}

function runCodes(r: HttpRequest, sink: ResponseSink, codes: readonly RewriteCode[], e: Engine): void {
  for (const code of codes) {
    if (e.stop) return;
    switch (code.op) {
      case 'return': {
        // ngx_http_script_return_code. `return 404 ""` has no text: nginx answers it with its
        // error page.
        e.stop = true;
        if (code.code >= 400 && (code.text === null || code.text.source.length === 0)) {
          e.rc = code.code;
          return;
        }
        // ngx_http_send_response discards the request body before it evaluates the text (a
        // complex value, whose captures are never escaped), so $content_length sees the result.
        const rc = sink.discardBody();
        if (rc !== 0) {
          e.rc = rc;
          return;
        }
        r.headersOut.status = code.code;
        e.rc = sendResponse(r, sink, code.code, code.text === null ? '' : evaluate(r, code.text));
        return;
      }
      case 'set': {
        // ngx_http_script_set_var_code, or the variable's set handler ($args).
        const value = evaluate(r, code.value, e.quote);
        const set = r.variables[code.index]!.set;
        if (set !== null) set(r, value);
        else r.values[code.index] = value;
        break;
      }
      case 'break':
        // ngx_http_script_break_code
        if (e.uriChanged) {
          r.validLocation = false;
          e.uriChanged = false;
        }
        e.stop = true;
        return;
      case 'if':
        if (testIf(r, code.test, e, sink)) {
          if (code.conf !== null) {
            r.conf = code.conf;
          }
          runCodes(r, sink, code.codes, e);
        }
        break;
      case 'rewrite':
        runRewrite(r, code, e, sink);
        break;
    }
  }
}

function setNamed(r: HttpRequest, names: readonly { name: string; index: number }[], m: RegExpExecArray): void {
  for (const n of names) r.values[n.index] = m.groups?.[n.name] ?? '';
}

/**
 * ngx_http_regex_exec as the script codes use it: a match replaces the request's captures and sets
 * the named ones; a miss leaves no captures at all (r->ncaptures = 0), so $1 is empty afterwards.
 */
function regexExec(r: HttpRequest, re: RegExp, names: readonly { name: string; index: number }[], subject: string): boolean {
  re.lastIndex = 0;
  const m = re.exec(subject);
  if (m === null) {
    r.captures = null;
    return false;
  }
  r.captures = m;
  setNamed(r, names, m);
  return true;
}

// ngx_http_script_regex_start_code + copy codes + ngx_http_script_regex_end_code for `rewrite`.
function runRewrite(r: HttpRequest, code: Extract<RewriteCode, { op: 'rewrite' }>, e: Engine, sink: ResponseSink): void {
  if (!regexExec(r, code.re, code.names, r.uri)) {
    if (r.conf.rewriteLog) sink.log('notice', `"${code.pattern}" does not match "${r.uri}"`);
    return;
  }
  if (r.conf.rewriteLog) sink.log('notice', `"${code.pattern}" matches "${r.uri}"`);
  // code->uri is set for every rewrite, redirects included.
  r.internal = true;
  const redirect = code.status !== 0;
  if (redirect) {
    // e->quote = code->redirect: every capture is escaped, then the whole Location is unescaped
    // with NGX_UNESCAPE_REDIRECT (up to the first `?`; the rest is kept as it is).
    let value = evaluate(r, code.replacement, true);
    const u = unescapeUri(value, 'redirect');
    value = u.value + value.slice(u.end);
    if (code.addArgs && r.args.length) value += (code.hasArgs ? '&' : '?') + r.args;
    if (r.conf.rewriteLog) sink.log('notice', `rewritten redirect: "${value}"`);
    r.headersOut.location = value;
    e.rc = code.status;
    e.stop = true;
    return;
  }
  if (code.flag === 'break') {
    r.validLocation = false;
    e.uriChanged = false;
  } else e.uriChanged = true;
  // Captures in the URI part are copied as they are, those after `?` escaped (e->is_args).
  const value = evaluate(r, code.replacement);
  if (code.args !== null) {
    let args = evaluate(r, code.args, true);
    if (code.addArgs && r.args.length) args += '&' + r.args;
    r.args = args;
  } else if (!code.addArgs) r.args = '';
  e.quote = false;
  if (r.conf.rewriteLog) sink.log('notice', `rewritten data: "${value}", args: "${r.args}"`);
  if (value.length === 0) {
    sink.log('error', 'the rewritten URI has a zero length');
    e.rc = 500;
    e.stop = true;
    return;
  }
  r.uri = value;
  r.exten = uriExten(value);
  if (code.flag === 'last' || code.flag === 'break') e.stop = true;
}

function isTrue(v: string | undefined): boolean {
  return v !== undefined && v.length > 0 && v !== '0';
}

// ngx_http_script_if_code and the condition codes before it.
function testIf(r: HttpRequest, t: Extract<RewriteCode, { op: 'if' }>['test'], e: Engine, sink: ResponseSink): boolean {
  switch (t.kind) {
    case 'variable':
      return isTrue(getVariable(r, t.index));
    case 'compare': {
      const equal = (getVariable(r, t.index) ?? '') === evaluate(r, t.value, e.quote);
      return t.negate ? !equal : equal;
    }
    case 'regex': {
      const subject = getVariable(r, t.index) ?? '';
      const matched = regexExec(r, t.re, t.names, subject);
      if (r.conf.rewriteLog) sink.log('notice', `"${t.pattern}" ${matched ? 'matches' : 'does not match'} "${subject}"`);
      return matched !== t.negate;
    }
    case 'file': {
      const ok = fileTest(t.op, evaluate(r, t.path, e.quote), sink);
      return t.negate ? !ok : ok;
    }
  }
}

/**
 * ngx_http_script_file_code: nginx opens the path (read-only, non-blocking) and looks at what it
 * opened. Anything it cannot open is false; -e is true only for files, directories and links (not
 * for devices, FIFOs or sockets); -x only looks at the owner's execute bit, directories included.
 */
function fileTest(op: 'f' | 'd' | 'e' | 'x', path: string, sink: ResponseSink): boolean {
  let fd: number;
  try {
    fd = openSync(Buffer.from(path, 'latin1'), constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code !== 'ENOENT' && code !== 'ENOTDIR' && code !== 'ENAMETOOLONG') {
      sink.log('crit', `open() "${path}" failed ${errnoText(err)}`);
    }
    return false;
  }
  try {
    const st = fstatSync(fd);
    switch (op) {
      case 'f':
        return st.isFile();
      case 'd':
        return st.isDirectory();
      case 'e':
        return st.isFile() || st.isDirectory() || st.isSymbolicLink();
      case 'x':
        return (st.mode & 0o100) !== 0;
    }
  } catch {
    return false;
  } finally {
    closeSync(fd);
  }
}
