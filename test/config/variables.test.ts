/**
 * The builtin variable catalogue and the `$name` scanner, against what nginx 1.22.1 (nginx-light,
 * Debian) answers: every name below was checked with `nginx -t` on `return 200 "$name";`.
 */
import { describe, expect, it } from 'vitest';
import { builtinVariable, builtinVariables, findVariables, isBuiltinVariable, scanVariables } from '../../src/config/variables.js';

describe('isBuiltinVariable', () => {
  it.each([
    'uri', 'args', 'request_uri', 'binary_remote_addr', 'realpath_root', 'request_id', 'connection_time',
    'upstream_response_time', 'upstream_cache_etag', 'proxy_add_x_forwarded_for', 'fastcgi_path_info',
    'ssl_client_v_remain', 'http2', 'realip_remote_port', 'limit_req_status', 'date_gmt', 'gzip_ratio',
    'uid_reset', 'invalid_referer', 'secure_link_expires', 'slice_range', 'msie', 'connections_waiting',
    'grpc_internal_trailers', 'tcpinfo_rcv_space',
  ])('knows $%s', (name) => {
    expect(isBuiltinVariable(name)).toBe(true);
  });

  it.each(['http_x_forwarded_for', 'sent_http_etag', 'sent_trailer_x', 'cookie_session', 'arg_page', 'upstream_http_server', 'upstream_trailer_grpc_status', 'upstream_cookie_id'])(
    'knows the prefix family of $%s',
    (name) => {
      expect(isBuiltinVariable(name)).toBe(true);
    },
  );

  it('accepts a prefix with nothing after it, as nginx does', () => {
    expect(isBuiltinVariable('http_')).toBe(true);
    expect(isBuiltinVariable('arg_')).toBe(true);
  });

  it('is case-insensitive, as nginx lowercases indexed names', () => {
    expect(isBuiltinVariable('URI')).toBe(true);
    expect(isBuiltinVariable('Http_Host')).toBe(true);
  });

  it.each(['memcached_key', 'http2_x', 'foo', '1', '0', 'geoip_country_code', 'proxy_protocol_tlv_x', 'upstream_last_server_name'])(
    'does not know $%s (nginx: unknown variable)',
    (name) => {
      expect(isBuiltinVariable(name)).toBe(false);
    },
  );

  it('says which builtins `set` may assign', () => {
    expect(builtinVariable('args')?.changeable).toBe(true);
    expect(builtinVariable('limit_rate')?.changeable).toBe(true);
    expect(builtinVariable('ssl_protocol')?.changeable).toBe(true);
    expect(builtinVariable('invalid_referer')?.changeable).toBe(true);
    expect(builtinVariable('uri')?.changeable).toBe(false);
    expect(builtinVariable('gzip_ratio')?.changeable).toBe(false);
    expect(builtinVariable('http_host')?.changeable).toBe(false);
  });

  it('lists each name once', () => {
    const names = builtinVariables.map((v) => v.name);
    expect(new Set(names).size).toBe(names.length);
  });
});

describe('findVariables / scanVariables', () => {
  it('finds $name, ${name} and $1 as ngx_http_script_compile does', () => {
    expect(findVariables('a$uri/${host}x$1$2b')).toEqual([
      { name: 'uri', offset: 1, end: 5, capture: false },
      { name: 'host', offset: 6, end: 13, capture: false },
      { name: '1', offset: 14, end: 16, capture: true },
      { name: '2', offset: 16, end: 18, capture: true },
    ]);
  });

  it('ends a name at the first character that is not [A-Za-z0-9_]', () => {
    expect(findVariables('$uri.html')).toEqual([{ name: 'uri', offset: 0, end: 4, capture: false }]);
    expect(findVariables('$arg_a-b')).toEqual([{ name: 'arg_a', offset: 0, end: 6, capture: false }]);
  });

  it('reads ${1} and $0 as variables named "1" and "0" (nginx: unknown variable)', () => {
    expect(findVariables('${1}$0')).toEqual([
      { name: '1', offset: 0, end: 4, capture: false },
      { name: '0', offset: 4, end: 6, capture: false },
    ]);
  });

  it.each([
    ['a$', 'invalid variable name'],
    ['${}', 'invalid variable name'],
    ['$-', 'invalid variable name'],
    ['x${', 'invalid variable name'],
    ['${foo', 'the closing bracket in "foo" variable is missing'],
    ['${a-b}', 'the closing bracket in "a" variable is missing'],
  ])('reports %s as nginx does', (value, message) => {
    expect(scanVariables(value).error).toBe(message);
  });

  it('keeps the references found before an error', () => {
    const r = scanVariables('$uri$');
    expect(r.refs).toEqual([{ name: 'uri', offset: 0, end: 4, capture: false }]);
    expect(r.error).toBe('invalid variable name');
  });
});
