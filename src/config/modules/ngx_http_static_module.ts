/** ngx_http_static_module: serves files from `root`/`alias`. It has no directives of its own. */
import type { ModuleSpec } from '../registry/types.js';

export const ngxHttpStaticModule: ModuleSpec = { name: 'ngx_http_static_module', directives: [] };
