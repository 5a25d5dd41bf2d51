/**
 * The directives `ngts run` executes today. Every other directive of ngts's scope (effect
 * `runtime` in the registry) is still accepted, and `ngts run` names it once at start-up as not
 * executed yet, so that nobody mistakes a parsed directive for a working one.
 */
export const EXECUTED_DIRECTIVES: ReadonlySet<string> = new Set([
  // core: processes, listeners, servers, locations
  'daemon', 'master_process', 'worker_processes', 'pid', 'error_log', 'events', 'http', 'include',
  'server', 'listen', 'server_name', 'location', 'limit_except',
  // request reading and connections
  'client_header_buffer_size', 'large_client_header_buffers', 'ignore_invalid_headers',
  'underscores_in_headers', 'merge_slashes', 'client_header_timeout', 'client_max_body_size',
  'keepalive_timeout', 'keepalive_requests', 'keepalive_time', 'keepalive_disable',
  'lingering_close', 'lingering_time', 'lingering_timeout',
  // responses
  'server_tokens', 'msie_padding', 'msie_refresh', 'absolute_redirect', 'server_name_in_redirect',
  'port_in_redirect', 'types', 'default_type', 'etag', 'if_modified_since', 'internal',
  'error_page', 'recursive_error_pages', 'log_not_found',
  // static files, try_files, headers
  'root', 'alias', 'index', 'try_files', 'add_header', 'expires',
  // proxy and upstream (round robin)
  'proxy_pass', 'proxy_set_header', 'proxy_http_version', 'proxy_pass_request_headers',
  'proxy_pass_request_body', 'proxy_set_body', 'proxy_method', 'proxy_hide_header',
  'proxy_pass_header', 'proxy_connect_timeout', 'proxy_read_timeout', 'proxy_send_timeout',
  'proxy_request_buffering', 'proxy_next_upstream',
  'proxy_next_upstream_tries', 'proxy_intercept_errors', 'proxy_ignore_client_abort', 'proxy_buffer_size', 'upstream', 'server',
  'ip_hash', 'hash', 'least_conn', 'random', 'zone', 'keepalive', 'keepalive_requests', 'keepalive_time',
  'chunked_transfer_encoding',
  // proxy_pass with variables, https upstreams
  'resolver', 'resolver_timeout', 'proxy_ssl_server_name', 'proxy_ssl_name', 'proxy_ssl_verify',
  'proxy_ssl_trusted_certificate', 'proxy_ssl_protocols', 'proxy_ssl_ciphers',
  'proxy_ssl_certificate', 'proxy_ssl_certificate_key', 'proxy_ssl_session_reuse', 'proxy_ssl_verify_depth',
  'proxy_ssl_crl', 'proxy_ssl_password_file',
  // TLS listeners (listen … ssl, SNI) and HTTP/2 (listen … http2)
  'ssl_certificate', 'ssl_certificate_key', 'ssl_password_file', 'ssl_protocols', 'ssl_ciphers',
  'ssl_prefer_server_ciphers', 'ssl_session_timeout', 'ssl_session_tickets', 'ssl_ecdh_curve',
  'ssl_dhparam', 'ssl_reject_handshake',
  // limits
  'limit_req_zone', 'limit_req', 'limit_req_status', 'limit_req_log_level', 'limit_req_dry_run',
  'limit_conn_zone', 'limit_conn', 'limit_conn_status', 'limit_conn_log_level', 'limit_conn_dry_run',
  // logs
  'access_log', 'log_format',
  // realip
  'set_real_ip_from', 'real_ip_header', 'real_ip_recursive',
  // map
  'map',
  // access
  'allow', 'deny', 'satisfy', 'auth_request', 'auth_request_set', 'auth_basic', 'auth_basic_user_file',
  // stub_status
  'stub_status',
  // rewrite module
  'rewrite', 'return', 'set', 'if', 'break', 'rewrite_log', 'uninitialized_variable_warn',
]);
