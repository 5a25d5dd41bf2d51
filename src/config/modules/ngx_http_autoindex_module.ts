/**
 * ngx_http_autoindex_module (src/http/modules/ngx_http_autoindex_module.c): directory listings,
 * accepted with nginx's checks but not run by ngts.
 */
import type { Context, DirectiveSpec, ModuleSpec } from '../registry/types.js';

const M = 'ngx_http_autoindex_module';
const MSL: readonly Context[] = ['HTTP_MAIN', 'HTTP_SRV', 'HTTP_LOC'];

const directives: readonly DirectiveSpec[] = [
  { name: 'autoindex', module: M, contexts: MSL, args: 'FLAG', slot: { kind: 'flag' }, effect: 'none' },
  { name: 'autoindex_format', module: M, contexts: MSL, args: [1], slot: { kind: 'enum', values: ['html', 'json', 'jsonp', 'xml'] }, effect: 'none' },
  { name: 'autoindex_localtime', module: M, contexts: MSL, args: 'FLAG', slot: { kind: 'flag' }, effect: 'none' },
  { name: 'autoindex_exact_size', module: M, contexts: MSL, args: 'FLAG', slot: { kind: 'flag' }, effect: 'none' },
];

export const ngxHttpAutoindexModule: ModuleSpec = { name: M, directives };
