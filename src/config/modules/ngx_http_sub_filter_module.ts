/**
 * ngx_http_sub_filter_module (src/http/modules/ngx_http_sub_filter_module.c): string replacement
 * in response bodies, accepted with nginx's checks but not run by ngts.
 */
import type { Context, DirectiveSpec, ModuleSpec, Setter } from '../registry/types.js';
import { typesSlot } from './setters.js';

const M = 'ngx_http_sub_filter_module';
const MSL: readonly Context[] = ['HTTP_MAIN', 'HTTP_SRV', 'HTTP_LOC'];

/** ngx_http_sub_filter: a search string (not empty) and a replacement, both complex values. */
const subFilter: Setter = (cx, args) => {
  if ((args[0]?.value ?? '') === '') cx.error('empty search pattern');
};

const directives: readonly DirectiveSpec[] = [
  { name: 'sub_filter', module: M, contexts: MSL, args: [2], slot: { kind: 'none' }, set: subFilter, effect: 'none' },
  { name: 'sub_filter_types', module: M, contexts: MSL, args: '1MORE', slot: { kind: 'none' }, set: typesSlot('text/html'), effect: 'none' },
  { name: 'sub_filter_once', module: M, contexts: MSL, args: 'FLAG', slot: { kind: 'flag' }, effect: 'none' },
  { name: 'sub_filter_last_modified', module: M, contexts: MSL, args: 'FLAG', slot: { kind: 'flag' }, effect: 'none' },
];

export const ngxHttpSubFilterModule: ModuleSpec = { name: M, directives };
