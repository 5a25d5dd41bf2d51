/**
 * ngx_http_ssl_module's variables (ngx_http_ssl_vars): read from the connection's TLS socket;
 * not found on a connection without TLS, as nginx's getters return not_found when c->ssl is
 * NULL. Client certificates are not requested by ngts (ssl_verify_client is not executed), so the
 * $ssl_client_* variables say what nginx says for a client that sent none.
 */
import type { TLSSocket } from 'node:tls';
import type { BuiltinResolver, VariableGetter } from '../../compile/variable-table.js';
import type { HttpRequest } from '../http/request.js';

/** The TLS socket of the request's connection, or null. */
function tlsOf(r: HttpRequest): TLSSocket | null {
  return r.conn.tls?.socket ?? null;
}

const onTls =
  (get: (s: TLSSocket) => string | undefined): VariableGetter =>
  (r) => {
    const s = tlsOf(r);
    return s === null ? undefined : get(s);
  };

const SSL: Readonly<Record<string, VariableGetter>> = {
  // SSL_get_version: TLSv1.2, TLSv1.3…
  ssl_protocol: onTls((s) => s.getProtocol() ?? undefined),
  // SSL_get_cipher_name: OpenSSL's name (ECDHE-RSA-AES128-GCM-SHA256, TLS_AES_256_GCM_SHA384).
  ssl_cipher: onTls((s) => s.getCipher()?.name),
  // The name as the client sent it (SSL_get_servername); not found without SNI (logged as "-").
  ssl_server_name: onTls((s) => (typeof s.servername === 'string' && s.servername !== '' ? s.servername : undefined)),
  ssl_session_reused: onTls((s) => (s.isSessionReused() ? 'r' : '.')),
  ssl_alpn_protocol: onTls((s) => (typeof s.alpnProtocol === 'string' ? s.alpnProtocol : '')),
  // The key exchange group: SSL_get_negotiated_group's name, as OpenSSL prints it.
  ssl_curve: onTls((s) => {
    const k = s.getEphemeralKeyInfo();
    return k !== null && 'name' in k && typeof k.name === 'string' ? k.name : '';
  }),
  ssl_early_data: onTls(() => ''),
  ssl_client_verify: onTls(() => 'NONE'),
  ssl_client_cert: onTls(() => ''),
  ssl_client_raw_cert: onTls(() => ''),
  ssl_client_escaped_cert: onTls(() => ''),
  ssl_client_s_dn: onTls(() => ''),
  ssl_client_i_dn: onTls(() => ''),
  ssl_client_s_dn_legacy: onTls(() => ''),
  ssl_client_i_dn_legacy: onTls(() => ''),
  ssl_client_serial: onTls(() => ''),
  ssl_client_fingerprint: onTls(() => ''),
  ssl_client_v_start: onTls(() => ''),
  ssl_client_v_end: onTls(() => ''),
  ssl_client_v_remain: onTls(() => ''),
};

/** `$http2` (ngx_http_v2_variable): "h2" over TLS, "h2c" without, '' for HTTP/1.x. */
const http2: VariableGetter = (r) => (r.head.httpVersion !== 2000 ? '' : r.conn.ssl ? 'h2' : 'h2c');

/** Adds the ssl and http2 modules' variables in front of `next`. */
export function withSslVariables(next: BuiltinResolver): BuiltinResolver {
  return (name) => {
    const get = SSL[name];
    if (get !== undefined) return { get, noCache: false };
    if (name === 'http2') return { get: http2, noCache: false };
    return next(name);
  };
}
