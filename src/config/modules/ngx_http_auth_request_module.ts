/**
 * ngx_http_auth_request_module (src/http/modules/ngx_http_auth_request_module.c): access decided by
 * a subrequest, and variables set from its response.
 */
import type { Context, DirectiveSpec, ModuleSpec, Setter } from '../registry/types.js';
import { scanVariables } from '../variables.js';
import { definedVariableError } from './ngx_http_rewrite_module.js';
import { isDuplicate } from './setters.js';

const M = 'ngx_http_auth_request_module';
const MSL: readonly Context[] = ['HTTP_MAIN', 'HTTP_SRV', 'HTTP_LOC'];

/** ngx_http_auth_request: a URI or `off`, once per level. */
const authRequest: Setter = (cx) => {
  isDuplicate(cx, 'auth_request');
};

/** ngx_http_auth_request_set: `$name value`; the value is a script evaluated after the subrequest. */
const authRequestSet: Setter = (cx, args) => {
  const err = definedVariableError(args[0]?.value ?? '');
  if (err !== null) {
    cx.error(err);
    return;
  }
  const scan = scanVariables(args[1]?.value ?? '');
  if (scan.error !== null) cx.error(scan.error);
};

const directives: readonly DirectiveSpec[] = [
  { name: 'auth_request', module: M, contexts: MSL, args: [1], slot: { kind: 'none' }, set: authRequest, effect: 'runtime' },
  { name: 'auth_request_set', module: M, contexts: MSL, args: [2], slot: { kind: 'none' }, set: authRequestSet, effect: 'runtime' },
];

export const ngxHttpAuthRequestModule: ModuleSpec = { name: M, directives };
