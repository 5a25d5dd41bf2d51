/** ngx_http_gzip_static_module: serving precompressed `.gz` files (accepted without effect). */
import type { DirectiveSpec, ModuleSpec } from '../registry/types.js';

const M = 'ngx_http_gzip_static_module';

const directives: readonly DirectiveSpec[] = [
  {
    name: 'gzip_static',
    module: M,
    contexts: ['HTTP_MAIN', 'HTTP_SRV', 'HTTP_LOC'],
    args: [1],
    slot: { kind: 'enum', values: ['off', 'on', 'always'] },
    effect: 'none',
  },
];

export const ngxHttpGzipStaticModule: ModuleSpec = { name: M, directives };
