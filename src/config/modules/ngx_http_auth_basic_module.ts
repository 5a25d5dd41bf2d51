/**
 * ngx_http_auth_basic_module (src/http/modules/ngx_http_auth_basic_module.c): HTTP Basic
 * authentication against an htpasswd file. Both values are scripts.
 */
import type { Context, DirectiveSpec, ModuleSpec } from '../registry/types.js';
import { complexValueSlot } from './setters.js';

const M = 'ngx_http_auth_basic_module';
const WHERE: readonly Context[] = ['HTTP_MAIN', 'HTTP_SRV', 'HTTP_LOC', 'HTTP_LMT'];

const directives: readonly DirectiveSpec[] = [
  // ngx_http_set_complex_value_slot: the realm, or `off`.
  { name: 'auth_basic', module: M, contexts: WHERE, args: [1], slot: { kind: 'none' }, set: complexValueSlot, effect: 'runtime' },
  // ngx_http_auth_basic_user_file: once per level, a script relative to the conf prefix.
  { name: 'auth_basic_user_file', module: M, contexts: WHERE, args: [1], slot: { kind: 'none' }, set: complexValueSlot, effect: 'runtime' },
];

export const ngxHttpAuthBasicModule: ModuleSpec = { name: M, directives };
