/**
 * Complex values (ngx_http_compile_complex_value): a directive argument with `$variables` split
 * once into literal text, variable slots and regex captures, so that a request only concatenates.
 * A value without variables is a constant and costs nothing at request time.
 */
import { scanVariables } from '../config/variables.js';
import type { VariableTable } from './variable-table.js';

/** A literal, a variable slot, or a capture number ($1 → 1; $0 is the whole match). */
export type ValuePart = { readonly kind: 'text'; readonly text: string } | { readonly kind: 'var'; readonly index: number } | { readonly kind: 'capture'; readonly n: number };

export interface ComplexValue {
  /** The whole value when it has no variables, else null. */
  readonly constant: string | null;
  readonly parts: readonly ValuePart[];
  /** The text as written (for messages and `ngts route`). */
  readonly source: string;
  /** Highest capture number used ($1 … $9), 0 when none. */
  readonly maxCapture: number;
}

/**
 * Compiles `text`; the configuration was checked, so malformed references do not occur. A value is
 * compiled once per configuration (the table keeps it): the same text gives the same frozen value,
 * and a large configuration repeats its values in every location (`Host $host`, nginx's default
 * headers), which made compiling 10,000 locations allocate one of each per location.
 */
export function compileComplexValue(text: string, vars: VariableTable): ComplexValue {
  let value = vars.complexValues.get(text);
  if (value === undefined) {
    value = compile(text, vars);
    vars.complexValues.set(text, value);
  }
  return value;
}

function compile(text: string, vars: VariableTable): ComplexValue {
  if (!text.includes('$')) return Object.freeze({ constant: text, parts: Object.freeze([{ kind: 'text' as const, text }]), source: text, maxCapture: 0 });
  const { refs } = scanVariables(text);
  const parts: ValuePart[] = [];
  let pos = 0;
  let maxCapture = 0;
  for (const ref of refs) {
    if (ref.offset > pos) parts.push({ kind: 'text', text: text.slice(pos, ref.offset) });
    if (ref.capture) {
      const n = Number(ref.name);
      parts.push({ kind: 'capture', n });
      if (n > maxCapture) maxCapture = n;
      pos = ref.offset + 2;
    } else {
      parts.push({ kind: 'var', index: vars.index(ref.name).index });
      pos = ref.offset + (text[ref.offset + 1] === '{' ? ref.name.length + 3 : ref.name.length + 1);
    }
  }
  if (pos < text.length) parts.push({ kind: 'text', text: text.slice(pos) });
  return Object.freeze({ constant: null, parts: Object.freeze(parts), source: text, maxCapture });
}

/**
 * The offset of the first `?` of `text` that is literal text, not part of a `$name`, or -1: where
 * ngx_http_script_compile starts the arguments of a `rewrite` replacement (sc->compile_args).
 */
export function literalQuestionMark(text: string): number {
  let from = 0;
  for (const ref of scanVariables(text).refs) {
    const q = text.indexOf('?', from);
    if (q >= 0 && q < ref.offset) return q;
    from = ref.capture ? ref.offset + 2 : ref.offset + (text[ref.offset + 1] === '{' ? ref.name.length + 3 : ref.name.length + 1);
  }
  return text.indexOf('?', from);
}
