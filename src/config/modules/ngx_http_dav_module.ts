/**
 * ngx_http_dav_module (src/http/modules/ngx_http_dav_module.c): WebDAV methods, accepted with nginx's
 * checks but not run by ngts.
 */
import type { Context, DirectiveSpec, ModuleSpec } from '../registry/types.js';
import { accessSlot } from './setters.js';

const M = 'ngx_http_dav_module';
const MSL: readonly Context[] = ['HTTP_MAIN', 'HTTP_SRV', 'HTTP_LOC'];

const directives: readonly DirectiveSpec[] = [
  { name: 'dav_methods', module: M, contexts: MSL, args: '1MORE', slot: { kind: 'bitmask', values: ['off', 'put', 'delete', 'mkcol', 'copy', 'move'] }, effect: 'none' },
  { name: 'create_full_put_path', module: M, contexts: MSL, args: 'FLAG', slot: { kind: 'flag' }, effect: 'none' },
  { name: 'min_delete_depth', module: M, contexts: MSL, args: [1], slot: { kind: 'num' }, effect: 'none' },
  { name: 'dav_access', module: M, contexts: MSL, args: [1, 2, 3], slot: { kind: 'none' }, set: accessSlot, effect: 'none' },
];

export const ngxHttpDavModule: ModuleSpec = { name: M, directives };
