/**
 * Which arguments of which directives nginx compiles as scripts (ngx_http_compile_complex_value,
 * ngx_http_script_compile), and so where a `$name` must name a known variable. Arguments not listed
 * (regexes, server names, listen addresses) are never read for variables.
 */

/** Argument indexes compiled as scripts: a list, 'all', or 'rest' (from index 1 on). */
export type CompiledArgs = readonly number[] | 'all' | 'rest' | 'last';

export const compiledArgs: ReadonlyMap<string, CompiledArgs> = new Map<string, CompiledArgs>([
  // rewrite module
  ['set', [1]],
  ['rewrite', [1]],
  ['return', 'last'],
  // core
  ['root', [0]],
  ['alias', [0]],
  ['try_files', 'all'],
  ['error_page', 'last'],
  ['index', 'all'],
  ['limit_rate', [0]],
  ['limit_rate_after', [0]],
  // headers
  ['add_header', [1]],
  ['add_trailer', [1]],
  ['expires', 'all'],
  // proxy
  ['proxy_pass', [0]],
  ['proxy_set_header', [1]],
  ['proxy_set_body', [0]],
  ['proxy_redirect', 'all'],
  ['proxy_cookie_domain', 'all'],
  ['proxy_cookie_path', 'all'],
  ['proxy_cookie_flags', 'all'],
  ['proxy_cache_key', [0]],
  ['proxy_cache_bypass', 'all'],
  ['proxy_no_cache', 'all'],
  ['proxy_ssl_name', [0]],
  ['proxy_bind', [0]],
  ['proxy_method', [0]],
  ['proxy_ssl_certificate', [0]],
  ['proxy_ssl_certificate_key', [0]],
  // other proxies that nginx compiles even though ngts does not run them
  ['fastcgi_pass', [0]],
  ['fastcgi_param', [1]],
  ['uwsgi_pass', [0]],
  ['uwsgi_param', [1]],
  ['scgi_pass', [0]],
  ['scgi_param', [1]],
  ['grpc_pass', [0]],
  ['grpc_set_header', [1]],
  ['memcached_pass', [0]],
  // policies
  ['limit_req_zone', [0]],
  ['limit_conn_zone', [0]],
  ['auth_request_set', [1]],
  ['auth_basic', [0]],
  ['auth_basic_user_file', [0]],
  ['set_real_ip_from', []],
  ['secure_link', [0]],
  ['secure_link_md5', [0]],
  ['mirror', [0]],
  ['sub_filter', 'all'],
  ['charset', [0]],
  ['source_charset', [0]],
  ['ssl_certificate', [0]],
  ['ssl_certificate_key', [0]],
  ['access_log', [0]],
]);

/** The indexes of `args` (of length n) that `spec` names. */
export function indexesOf(spec: CompiledArgs, n: number): number[] {
  if (spec === 'all') return Array.from({ length: n }, (_, i) => i);
  if (spec === 'rest') return Array.from({ length: Math.max(0, n - 1) }, (_, i) => i + 1);
  if (spec === 'last') return n > 0 ? [n - 1] : [];
  return spec.filter((i) => i < n);
}
