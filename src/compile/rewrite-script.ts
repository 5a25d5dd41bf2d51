/**
 * The rewrite module's directives of one level (server or location) compiled into a script, in
 * file order, as ngx_http_rewrite_module builds its codes: `rewrite`, `return`, `set`, `if` blocks
 * and `break`. Server-level scripts run in the server rewrite phase, a location's in the rewrite
 * phase; a location never inherits its parent's script.
 */
import type { Directive } from '../config/ast.js';
import { parseIfCondition } from '../config/if-condition.js';
import { compilePcre } from '../config/regex.js';
import { compileComplexValue, literalQuestionMark, type ComplexValue } from './complex-value.js';
import type { ConfLevel } from './conf-level.js';
import type { HttpLocConf } from './http-loc-conf.js';
import type { VariableTable } from './variable-table.js';

export type RewriteFlag = 'last' | 'break' | 'redirect' | 'permanent' | null;

export type IfTest =
  | { readonly kind: 'variable'; readonly index: number }
  | { readonly kind: 'compare'; readonly index: number; readonly negate: boolean; readonly value: ComplexValue }
  | { readonly kind: 'regex'; readonly index: number; readonly negate: boolean; readonly re: RegExp; readonly names: readonly { name: string; index: number }[]; readonly pattern: string }
  | { readonly kind: 'file'; readonly op: 'f' | 'd' | 'e' | 'x'; readonly negate: boolean; readonly path: ComplexValue };

export type RewriteCode =
  | { readonly op: 'return'; readonly code: number; readonly text: ComplexValue | null }
  | {
      readonly op: 'rewrite';
      readonly re: RegExp;
      readonly pattern: string;
      readonly names: readonly { name: string; index: number }[];
      /** The new URI (up to the replacement's `?`), or the whole Location of a redirect. */
      readonly replacement: ComplexValue;
      /** The arguments after the replacement's `?` (not for redirects), else null. */
      readonly args: ComplexValue | null;
      /** 301/302 for a redirect (flag, or a replacement starting with http://, https://, $scheme). */
      readonly status: number;
      readonly flag: RewriteFlag;
      /** The replacement did not end with `?`: the request's arguments are appended. */
      readonly addArgs: boolean;
      /** The replacement has a literal `?` (sc->args): a redirect appends the arguments with `&`. */
      readonly hasArgs: boolean;
      readonly file: string;
      readonly line: number;
    }
  | { readonly op: 'set'; readonly index: number; readonly value: ComplexValue }
  | { readonly op: 'if'; readonly test: IfTest; readonly codes: readonly RewriteCode[]; readonly conf: HttpLocConf | null }
  | { readonly op: 'break' };

export interface RewriteContext {
  readonly vars: VariableTable;
  /** Compiles the location configuration of an `if` block inside a location. */
  readonly ifConf: (level: ConfLevel) => HttpLocConf;
}

/** The script of `level`, or null when it has no rewrite directives. */
export function compileRewriteScript(level: ConfLevel, cx: RewriteContext): readonly RewriteCode[] | null {
  const codes = compileCodes(level, level.directives, cx);
  return codes.length ? Object.freeze(codes) : null;
}

function compileCodes(level: ConfLevel, directives: readonly Directive[], cx: RewriteContext): RewriteCode[] {
  const codes: RewriteCode[] = [];
  for (const d of directives) {
    const code = compileOne(level, d, cx);
    if (code) codes.push(code);
  }
  return codes;
}

// ngx_http_regex_compile: a named group is a variable that is "not found" until a match sets it.
function namedGroups(names: readonly string[], cx: RewriteContext): { name: string; index: number }[] {
  return names.map((name) => ({ name, index: cx.vars.index(name).index }));
}

function compileOne(level: ConfLevel, d: Directive, cx: RewriteContext): RewriteCode | null {
  const args = d.args.map((a) => a.value);
  switch (d.name) {
    case 'return': {
      const first = args[0] ?? '';
      if (/^\d+$/.test(first)) {
        const text = args[1];
        return { op: 'return', code: Number(first), text: text === undefined ? null : compileComplexValue(text, cx.vars) };
      }
      // `return URL`: a 302 to it (ngx_http_rewrite_return).
      return { op: 'return', code: 302, text: compileComplexValue(first, cx.vars) };
    }
    case 'rewrite': {
      const pattern = args[0] ?? '';
      const r = compilePcre(pattern, false);
      if (!r.ok) return null;
      let replacement = args[1] ?? '';
      let addArgs = true;
      if (replacement.endsWith('?')) {
        replacement = replacement.slice(0, -1);
        addArgs = false;
      }
      const flag = (args[2] ?? null) as RewriteFlag;
      let status = 0;
      if (/^(https?:\/\/|\$scheme)/.test(args[1] ?? '')) status = 302;
      if (flag === 'redirect') status = 302;
      else if (flag === 'permanent') status = 301;
      // ngx_http_script_compile with compile_args: a redirect keeps its `?` in the Location; an
      // internal rewrite splits there into the URI and the arguments.
      const q = literalQuestionMark(replacement);
      const split = status === 0 && q >= 0;
      return {
        op: 'rewrite',
        re: r.re,
        pattern,
        names: namedGroups(r.names, cx),
        replacement: compileComplexValue(split ? replacement.slice(0, q) : replacement, cx.vars),
        args: split ? compileComplexValue(replacement.slice(q + 1), cx.vars) : null,
        status,
        flag,
        addArgs,
        hasArgs: q >= 0,
        file: d.span.file,
        line: d.terminator.line,
      };
    }
    case 'set': {
      const name = (args[0] ?? '').slice(1);
      return { op: 'set', index: cx.vars.settable(name).index, value: compileComplexValue(args[1] ?? '', cx.vars) };
    }
    case 'break':
      return { op: 'break' };
    case 'if': {
      const parsed = parseIfCondition(args);
      if (!parsed.ok) return null;
      const c = parsed.condition;
      let test: IfTest;
      switch (c.kind) {
        case 'variable':
          test = { kind: 'variable', index: cx.vars.index(c.variable).index };
          break;
        case 'compare':
          test = { kind: 'compare', index: cx.vars.index(c.variable).index, negate: c.negate, value: compileComplexValue(c.value, cx.vars) };
          break;
        case 'regex':
          test = { kind: 'regex', index: cx.vars.index(c.variable).index, negate: c.negate, re: c.re, names: namedGroups(c.names, cx), pattern: c.pattern };
          break;
        case 'file':
          test = { kind: 'file', op: c.op, negate: c.negate, path: compileComplexValue(c.path, cx.vars) };
          break;
      }
      const inner = level.child('if', d);
      // An `if` in a location switches to its own location configuration when true; at server
      // level it only groups rewrite directives (ngx_http_rewrite_if).
      const conf = level.kind === 'location' || level.kind === 'if' ? cx.ifConf(inner) : null;
      return { op: 'if', test, codes: Object.freeze(compileCodes(inner, inner.directives, cx)), conf };
    }
  }
  return null;
}
