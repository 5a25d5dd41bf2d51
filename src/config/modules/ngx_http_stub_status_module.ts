/**
 * ngx_http_stub_status_module: the basic status page. The optional argument is a leftover of old
 * versions (`stub_status on`) and is ignored by nginx.
 */
import type { DirectiveSpec, ModuleSpec } from '../registry/types.js';

const M = 'ngx_http_stub_status_module';

const directives: readonly DirectiveSpec[] = [
  { name: 'stub_status', module: M, contexts: ['HTTP_SRV', 'HTTP_LOC'], args: [0, 1], slot: { kind: 'none' }, effect: 'runtime' },
];

export const ngxHttpStubStatusModule: ModuleSpec = { name: M, directives };
