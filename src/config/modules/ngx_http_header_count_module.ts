/**
 * ngx_http_header_count_module: `max_headers`, a limit on the number of request header lines. It is
 * not part of stock nginx 1.22.1, but the nginx binary this project is checked against is built with
 * it (its module table has this one directive, in http and server context). Accepted, not run.
 */
import type { DirectiveSpec, ModuleSpec } from '../registry/types.js';

const M = 'ngx_http_header_count_module';

const directives: readonly DirectiveSpec[] = [
  { name: 'max_headers', module: M, contexts: ['HTTP_MAIN', 'HTTP_SRV'], args: [1], slot: { kind: 'num' }, effect: 'none' },
];

export const ngxHttpHeaderCountModule: ModuleSpec = { name: M, directives };
