/**
 * Runs a rewrite script (ngx_http_rewrite_handler and the script codes of ngx_http_script.c):
 * `rewrite` changes $uri/$args or redirects, `return` answers, `set` assigns, `if` tests and may
 * switch to its block's location configuration, `break` stops.
 */
import { statSync } from 'node:fs';
import type { RewriteCode } from '../../compile/rewrite-script.js';
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

interface Engine {
  rc: number;
  stop: boolean;
  uriChanged: boolean;
}

/** Runs `codes` for `r`. */
export function runRewriteScript(r: HttpRequest, sink: ResponseSink, codes: readonly RewriteCode[]): ScriptResult {
  const e: Engine = { rc: DECLINED, stop: false, uriChanged: false };
  runCodes(r, sink, codes, e);
  return { rc: e.rc, uriChanged: e.uriChanged };
}

function runCodes(r: HttpRequest, sink: ResponseSink, codes: readonly RewriteCode[], e: Engine): void {
  for (const code of codes) {
    if (e.stop) return;
    switch (code.op) {
      case 'return': {
        // ngx_http_script_return_code
        const text = code.text === null ? null : evaluate(r, code.text);
        // `return 404 ""` has no text: nginx answers it with its error page.
        if (code.code < 400 || (code.text !== null && code.text.source.length > 0)) {
          e.rc = sendResponse(r, sink, code.code, text ?? '');
        } else e.rc = code.code;
        e.stop = true;
        return;
      }
      case 'set':
        r.values[code.index] = evaluate(r, code.value);
        break;
      case 'break':
        e.stop = true;
        return;
      case 'if':
        if (testIf(r, code.test)) {
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

// ngx_http_script_regex_start_code + copy codes + ngx_http_script_regex_end_code for `rewrite`.
function runRewrite(r: HttpRequest, code: Extract<RewriteCode, { op: 'rewrite' }>, e: Engine, sink: ResponseSink): void {
  code.re.lastIndex = 0;
  const m = code.re.exec(r.uri);
  if (m === null) {
    if (r.conf.rewriteLog) sink.log('notice', `"${code.pattern}" does not match "${r.uri}"`);
    return;
  }
  if (r.conf.rewriteLog) sink.log('notice', `"${code.pattern}" matches "${r.uri}"`);
  r.captures = m;
  setNamed(r, code.names, m);
  const redirect = code.status !== 0;
  if (!redirect) {
    r.internal = true;
    if (code.flag === 'break') r.validLocation = false;
    else e.uriChanged = true;
  }
  let value = evaluate(r, code.replacement);
  if (redirect) {
    value = unescapeUri(value, 'redirect').value;
    if (code.addArgs && r.args.length) value += (code.hasArgs ? '&' : '?') + r.args;
    if (r.conf.rewriteLog) sink.log('notice', `rewritten redirect: "${value}"`);
    r.headersOut.location = value;
    e.rc = code.status;
    e.stop = true;
    return;
  }
  const q = code.hasArgs ? value.indexOf('?') : -1;
  if (q >= 0) {
    let args = value.slice(q + 1);
    if (code.addArgs && r.args.length) args += '&' + r.args;
    r.args = args;
    value = value.slice(0, q);
  } else if (!code.addArgs) r.args = '';
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
function testIf(r: HttpRequest, t: Extract<RewriteCode, { op: 'if' }>['test']): boolean {
  switch (t.kind) {
    case 'variable':
      return isTrue(getVariable(r, t.index));
    case 'compare': {
      const equal = (getVariable(r, t.index) ?? '') === evaluate(r, t.value);
      return t.negate ? !equal : equal;
    }
    case 'regex': {
      t.re.lastIndex = 0;
      const m = t.re.exec(getVariable(r, t.index) ?? '');
      if (m === null) {
        return t.negate;
      }
      if (!t.negate) {
        r.captures = m;
        setNamed(r, t.names, m);
      }
      return !t.negate;
    }
    case 'file': {
      const path = evaluate(r, t.path);
      let ok: boolean;
      try {
        const st = statSync(Buffer.from(path, 'latin1'));
        switch (t.op) {
          case 'f':
            ok = st.isFile();
            break;
          case 'd':
            ok = st.isDirectory();
            break;
          case 'e':
            ok = true;
            break;
          case 'x':
            ok = st.isFile() && (st.mode & 0o111) !== 0;
            break;
        }
      } catch {
        ok = false;
      }
      return t.negate ? !ok : ok;
    }
  }
}
