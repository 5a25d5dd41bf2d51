/**
 * ngx_http_secure_link_module (src/http/modules/ngx_http_secure_link_module.c): $secure_link and
 * $secure_link_expires, checking an MD5 hash (and expiry) carried in the request.
 */
import type { Context, DirectiveSpec, ModuleSpec } from '../registry/types.js';
import { complexValueSlot } from './setters.js';

const M = 'ngx_http_secure_link_module';
const MSL: readonly Context[] = ['HTTP_MAIN', 'HTTP_SRV', 'HTTP_LOC'];

const directives: readonly DirectiveSpec[] = [
  { name: 'secure_link', module: M, contexts: MSL, args: [1], slot: { kind: 'none' }, set: complexValueSlot, effect: 'runtime' },
  { name: 'secure_link_md5', module: M, contexts: MSL, args: [1], slot: { kind: 'none' }, set: complexValueSlot, effect: 'runtime' },
  { name: 'secure_link_secret', module: M, contexts: MSL, args: [1], slot: { kind: 'str' }, effect: 'runtime' },
];

export const ngxHttpSecureLinkModule: ModuleSpec = { name: M, directives };
