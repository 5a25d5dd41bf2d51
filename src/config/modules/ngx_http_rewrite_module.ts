/**
 * ngx_http_rewrite_module (src/http/modules/ngx_http_rewrite_module.c): rewrite, return, break, if
 * and set, the script that runs in the server-rewrite and rewrite phases. The setters reproduce the
 * checks nginx makes while compiling the script; unknown variables are found later, at the end of
 * the http block, by checks/unknown-variable.ts.
 */
import type { Context, DirectiveSpec, ModuleSpec, Setter } from '../registry/types.js';
import { parseIfCondition } from '../if-condition.js';
import { compilePcre } from '../regex.js';
import { parseNumber } from '../values.js';
import { builtinVariable, scanVariables } from '../variables.js';

const M = 'ngx_http_rewrite_module';
/** NGX_HTTP_SRV_CONF|NGX_HTTP_SIF_CONF|NGX_HTTP_LOC_CONF|NGX_HTTP_LIF_CONF */
const SCRIPT: readonly Context[] = ['HTTP_SRV', 'HTTP_LOC', 'HTTP_SIF', 'HTTP_LIF'];
const ALL: readonly Context[] = ['HTTP_MAIN', 'HTTP_SRV', 'HTTP_LOC', 'HTTP_SIF', 'HTTP_LIF'];

/**
 * ngx_http_regex_compile: a regex error is nginx's message; named captures become variables, which
 * may not take the name of a builtin that cannot be changed.
 */
export function regexError(pattern: string, caseless: boolean): string | null {
  const r = compilePcre(pattern, caseless);
  if (!r.ok) return r.message;
  const clash = r.names.find((n) => builtinVariable(n)?.changeable === false);
  return clash === undefined ? null : `the duplicate "${clash}" variable`;
}

/** ngx_http_rewrite: `rewrite regex replacement [last|break|redirect|permanent]`. */
const rewrite: Setter = (cx, args) => {
  const replacement = args[1]?.value ?? '';
  if (replacement === '') {
    cx.error('empty replacement');
    return;
  }
  const err = regexError(args[0]?.value ?? '', false);
  if (err !== null) {
    cx.error(err);
    return;
  }
  const flag = args[2];
  if (flag !== undefined && !['last', 'break', 'redirect', 'permanent'].includes(flag.value)) {
    cx.error(`invalid parameter "${flag.value}"`);
    return;
  }
  // A trailing "?" only drops the original arguments; the rest is a script.
  const script = replacement.endsWith('?') ? replacement.slice(0, -1) : replacement;
  const scan = scanVariables(script);
  if (scan.error !== null) cx.error(scan.error);
};

/** Whether a value makes `return` a redirect without a code (ngx_http_rewrite_return). */
function isRedirectUrl(v: string): boolean {
  return v.startsWith('http://') || v.startsWith('https://') || v.startsWith('$scheme');
}

/** ngx_http_rewrite_return: `return code [text|URL]` or `return URL`; codes up to 999. */
const ret: Setter = (cx, args) => {
  const first = args[0]?.value ?? '';
  const code = parseNumber(first);
  let text: string;
  if (code === null) {
    if (args.length !== 1 || !isRedirectUrl(first)) {
      cx.error(`invalid return code "${first}"`);
      return;
    }
    text = first;
  } else {
    if (code > 999) {
      cx.error(`invalid return code "${first}"`);
      return;
    }
    if (args.length === 1) return;
    text = args[1]?.value ?? '';
  }
  const scan = scanVariables(text);
  if (scan.error !== null) cx.error(scan.error);
};

/** ngx_http_rewrite_if: the condition (the block itself is walked by the dispatcher). */
const ifCondition: Setter = (cx, args) => {
  const r = parseIfCondition(args.map((a) => a.value));
  if (!r.ok) {
    // An unsupported regex is reported too: ngts could not run this `if`.
    cx.error(r.message);
    return;
  }
  if (r.condition.kind === 'regex') {
    const clash = r.condition.names.find((n) => builtinVariable(n)?.changeable === false);
    if (clash !== undefined) cx.error(`the duplicate "${clash}" variable`);
  }
};

/**
 * The checks ngx_http_add_variable makes for a name a directive defines (set, map, geo,
 * split_clients, auth_request_set): `$` first, not empty, and not a builtin that cannot change.
 * Returns nginx's message or null.
 */
export function definedVariableError(word: string): string | null {
  if (!word.startsWith('$')) return `invalid variable name "${word}"`;
  const name = word.slice(1);
  if (name === '') return 'invalid variable name "$"';
  if (builtinVariable(name)?.changeable === false) return `the duplicate "${name}" variable`;
  return null;
}

/** ngx_http_rewrite_set: `set $name value`. */
const set: Setter = (cx, args) => {
  const err = definedVariableError(args[0]?.value ?? '');
  if (err !== null) {
    cx.error(err);
    return;
  }
  const scan = scanVariables(args[1]?.value ?? '');
  if (scan.error !== null) cx.error(scan.error);
};

const directives: readonly DirectiveSpec[] = [
  { name: 'rewrite', module: M, contexts: SCRIPT, args: [2, 3], slot: { kind: 'none' }, set: rewrite, effect: 'runtime' },
  { name: 'return', module: M, contexts: SCRIPT, args: [1, 2], slot: { kind: 'none' }, set: ret, effect: 'runtime' },
  { name: 'break', module: M, contexts: SCRIPT, args: [0], slot: { kind: 'none' }, effect: 'runtime' },
  {
    name: 'if',
    module: M,
    contexts: ['HTTP_SRV', 'HTTP_LOC'],
    args: '1MORE',
    block: { kind: 'directives', context: 'IF' },
    slot: { kind: 'none' },
    set: ifCondition,
    effect: 'runtime',
  },
  { name: 'set', module: M, contexts: SCRIPT, args: [2], slot: { kind: 'none' }, set, effect: 'runtime' },
  { name: 'rewrite_log', module: M, contexts: ALL, args: 'FLAG', slot: { kind: 'flag' }, effect: 'runtime' },
  { name: 'uninitialized_variable_warn', module: M, contexts: ALL, args: 'FLAG', slot: { kind: 'flag' }, effect: 'runtime' },
];

export const ngxHttpRewriteModule: ModuleSpec = { name: M, directives };
