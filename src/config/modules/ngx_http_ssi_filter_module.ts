/**
 * ngx_http_ssi_filter_module (src/http/modules/ngx_http_ssi_filter_module.c): server-side includes,
 * accepted with nginx's checks but not run by ngts.
 */
import type { Context, DirectiveSpec, ModuleSpec } from '../registry/types.js';
import { typesSlot } from './setters.js';

const M = 'ngx_http_ssi_filter_module';
const MSL: readonly Context[] = ['HTTP_MAIN', 'HTTP_SRV', 'HTTP_LOC'];

const directives: readonly DirectiveSpec[] = [
  { name: 'ssi', module: M, contexts: ['HTTP_MAIN', 'HTTP_SRV', 'HTTP_LOC', 'HTTP_LIF'], args: 'FLAG', slot: { kind: 'flag' }, effect: 'none' },
  { name: 'ssi_silent_errors', module: M, contexts: MSL, args: 'FLAG', slot: { kind: 'flag' }, effect: 'none' },
  { name: 'ssi_ignore_recycled_buffers', module: M, contexts: MSL, args: 'FLAG', slot: { kind: 'flag' }, effect: 'none' },
  { name: 'ssi_min_file_chunk', module: M, contexts: MSL, args: [1], slot: { kind: 'size' }, effect: 'none' },
  { name: 'ssi_value_length', module: M, contexts: MSL, args: [1], slot: { kind: 'size' }, effect: 'none' },
  { name: 'ssi_types', module: M, contexts: MSL, args: '1MORE', slot: { kind: 'none' }, set: typesSlot('text/html'), effect: 'none' },
  { name: 'ssi_last_modified', module: M, contexts: MSL, args: 'FLAG', slot: { kind: 'flag' }, effect: 'none' },
];

export const ngxHttpSsiFilterModule: ModuleSpec = { name: M, directives };
