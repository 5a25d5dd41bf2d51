/**
 * ngx_http_chunked_filter_module: chunked transfer encoding of responses. It has no directives;
 * `chunked_transfer_encoding` belongs to ngx_http_core_module.
 */
import type { ModuleSpec } from '../registry/types.js';

export const ngxHttpChunkedFilterModule: ModuleSpec = { name: 'ngx_http_chunked_filter_module', directives: [] };
