/**
 * ngx_http_addition_filter_module (src/http/modules/ngx_http_addition_filter_module.c): text added
 * before and after response bodies, accepted with nginx's checks but not run by ngts.
 */
import type { Context, DirectiveSpec, ModuleSpec } from '../registry/types.js';
import { typesSlot } from './setters.js';

const M = 'ngx_http_addition_filter_module';
const MSL: readonly Context[] = ['HTTP_MAIN', 'HTTP_SRV', 'HTTP_LOC'];

const directives: readonly DirectiveSpec[] = [
  { name: 'add_before_body', module: M, contexts: MSL, args: [1], slot: { kind: 'str' }, effect: 'none' },
  { name: 'add_after_body', module: M, contexts: MSL, args: [1], slot: { kind: 'str' }, effect: 'none' },
  { name: 'addition_types', module: M, contexts: MSL, args: '1MORE', slot: { kind: 'none' }, set: typesSlot('text/html'), effect: 'none' },
];

export const ngxHttpAdditionFilterModule: ModuleSpec = { name: M, directives };
