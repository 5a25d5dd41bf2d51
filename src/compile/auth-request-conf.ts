/**
 * ngx_http_auth_request_module's configuration: the subrequest URI (`off` disables an inherited
 * one) and the `auth_request_set` assignments of the nearest level that has any.
 */
import { compileComplexValue, type ComplexValue } from './complex-value.js';
import type { ConfLevel } from './conf-level.js';
import type { VariableTable } from './variable-table.js';

export interface AuthRequestConf {
  readonly uri: string;
  readonly set: readonly { readonly index: number; readonly value: ComplexValue }[];
}

/** The auth_request in force at `level`, or null (none, or `auth_request off`). */
export function compileAuthRequestConf(level: ConfLevel, vars: VariableTable): AuthRequestConf | null {
  const uri = level.value('auth_request');
  if (uri === undefined || uri === 'off') return null;
  const set = level.inherited('auth_request_set').map((d) => ({
    index: vars.settable((d.args[0]?.value ?? '').replace(/^\$/, '')).index,
    value: compileComplexValue(d.args[1]?.value ?? '', vars),
  }));
  return Object.freeze({ uri, set: Object.freeze(set) });
}
