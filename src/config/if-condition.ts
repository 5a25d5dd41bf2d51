/**
 * The condition of an `if` block, read as ngx_http_rewrite_if_condition
 * (src/http/modules/ngx_http_rewrite_module.c) reads it: the words between the parentheses, which
 * the tokenizer split wherever it saw spaces (`($a = b)` is three words: `($a`, `=`, `b)`).
 */
import { compilePcre } from './regex.js';
import { scanVariables } from './variables.js';

/** A parsed condition, ready for the compiler. */
export type IfCondition =
  /** `($var)`: true unless the value is empty or "0". */
  | { readonly kind: 'variable'; readonly variable: string }
  /** `($var = value)` / `($var != value)`; `value` is a script. */
  | { readonly kind: 'compare'; readonly variable: string; readonly negate: boolean; readonly value: string }
  /** `($var ~ regex)`, `~*`, `!~`, `!~*`. */
  | {
      readonly kind: 'regex';
      readonly variable: string;
      readonly negate: boolean;
      readonly caseless: boolean;
      readonly pattern: string;
      readonly re: RegExp;
      readonly names: readonly string[];
      readonly captures: number;
    }
  /** `(-f path)`, `(!-d path)` …; `path` is a script. */
  | { readonly kind: 'file'; readonly op: 'f' | 'd' | 'e' | 'x'; readonly negate: boolean; readonly path: string };

/** A condition or nginx's message for it. */
export type IfConditionResult =
  | { readonly ok: true; readonly condition: IfCondition }
  | { readonly ok: false; readonly message: string; readonly unsupported?: boolean };

function invalid(word: string): IfConditionResult {
  return { ok: false, message: `invalid condition "${word}"` };
}

/** ngx_http_rewrite_value: a script whose `$` references must be well formed. */
function valueError(value: string): string | null {
  return scanVariables(value).error;
}

/**
 * Parses the arguments of `if` (`args` are the argument values, without the directive name) and
 * reports nginx's first error: `invalid condition "…"`, `unexpected "…" in condition`, a regex
 * error, or a malformed variable reference.
 */
export function parseIfCondition(args: readonly string[]): IfConditionResult {
  const value = [...args];
  let last = value.length - 1;
  const first = value[0] ?? '';
  if (first.length < 1 || first[0] !== '(') return invalid(first);
  let cur: number;
  if (first.length === 1) {
    cur = 1;
  } else {
    cur = 0;
    value[0] = first.slice(1);
  }
  const end = value[last] ?? '';
  if (end.length < 1 || end[end.length - 1] !== ')') return invalid(end);
  if (end.length === 1) {
    last--;
  } else {
    value[last] = end.slice(0, -1);
  }

  const p = value[cur] ?? '';
  if (p.length > 1 && p[0] === '$') {
    if (cur !== last && cur + 2 !== last) return invalid(p);
    const variable = p.slice(1);
    if (cur === last) return { ok: true, condition: { kind: 'variable', variable } };
    const op = value[cur + 1] ?? '';
    const operand = value[last] ?? '';
    if (op === '=' || op === '!=') {
      const err = valueError(operand);
      if (err !== null) return { ok: false, message: err };
      return { ok: true, condition: { kind: 'compare', variable, negate: op === '!=', value: operand } };
    }
    if (op === '~' || op === '~*' || op === '!~' || op === '!~*') {
      const caseless = op.endsWith('*');
      const r = compilePcre(operand, caseless);
      if (!r.ok) return { ok: false, message: r.message, unsupported: r.kind === 'unsupported' };
      return {
        ok: true,
        condition: {
          kind: 'regex',
          variable,
          negate: op[0] === '!',
          caseless,
          pattern: operand,
          re: r.re,
          names: r.names,
          captures: r.captures,
        },
      };
    }
    return { ok: false, message: `unexpected "${op}" in condition` };
  }
  if ((p.length === 2 && p[0] === '-') || (p.length === 3 && p[0] === '!' && p[1] === '-')) {
    if (cur + 1 !== last) return invalid(p);
    const path = value[last] ?? '';
    const err = valueError(path);
    if (err !== null) return { ok: false, message: err };
    const negate = p[0] === '!';
    const op = p[negate ? 2 : 1];
    if (op === 'f' || op === 'd' || op === 'e' || op === 'x') {
      return { ok: true, condition: { kind: 'file', op, negate, path } };
    }
    return invalid(p);
  }
  return invalid(p);
}
