/**
 * Where a request's files are: the location's root or alias, evaluated when it has variables
 * (ngx_http_map_uri_to_path), and the URI mapped under it.
 */
import type { HttpRequest } from './request.js';
import { evaluate } from './variables.js';
import { fullName } from '../../config/source.js';

/** `$document_root`: the root (or alias) value, absolute. */
export function documentRoot(r: HttpRequest): string {
  const core = r.conf.core;
  if (core.rootValue === null) return core.root;
  const v = evaluate(r, core.rootValue);
  // ngx_get_full_name: a relative result is taken from the prefix.
  return fullName(core.prefix, v);
}

// ngx_http_map_uri_to_path
/** The file path for the request's URI (latin1 bytes), or null for alias after a rewrite … break. */
export function mapUriToPath(r: HttpRequest): string | null {
  const core = r.conf.core;
  if (core.alias && !r.validLocation) return null;
  const root = documentRoot(r);
  if (!core.alias) return root + r.uri;
  if (core.aliasLength < 0) return root;
  return root + r.uri.slice(core.aliasLength);
}
