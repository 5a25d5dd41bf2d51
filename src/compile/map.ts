/**
 * `map` blocks (ngx_http_map_module): each defines a variable computed on first use from its
 * source value: exact keys (case-insensitive), with `hostnames` the wildcard keys, then regexes
 * in order (their captures usable in the value), else `default`. Cached per request unless
 * `volatile`.
 */
import type { Directive, Statement } from '../config/ast.js';
import { checkMapBody, type MapEntry } from '../config/blocks/map.js';
import { compileComplexValue, type ComplexValue } from './complex-value.js';
import type { ConfLevel } from './conf-level.js';
import type { VariableGetter, VariableTable } from './variable-table.js';
import type { HttpRequest } from '../runtime/http/request.js';

/** How a map evaluates values at request time (given by the runtime: evaluate, set captures). */
export interface MapRuntime {
  evaluate(r: HttpRequest, cv: ComplexValue): string;
  setCaptures(r: HttpRequest, m: RegExpExecArray, names: readonly { name: string; index: number }[]): void;
}

interface CompiledMap {
  readonly source: ComplexValue;
  readonly hostnames: boolean;
  readonly exact: ReadonlyMap<string, ComplexValue>;
  readonly head: readonly { suffix: string; dot: boolean; value: ComplexValue }[];
  readonly tail: readonly { prefix: string; value: ComplexValue }[];
  readonly regex: readonly { re: RegExp; names: readonly { name: string; index: number }[]; value: ComplexValue }[];
  readonly dflt: ComplexValue | null;
}

/** Defines the variable of every `map` block of the http level. */
export function compileMaps(http: ConfLevel, vars: VariableTable, rt: MapRuntime): void {
  const expand = (inc: Directive): readonly Statement[] => (http.includes.get(inc) ?? []).flatMap((f) => f.statements);
  for (const d of http.own('map')) {
    const target = (d.args[1]?.value ?? '').replace(/^\$/, '');
    const body = checkMapBody(d.block ?? [], () => undefined, expand);
    const m = build(d.args[0]?.value ?? '', body.entries, body.hostnames, body.defaultValue, vars);
    vars.define(target, (r) => lookup(r, m, rt), body.volatile);
  }
}

function build(source: string, entries: readonly MapEntry[], hostnames: boolean, dflt: string | null, vars: VariableTable): CompiledMap {
  const exact = new Map<string, ComplexValue>();
  const head: { suffix: string; dot: boolean; value: ComplexValue }[] = [];
  const tail: { prefix: string; value: ComplexValue }[] = [];
  const regex: { re: RegExp; names: { name: string; index: number }[]; value: ComplexValue }[] = [];
  for (const e of entries) {
    const value = compileComplexValue(e.value, vars);
    switch (e.kind) {
      case 'exact': {
        const key = e.key.toLowerCase();
        if (!exact.has(key)) exact.set(key, value);
        break;
      }
      case 'wildcardHead':
        head.push({ suffix: e.suffix.toLowerCase(), dot: e.dot, value });
        break;
      case 'wildcardTail':
        tail.push({ prefix: e.prefix.toLowerCase(), value });
        break;
      case 'regex':
        regex.push({ re: e.re, names: e.names.map((name) => ({ name, index: vars.settable(name).index })), value });
        break;
    }
  }
  // The most specific wildcard wins, as in ngx_hash_find_wc_head / _tail.
  head.sort((a, b) => b.suffix.length - a.suffix.length);
  tail.sort((a, b) => b.prefix.length - a.prefix.length);
  return {
    source: compileComplexValue(source, vars),
    hostnames,
    exact,
    head,
    tail,
    regex,
    dflt: dflt === null ? null : compileComplexValue(dflt, vars),
  };
}

// ngx_http_map_variable + ngx_http_map_find
function lookup(r: HttpRequest, m: CompiledMap, rt: MapRuntime): string {
  let val = rt.evaluate(r, m.source);
  if (m.hostnames && val.endsWith('.')) val = val.slice(0, -1);
  const low = val.toLowerCase();
  const hit = m.exact.get(low);
  if (hit !== undefined) return rt.evaluate(r, hit);
  if (m.hostnames) {
    for (const w of m.head) {
      if (low.endsWith('.' + w.suffix) || (w.dot && low === w.suffix)) return rt.evaluate(r, w.value);
    }
    for (const w of m.tail) if (low.startsWith(w.prefix) && low.length > w.prefix.length) return rt.evaluate(r, w.value);
  }
  if (val.length) {
    for (const x of m.regex) {
      x.re.lastIndex = 0;
      const match = x.re.exec(val);
      if (match === null) continue;
      rt.setCaptures(r, match, x.names);
      return rt.evaluate(r, x.value);
    }
  }
  return m.dflt === null ? '' : rt.evaluate(r, m.dflt);
}

export type { VariableGetter };
