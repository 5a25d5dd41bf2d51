/**
 * ngx_http_ssl_module (src/http/modules/ngx_http_ssl_module.c): TLS for http servers. Certificates,
 * protocols and ciphers take effect; OCSP stapling, early data and OpenSSL commands are accepted
 * without effect. Files (certificates, password files) are read by nginx at configuration time;
 * ngts does not open them here.
 */
import type { Context, DirectiveSpec, ModuleSpec, Setter } from '../registry/types.js';
import { deprecated, isDuplicate, PAGE_SIZE, sharedMemoryAdd } from './setters.js';
import { parseNumber, parseSize } from '../values.js';

const M = 'ngx_http_ssl_module';
const MS: readonly Context[] = ['HTTP_MAIN', 'HTTP_SRV'];

/** `shared:NAME:SIZE`, as both cache setters read it; null when malformed. */
function sharedZone(v: string): { readonly name: string; readonly size: number | null } | null {
  if (!v.startsWith('shared:') || v.length <= 7) return null;
  const colon = v.indexOf(':', 7);
  // Without a size, nginx reads past the value and fails: report it as malformed.
  if (colon === -1 || colon === 7) return null;
  return { name: v.slice(7, colon), size: parseSize(v.slice(colon + 1)) };
}

/**
 * ngx_http_ssl_session_cache: `off | none | builtin[:N] | shared:NAME:SIZE`, several allowed. No
 * duplicate check in nginx.
 */
const sslSessionCache: Setter = (cx, args) => {
  for (const a of args) {
    const v = a.value;
    if (v === 'off' || v === 'none' || v === 'builtin') continue;
    if (v.length > 8 && v.startsWith('builtin:')) {
      if (parseNumber(v.slice(8)) === null) {
        cx.error(`invalid session cache "${v}"`);
        return;
      }
      continue;
    }
    const zone = sharedZone(v);
    if (zone === null || zone.size === null) {
      cx.error(`invalid session cache "${v}"`);
      return;
    }
    if (zone.size < 8 * PAGE_SIZE) {
      cx.error(`session cache "${v}" is too small`);
      return;
    }
    if (!sharedMemoryAdd(cx, zone.name, zone.size, M)) return;
  }
};

/** ngx_http_ssl_ocsp_cache: `off` or `shared:NAME:SIZE`. */
const sslOcspCache: Setter = (cx, args) => {
  if (isDuplicate(cx, 'ngx_http_ssl_module:ssl_ocsp_cache')) return;
  const v = args[0]?.value ?? '';
  if (v === 'off') return;
  const zone = sharedZone(v);
  if (zone === null || zone.size === null) {
    cx.error(`invalid OCSP cache "${v}"`);
    return;
  }
  if (zone.size < 8 * PAGE_SIZE) {
    cx.error(`OCSP cache "${v}" is too small`);
    return;
  }
  // nginx tags this zone with the module's context, not the module: it is another use.
  sharedMemoryAdd(cx, zone.name, zone.size, `${M}_ctx`);
};

/** ngx_http_ssl_password_file: once per level (nginx then reads the file). */
const sslPasswordFile: Setter = (cx) => {
  isDuplicate(cx, 'ngx_http_ssl_module:ssl_password_file');
};

const SSL_PROTOCOLS = ['SSLv2', 'SSLv3', 'TLSv1', 'TLSv1.1', 'TLSv1.2', 'TLSv1.3'];

const directives: readonly DirectiveSpec[] = [
  {
    name: 'ssl',
    module: M,
    contexts: MS,
    args: 'FLAG',
    slot: { kind: 'flag' },
    set: deprecated('ssl', 'listen ... ssl'),
    effect: 'runtime',
  },
  { name: 'ssl_certificate', module: M, contexts: MS, args: [1], slot: { kind: 'str_array' }, effect: 'runtime' },
  { name: 'ssl_certificate_key', module: M, contexts: MS, args: [1], slot: { kind: 'str_array' }, effect: 'runtime' },
  { name: 'ssl_password_file', module: M, contexts: MS, args: [1], slot: { kind: 'none' }, set: sslPasswordFile, effect: 'runtime' },
  { name: 'ssl_dhparam', module: M, contexts: MS, args: [1], slot: { kind: 'str' }, effect: 'runtime' },
  { name: 'ssl_ecdh_curve', module: M, contexts: MS, args: [1], slot: { kind: 'str' }, effect: 'runtime' },
  {
    name: 'ssl_protocols',
    module: M,
    contexts: MS,
    args: '1MORE',
    slot: { kind: 'bitmask', values: SSL_PROTOCOLS },
    effect: 'runtime',
  },
  { name: 'ssl_ciphers', module: M, contexts: MS, args: [1], slot: { kind: 'str' }, effect: 'runtime' },
  { name: 'ssl_buffer_size', module: M, contexts: MS, args: [1], slot: { kind: 'size' }, effect: 'none' },
  {
    name: 'ssl_verify_client',
    module: M,
    contexts: MS,
    args: [1],
    slot: { kind: 'enum', values: ['off', 'on', 'optional', 'optional_no_ca'] },
    effect: 'runtime',
  },
  { name: 'ssl_verify_depth', module: M, contexts: MS, args: [1], slot: { kind: 'num' }, effect: 'runtime' },
  { name: 'ssl_client_certificate', module: M, contexts: MS, args: [1], slot: { kind: 'str' }, effect: 'runtime' },
  { name: 'ssl_trusted_certificate', module: M, contexts: MS, args: [1], slot: { kind: 'str' }, effect: 'runtime' },
  { name: 'ssl_prefer_server_ciphers', module: M, contexts: MS, args: 'FLAG', slot: { kind: 'flag' }, effect: 'runtime' },
  { name: 'ssl_session_cache', module: M, contexts: MS, args: [1, 2], slot: { kind: 'none' }, set: sslSessionCache, effect: 'none' },
  { name: 'ssl_session_tickets', module: M, contexts: MS, args: 'FLAG', slot: { kind: 'flag' }, effect: 'runtime' },
  { name: 'ssl_session_ticket_key', module: M, contexts: MS, args: [1], slot: { kind: 'str_array' }, effect: 'runtime' },
  { name: 'ssl_session_timeout', module: M, contexts: MS, args: [1], slot: { kind: 'sec' }, effect: 'runtime' },
  { name: 'ssl_crl', module: M, contexts: MS, args: [1], slot: { kind: 'str' }, effect: 'runtime' },
  // NGX_CONF_FLAG with an enum slot: one argument, `on`, `off` or `leaf` ([1] keeps `leaf` legal).
  {
    name: 'ssl_ocsp',
    module: M,
    contexts: MS,
    args: [1],
    slot: { kind: 'enum', values: ['off', 'on', 'leaf'] },
    effect: 'none',
  },
  { name: 'ssl_ocsp_responder', module: M, contexts: MS, args: [1], slot: { kind: 'str' }, effect: 'none' },
  { name: 'ssl_ocsp_cache', module: M, contexts: MS, args: [1], slot: { kind: 'none' }, set: sslOcspCache, effect: 'none' },
  { name: 'ssl_stapling', module: M, contexts: MS, args: 'FLAG', slot: { kind: 'flag' }, effect: 'none' },
  { name: 'ssl_stapling_file', module: M, contexts: MS, args: [1], slot: { kind: 'str' }, effect: 'none' },
  { name: 'ssl_stapling_responder', module: M, contexts: MS, args: [1], slot: { kind: 'str' }, effect: 'none' },
  { name: 'ssl_stapling_verify', module: M, contexts: MS, args: 'FLAG', slot: { kind: 'flag' }, effect: 'none' },
  { name: 'ssl_early_data', module: M, contexts: MS, args: 'FLAG', slot: { kind: 'flag' }, effect: 'none' },
  { name: 'ssl_conf_command', module: M, contexts: MS, args: [2], slot: { kind: 'keyval' }, effect: 'none' },
  { name: 'ssl_reject_handshake', module: M, contexts: MS, args: 'FLAG', slot: { kind: 'flag' }, effect: 'runtime' },
];

export const ngxHttpSslModule: ModuleSpec = { name: M, directives };
