/**
 * ngx_http_ssl_module's server configuration (ngx_http_ssl_srv_conf_t), merged http → server as
 * ngx_http_ssl_merge_srv_conf merges it: certificates and keys come whole from the nearest level
 * that has any, every other value from the nearest level that sets it, else nginx's default.
 * File names are resolved against the configuration's directory (ngx_conf_full_name with conf
 * prefix), as nginx resolves them.
 */
import type { Directive } from '../config/ast.js';
import { fullName } from '../config/source.js';
import { parseTime } from '../config/values.js';
import type { ConfLevel } from './conf-level.js';

/** One `ssl_certificate` with the `ssl_certificate_key` of the same position. */
export interface SslCertificatePair {
  /** Full path of the certificate (chain) file. */
  readonly cert: string;
  /** Full path of the key, or null when fewer keys than certificates are configured. */
  readonly key: string | null;
  /** The paths as written, for messages that quote them so. */
  readonly certAsWritten: string;
  readonly directive: Directive;
}

/** The protocols `ssl_protocols` may name, oldest first. */
export const SSL_PROTOCOL_NAMES = ['SSLv2', 'SSLv3', 'TLSv1', 'TLSv1.1', 'TLSv1.2', 'TLSv1.3'] as const;
export type SslProtocolName = (typeof SSL_PROTOCOL_NAMES)[number];

export interface SslSrvConf {
  readonly certificates: readonly SslCertificatePair[];
  /** `ssl_protocols` (TLSv1 TLSv1.1 TLSv1.2 in nginx 1.22: TLSv1.3 is on by default from 1.23.4). */
  readonly protocols: readonly SslProtocolName[];
  /** `ssl_ciphers` (HIGH:!aNULL:!MD5): OpenSSL's cipher list, TLSv1.2 and below. */
  readonly ciphers: string;
  readonly preferServerCiphers: boolean;
  /** `ssl_session_timeout` in seconds (300). */
  readonly sessionTimeout: number;
  readonly sessionTickets: boolean;
  /** `ssl_ecdh_curve` (auto). */
  readonly ecdhCurve: string;
  /** Full path of `ssl_dhparam`, or null. */
  readonly dhparam: string | null;
  /** Full path of `ssl_password_file`, or null. */
  readonly passwordFile: string | null;
  readonly rejectHandshake: boolean;
  /** The server block and the line nginx names for it (cscf->file_name, cscf->line). */
  readonly file: string;
  readonly line: number;
}

const DEFAULT_PROTOCOLS: readonly SslProtocolName[] = ['TLSv1', 'TLSv1.1', 'TLSv1.2'];

/** Compiles the TLS settings a server block ends up with. `confPrefix` ends with a slash. */
export function compileSslSrvConf(level: ConfLevel, confPrefix: string): SslSrvConf {
  const certs = level.inherited('ssl_certificate');
  const keys = level.inherited('ssl_certificate_key');
  const certificates = certs.map((d, i): SslCertificatePair => {
    const keyDirective = keys[i];
    const key = keyDirective?.args[0]?.value;
    const written = d.args[0]?.value ?? '';
    return Object.freeze({ cert: fullName(confPrefix, written), key: key === undefined ? null : fullName(confPrefix, key), certAsWritten: written, directive: d });
  });
  const protocolDirective = level.get('ssl_protocols');
  const protocols = protocolDirective
    ? SSL_PROTOCOL_NAMES.filter((p) => protocolDirective.args.some((a) => a.value === p))
    : DEFAULT_PROTOCOLS;
  const timeout = level.value('ssl_session_timeout');
  const dhparam = level.value('ssl_dhparam');
  const password = level.value('ssl_password_file');
  const server = level.block!;
  return Object.freeze({
    certificates: Object.freeze(certificates),
    protocols: Object.freeze(protocols),
    ciphers: level.value('ssl_ciphers') ?? 'HIGH:!aNULL:!MD5',
    preferServerCiphers: level.flag('ssl_prefer_server_ciphers', false),
    sessionTimeout: timeout === undefined ? 300 : (parseTime(timeout, true) ?? 300),
    sessionTickets: level.flag('ssl_session_tickets', true),
    ecdhCurve: level.value('ssl_ecdh_curve') ?? 'auto',
    dhparam: dhparam === undefined ? null : fullName(confPrefix, dhparam),
    passwordFile: password === undefined ? null : fullName(confPrefix, password),
    rejectHandshake: level.flag('ssl_reject_handshake', false),
    file: server.span.file,
    line: server.terminator.line,
  });
}
