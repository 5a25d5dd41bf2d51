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
import { findWildcard, sortWildcards, type HeadWildcard, type TailWildcard, type Wildcards } from './wildcard-names.js';
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
  readonly wild: Wildcards<ComplexValue>;
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
  const head: HeadWildcard<ComplexValue>[] = [];
  const tail: TailWildcard<ComplexValue>[] = [];
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
        head.push({ suffix: '.' + e.suffix.toLowerCase(), bare: e.dot, name: e.suffix, value });
        break;
      case 'wildcardTail':
        tail.push({ prefix: e.prefix.toLowerCase(), name: e.prefix, value });
        break;
      case 'regex':
        regex.push({ re: e.re, names: e.names.map((name) => ({ name, index: vars.settable(name).index })), value });
        break;
    }
  }
  return {
    source: compileComplexValue(source, vars),
    hostnames,
    exact,
    wild: sortWildcards(head, tail),
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
    const w = findWildcard(m.wild, low);
    if (w !== null) return rt.evaluate(r, w.entry.value);
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
