/**
 * ngx_http_headers_filter_module's location configuration: `add_header` entries (inherited whole
 * from the nearest level that has any) and `expires`.
 */
import { parseExpires, type Expires } from '../config/values.js';
import { compileComplexValue, type ComplexValue } from './complex-value.js';
import type { ConfLevel } from './conf-level.js';
import type { VariableTable } from './variable-table.js';

export interface AddHeader {
  readonly name: string;
  readonly value: ComplexValue;
  readonly always: boolean;
}

export interface HeadersConf {
  readonly addHeaders: readonly AddHeader[];
  /** null for `expires off` (the default). */
  readonly expires: Expires | null;
  /** `expires $var`: evaluated and parsed per request (ngx_http_headers_expires with variables). */
  readonly expiresValue: ComplexValue | null;
}

/** Compiles add_header and expires for a level. */
export function compileHeadersConf(level: ConfLevel, vars: VariableTable): HeadersConf {
  const addHeaders = level.inherited('add_header').map((d) => ({
    name: d.args[0]?.value ?? '',
    value: compileComplexValue(d.args[1]?.value ?? '', vars),
    always: d.args[2]?.value === 'always',
  }));
  const e = level.get('expires');
  let expires: Expires | null = null;
  let expiresValue: ComplexValue | null = null;
  if (e) {
    const modified = e.args.length === 2;
    const text = e.args[modified ? 1 : 0]?.value ?? '';
    if (text.includes('$')) expiresValue = compileComplexValue(text, vars);
    else {
      const r = parseExpires(text, modified);
      if (r.ok && r.expires.kind !== 'off') expires = r.expires;
    }
  }
  return Object.freeze({ addHeaders: Object.freeze(addHeaders), expires, expiresValue });
}
