/**
 * The variables nginx knows without any `set`, `map`, `geo`, `split_clients`, `auth_request_set` or
 * named regex capture, and the scanner that finds `$name` references in a directive argument the way
 * nginx's script compiler does (ngx_http_script_compile, src/http/ngx_http_script.c).
 *
 * The catalogue is that of the Debian nginx-light 1.22.1 binary this project is checked against: it
 * was read from the binary's ngx_http_variable_t tables and every name was confirmed with `nginx -t`
 * (`return 200 "$name"` passes; an unknown name fails with `unknown "name" variable`).
 */

/** One builtin variable: its name, the module that declares it, and whether `set` may assign it. */
export interface BuiltinVariable {
  readonly name: string;
  readonly module: string;
  /**
   * NGX_HTTP_VAR_CHANGEABLE: `set $name …` (and a map, geo or named capture of that name) is allowed.
   * For the others nginx says `the duplicate "name" variable`.
   */
  readonly changeable: boolean;
}

const CORE = 'ngx_http_core_module';
const UPSTREAM = 'ngx_http_upstream_module';
const SSL = 'ngx_http_ssl_module';

function group(module: string, names: readonly string[], changeable = false): BuiltinVariable[] {
  return names.map((name) => ({ name, module, changeable }));
}

/** Every builtin variable of nginx-light 1.22.1, in the order of nginx's own tables. */
export const builtinVariables: readonly BuiltinVariable[] = [
  // ngx_http_core_variables (src/http/ngx_http_variables.c)
  ...group(CORE, [
    'http_host', 'http_user_agent', 'http_referer', 'http_via', 'http_x_forwarded_for', 'http_cookie',
    'content_length', 'content_type', 'host', 'binary_remote_addr', 'remote_addr', 'remote_port',
    'proxy_protocol_addr', 'proxy_protocol_port', 'proxy_protocol_server_addr',
    'proxy_protocol_server_port', 'server_addr', 'server_port', 'server_protocol', 'scheme', 'https',
    'request_uri', 'uri', 'document_uri', 'request', 'document_root', 'realpath_root', 'query_string',
  ]),
  ...group(CORE, ['args'], true),
  ...group(CORE, [
    'is_args', 'request_filename', 'server_name', 'request_method', 'remote_user', 'bytes_sent',
    'body_bytes_sent', 'pipe', 'request_completion', 'request_body', 'request_body_file',
    'request_length', 'request_time', 'request_id', 'status', 'sent_http_content_type',
    'sent_http_content_length', 'sent_http_location', 'sent_http_last_modified',
    'sent_http_connection', 'sent_http_keep_alive', 'sent_http_transfer_encoding',
    'sent_http_cache_control', 'sent_http_link',
  ]),
  ...group(CORE, ['limit_rate'], true),
  ...group(CORE, [
    'connection', 'connection_requests', 'connection_time', 'nginx_version', 'hostname', 'pid', 'msec',
    'time_iso8601', 'time_local', 'tcpinfo_rtt', 'tcpinfo_rttvar', 'tcpinfo_snd_cwnd',
    'tcpinfo_rcv_space',
  ]),
  ...group(UPSTREAM, [
    'upstream_addr', 'upstream_status', 'upstream_connect_time', 'upstream_header_time',
    'upstream_response_time', 'upstream_response_length', 'upstream_bytes_received',
    'upstream_bytes_sent', 'upstream_cache_status', 'upstream_cache_last_modified',
    'upstream_cache_etag',
  ]),
  ...group('ngx_http_proxy_module', ['proxy_host', 'proxy_port'], true),
  ...group('ngx_http_proxy_module', [
    'proxy_add_x_forwarded_for', 'proxy_internal_body_length', 'proxy_internal_chunked',
  ]),
  ...group('ngx_http_fastcgi_module', ['fastcgi_script_name', 'fastcgi_path_info']),
  ...group('ngx_http_grpc_module', ['grpc_internal_trailers']),
  ...group(SSL, [
    'ssl_protocol', 'ssl_cipher', 'ssl_ciphers', 'ssl_curve', 'ssl_curves', 'ssl_session_id',
    'ssl_session_reused', 'ssl_early_data', 'ssl_server_name', 'ssl_alpn_protocol', 'ssl_client_cert',
    'ssl_client_raw_cert', 'ssl_client_escaped_cert', 'ssl_client_s_dn', 'ssl_client_i_dn',
    'ssl_client_s_dn_legacy', 'ssl_client_i_dn_legacy', 'ssl_client_serial', 'ssl_client_fingerprint',
    'ssl_client_verify', 'ssl_client_v_start', 'ssl_client_v_end', 'ssl_client_v_remain',
  ], true),
  ...group('ngx_http_v2_module', ['http2']),
  ...group('ngx_http_realip_module', ['realip_remote_addr', 'realip_remote_port']),
  ...group('ngx_http_limit_conn_module', ['limit_conn_status']),
  ...group('ngx_http_limit_req_module', ['limit_req_status']),
  ...group('ngx_http_ssi_filter_module', ['date_local', 'date_gmt']),
  ...group('ngx_http_gzip_filter_module', ['gzip_ratio']),
  ...group('ngx_http_userid_filter_module', ['uid_got', 'uid_set']),
  ...group('ngx_http_userid_filter_module', ['uid_reset'], true),
  ...group('ngx_http_referer_module', ['invalid_referer'], true),
  ...group('ngx_http_secure_link_module', ['secure_link', 'secure_link_expires']),
  ...group('ngx_http_slice_filter_module', ['slice_range']),
  ...group('ngx_http_browser_module', ['msie', 'modern_browser', 'ancient_browser'], true),
  ...group('ngx_http_stub_status_module', [
    'connections_active', 'connections_reading', 'connections_writing', 'connections_waiting',
  ]),
];

/**
 * Prefix families (NGX_HTTP_VAR_PREFIX): any name that starts with one of these is known, even with
 * nothing after the prefix (`$http_` is accepted and is always empty).
 */
export const variablePrefixes: readonly { readonly prefix: string; readonly module: string }[] = [
  { prefix: 'http_', module: CORE },
  { prefix: 'sent_http_', module: CORE },
  { prefix: 'sent_trailer_', module: CORE },
  { prefix: 'cookie_', module: CORE },
  { prefix: 'arg_', module: CORE },
  { prefix: 'upstream_http_', module: UPSTREAM },
  { prefix: 'upstream_trailer_', module: UPSTREAM },
  { prefix: 'upstream_cookie_', module: UPSTREAM },
];

const byName = new Map(builtinVariables.map((v) => [v.name, v]));

/**
 * Whether nginx knows `name` without any user definition: a builtin or a prefix family member.
 * Case-insensitive, as nginx lowercases variable names when it indexes them.
 */
export function isBuiltinVariable(name: string): boolean {
  const lower = name.toLowerCase();
  return byName.has(lower) || variablePrefixes.some((p) => lower.startsWith(p.prefix));
}

/**
 * The builtin variable of that exact name (not a prefix family), if any. Use `changeable` to decide
 * whether `set`, `map`, `geo` or a named capture may define it (nginx: `the duplicate "x" variable`).
 */
export function builtinVariable(name: string): BuiltinVariable | undefined {
  return byName.get(name.toLowerCase());
}

/** A `$name`, `${name}` or `$1` reference found in a directive argument. */
export interface VariableRef {
  /** The variable name as written (without `$` and braces), or the capture digit `1`..`9`. */
  readonly name: string;
  /** Offset of the `$` in the argument value. */
  readonly offset: number;
  /** Offset just after the reference (after the `}` of `${name}`). */
  readonly end: number;
  /** `$1`..`$9`: a regex capture, not a variable (`${1}` is a variable named "1" to nginx). */
  readonly capture: boolean;
}

/** The result of scanning an argument: the references before the first error, and that error. */
export interface ScriptScan {
  readonly refs: readonly VariableRef[];
  /** nginx's message for a malformed reference (`invalid variable name`, …), or null. */
  readonly error: string | null;
}

const NO_VARIABLES: ScriptScan = Object.freeze({ refs: Object.freeze([]) as readonly VariableRef[], error: null });

function isNameChar(c: string): boolean {
  return (
    (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c === '_'
  );
}

/**
 * Scans a directive argument exactly as ngx_http_script_compile does: `$` then a digit 1-9 is a
 * capture; `${name}` or a run of [A-Za-z0-9_] is a variable; anything else after `$` is an error.
 */
export function scanVariables(value: string): ScriptScan {
  // Most arguments have no `$`: one shared answer instead of two objects each.
  if (value.indexOf('$') < 0) return NO_VARIABLES;
  const refs: VariableRef[] = [];
  let i = 0;
  while (i < value.length) {
    if (value[i] !== '$') {
      i++;
      continue;
    }
    const offset = i;
    if (++i === value.length) return { refs, error: 'invalid variable name' };
    const first = value[i] as string;
    if (first >= '1' && first <= '9') {
      i++;
      refs.push({ name: first, offset, end: i, capture: true });
      continue;
    }
    let bracket = false;
    if (first === '{') {
      bracket = true;
      if (++i === value.length) return { refs, error: 'invalid variable name' };
    }
    const start = i;
    let end = i;
    for (; i < value.length; i++) {
      const ch = value[i] as string;
      if (ch === '}' && bracket) {
        end = i;
        i++;
        bracket = false;
        break;
      }
      if (!isNameChar(ch)) break;
      end = i + 1;
    }
    if (bracket) {
      // nginx names the part it read before giving up, e.g. "a" for "${a-b}".
      end = i;
      return { refs, error: `the closing bracket in "${value.slice(start, end)}" variable is missing` };
    }
    if (end === start) return { refs, error: 'invalid variable name' };
    refs.push({ name: value.slice(start, end), offset, end: i, capture: false });
  }
  return { refs, error: null };
}

/**
 * The `$name` / `${name}` / `$1` references of a directive argument, in order (those before the first
 * malformed one, if any; `scanVariables` gives the error too).
 */
export function findVariables(value: string): VariableRef[] {
  return [...scanVariables(value).refs];
}

/**
 * Whether nginx compiles the argument as a script at all (ngx_http_script_variables_count): any `$`
 * makes it one, so a lone `$` at the end is an error even in a value that needs no variables.
 */
export function hasVariables(value: string): boolean {
  return value.includes('$');
}
