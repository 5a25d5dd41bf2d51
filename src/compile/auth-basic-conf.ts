/** ngx_http_auth_basic_module's configuration: the realm (or `off`) and the user file. */
import { compileComplexValue, type ComplexValue } from './complex-value.js';
import type { ConfLevel } from './conf-level.js';
import type { VariableTable } from './variable-table.js';

export interface AuthBasicConf {
  readonly realm: ComplexValue;
  readonly userFile: ComplexValue;
  /** Relative user files resolve against conf_prefix (the main file's directory), as in nginx. */
  readonly prefix: string;
}

/** auth_basic in force at `level` with a user file, or null. */
export function compileAuthBasicConf(level: ConfLevel, vars: VariableTable, confPrefix: string): AuthBasicConf | null {
  const realm = level.value('auth_basic');
  const file = level.value('auth_basic_user_file');
  if (realm === undefined || file === undefined) return null;
  return Object.freeze({ realm: compileComplexValue(realm, vars), userFile: compileComplexValue(file, vars), prefix: confPrefix });
}
