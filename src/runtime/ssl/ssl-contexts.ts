/**
 * The TLS contexts of the servers (ngx_http_ssl_merge_srv_conf → ngx_ssl_create,
 * ngx_ssl_certificates): made once per configuration, before any socket is bound, from each
 * server's merged ssl settings. As in nginx every server that has certificates gets its context,
 * whether it listens with ssl or not, and a file that cannot be read stops the start with nginx's
 * message. Servers with identical settings share one node:tls SecureContext.
 */
import { createPrivateKey, constants as cryptoConstants, X509Certificate } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { createSecureContext, type SecureContext, type SecureContextOptions, type SecureVersion } from 'node:tls';
import type { CompiledHttp, CompiledServer } from '../../compile/servers.js';
import type { SslSrvConf } from '../../compile/ssl-conf.js';
import { errnoText } from '../../config/source.js';
import { certificateNames, provideDevPair, type DevCertPlaces } from './dev-certs.js';

const contexts = new WeakMap<CompiledServer, SecureContext>();

/** The TLS context of a server, or null when it has no certificates (nginx's sscf->ssl.ctx). */
export function sslContextOf(server: CompiledServer): SecureContext | null {
  return contexts.get(server) ?? null;
}

export interface SslLoadOptions {
  /** `--dev-certs`: missing certificate and key files are replaced by self-signed ones. */
  readonly devCerts: DevCertPlaces | null;
  /** One line per dev pair made or reused. */
  warn(message: string): void;
}

/**
 * Makes the contexts of every server of `http`; returns nginx's `[emerg]` message for the first
 * server whose certificates cannot be used, else null.
 */
export function loadSslContexts(http: CompiledHttp, opts: SslLoadOptions): string | null {
  const shared = new Map<string, SecureContext>();
  const devPairs = new Map<string, { cert: string; key: string }>();
  for (const server of http.servers) {
    const conf = server.ssl;
    if (conf.certificates.length === 0) continue;
    const last = conf.certificates[conf.certificates.length - 1]!;
    if (conf.certificates.some((p) => p.key === null)) return `no "ssl_certificate_key" is defined for certificate "${last.certAsWritten}"`;
    const certs: Buffer[] = [];
    const keys: (Buffer | { pem: Buffer; passphrase: string })[] = [];
    const passwords = conf.passwordFile === null ? null : readPasswords(conf.passwordFile);
    if (typeof passwords === 'string') return passwords;
    for (const pair of conf.certificates) {
      let certPath = pair.cert;
      let keyPath = pair.key!;
      if (opts.devCerts !== null && (missing(certPath) || missing(keyPath))) {
        const id = `${certPath}\0${keyPath}`;
        let dev = devPairs.get(id);
        if (dev === undefined) {
          const made = provideDevPair(certPath, keyPath, certificateNames(namesUsing(http, certPath, keyPath)), opts.devCerts);
          opts.warn(made.warning);
          dev = made;
          devPairs.set(id, dev);
        }
        certPath = dev.cert;
        keyPath = dev.key;
      }
      const loaded = loadCertificatePair(certPath, keyPath, passwords);
      if (typeof loaded === 'string') return loaded;
      certs.push(loaded.cert);
      keys.push(loaded.key);
    }
    const options = contextOptions(conf, certs, keys);
    const id = JSON.stringify([conf.certificates.map((p) => [p.cert, p.key]), options.ciphers, options.minVersion, options.maxVersion, options.secureOptions, options.honorCipherOrder, options.ecdhCurve, conf.sessionTimeout, conf.dhparam, conf.passwordFile]);
    let ctx = shared.get(id);
    if (ctx === undefined) {
      try {
        if (conf.dhparam !== null) options.dhparam = readFileSync(conf.dhparam);
        ctx = createSecureContext(options);
      } catch (e) {
        return contextError(e, conf);
      }
      shared.set(id, ctx);
    }
    contexts.set(server, ctx);
  }
  return null;
}

/**
 * ngx_ssl_certificate for one pair: the certificate and the key as node:tls takes them, or nginx's
 * message for the first thing wrong (a file that cannot be read, no certificate, a key that does
 * not decode with any password, a key that is not the certificate's).
 */
export function loadCertificatePair(certPath: string, keyPath: string, passwords: readonly string[] | null): { cert: Buffer; key: Buffer | { pem: Buffer; passphrase: string } } | string {
  const cert = readPem(certPath, 'certificate');
  if (typeof cert === 'string') return cert;
  const certError = checkCertificate(certPath, cert);
  if (certError !== null) return certError;
  const key = readPem(keyPath, 'certificate key');
  if (typeof key === 'string') return key;
  const k = usableKey(keyPath, key, passwords);
  if (typeof k === 'string' && k.startsWith('cannot load')) return k;
  const usable = typeof k === 'string' ? key : k;
  // Each pair on its own first, so that a mismatch names its key as nginx does.
  try {
    createSecureContext({ cert, key: [usable] });
  } catch (e) {
    if (/key values mismatch/.test((e as Error).message)) return `SSL_CTX_use_PrivateKey("${keyPath}") failed (SSL: error:05800074:x509 certificate routines::key values mismatch)`;
  }
  return { cert, key: usable };
}

/** The server names of every server whose certificates include this pair. */
function namesUsing(http: CompiledHttp, cert: string, key: string): CompiledServer['names'] {
  return http.servers.filter((s) => s.ssl.certificates.some((p) => p.cert === cert && p.key === key)).flatMap((s) => s.names);
}

function missing(path: string): boolean {
  return !existsSync(path);
}

/**
 * The file's bytes, or nginx's message for BIO_new_file() failing to open it, with the OpenSSL 3
 * error queue nginx appends (`system library::…:calling fopen(…, r)`, then the BIO reason).
 */
function readPem(path: string, what: 'certificate' | 'certificate key'): Buffer | string {
  try {
    return readFileSync(path);
  } catch (e) {
    return `cannot load ${what} "${path}": BIO_new_file() failed (SSL: ${fopenFailure(path, e)})`;
  }
}

/** OpenSSL 3's error queue for a file fopen() could not open: the system error, then BIO's. */
export function fopenFailure(path: string, e: unknown): string {
  const m = /^\((\d+): (.*)\)$/.exec(errnoText(e));
  const errno = Number(m?.[1] ?? 0);
  const reason = errno === 2 ? '10000080:BIO routines::no such file' : '10080002:BIO routines::system lib';
  const lib = (0x80000000 + errno).toString(16).toUpperCase();
  return `error:${lib}:system library::${m?.[2] ?? ''}:calling fopen(${path}, r) error:${reason}`;
}

/** PEM_read_bio_X509_AUX() on the first certificate of the file. */
function checkCertificate(path: string, pem: Buffer): string | null {
  try {
    new X509Certificate(pem);
    return null;
  } catch {
    return `cannot load certificate "${path}": PEM_read_bio_X509_AUX() failed (SSL: error:0480006C:PEM routines::no start line:Expecting: TRUSTED CERTIFICATE)`;
  }
}

/**
 * The key as node:tls takes it: the PEM as is when it reads without a password, with the first
 * password of ssl_password_file that opens it otherwise (ngx_ssl_load_certificate_key tries them
 * in order); nginx's message when none does.
 */
function usableKey(path: string, pem: Buffer, passwords: readonly string[] | null): string | { pem: Buffer; passphrase: string } {
  try {
    createPrivateKey({ key: pem });
    return 'plain';
  } catch {
    for (const passphrase of passwords ?? []) {
      try {
        createPrivateKey({ key: pem, passphrase });
        return { pem, passphrase };
      } catch {
        // the next password
      }
    }
  }
  return `cannot load certificate key "${path}": PEM_read_bio_PrivateKey() failed (SSL: error:1E08010C:DECODER routines::unsupported:No supported data to decode. Input type: PEM)`;
}

/** ngx_ssl_read_password_file: one password a line, empty lines and trailing blanks dropped. */
export function readPasswords(path: string): string[] | string {
  try {
    return readFileSync(path, 'latin1')
      .split('\n')
      .map((l) => l.replace(/[ \t\r]+$/, ''))
      .filter((l) => l.length > 0);
  } catch (e) {
    return `open() "${path}" failed ${errnoText(e)}`;
  }
}

const TLS_VERSIONS: readonly SecureVersion[] = ['TLSv1', 'TLSv1.1', 'TLSv1.2', 'TLSv1.3'];
const NO_VERSION: Readonly<Record<SecureVersion, number>> = {
  TLSv1: cryptoConstants.SSL_OP_NO_TLSv1,
  'TLSv1.1': cryptoConstants.SSL_OP_NO_TLSv1_1,
  'TLSv1.2': cryptoConstants.SSL_OP_NO_TLSv1_2,
  'TLSv1.3': cryptoConstants.SSL_OP_NO_TLSv1_3,
};

/**
 * node:tls options for a server's settings: ssl_protocols as the lowest and highest version with
 * the ones between that are not listed switched off (nginx's SSL_OP_NO_* options), ssl_ciphers,
 * ssl_prefer_server_ciphers (SSL_OP_CIPHER_SERVER_PREFERENCE), ssl_ecdh_curve,
 * ssl_session_timeout and ssl_session_tickets (SSL_OP_NO_TICKET).
 */
function contextOptions(conf: SslSrvConf, certs: Buffer[], keys: (Buffer | { pem: Buffer; passphrase: string })[]): SecureContextOptions {
  const on = TLS_VERSIONS.filter((v) => (conf.protocols as readonly string[]).includes(v));
  let secureOptions = 0;
  let minVersion: SecureVersion = 'TLSv1.3';
  let maxVersion: SecureVersion = 'TLSv1.3';
  if (on.length === 0) {
    // Only SSLv2/SSLv3, which OpenSSL 3 cannot speak: no handshake succeeds, as with nginx.
    secureOptions |= NO_VERSION['TLSv1.3'];
  } else {
    minVersion = on[0]!;
    maxVersion = on[on.length - 1]!;
    for (const v of TLS_VERSIONS.slice(TLS_VERSIONS.indexOf(minVersion), TLS_VERSIONS.indexOf(maxVersion) + 1)) {
      if (!on.includes(v)) secureOptions |= NO_VERSION[v];
    }
  }
  if (!conf.sessionTickets) secureOptions |= cryptoConstants.SSL_OP_NO_TICKET;
  return {
    cert: certs,
    key: keys,
    ciphers: conf.ciphers,
    honorCipherOrder: conf.preferServerCiphers,
    minVersion,
    maxVersion,
    secureOptions,
    ecdhCurve: conf.ecdhCurve,
    sessionTimeout: conf.sessionTimeout,
  };
}

/** What OpenSSL said while the context was made, in nginx's words where nginx has them. */
function contextError(e: unknown, conf: SslSrvConf): string {
  const err = e as NodeJS.ErrnoException;
  const text = err.message ?? String(e);
  if (/cipher/i.test(text)) return `SSL_CTX_set_cipher_list("${conf.ciphers}") failed (SSL: ${text})`;
  if (/curve|group/i.test(text)) return `SSL_CTX_set1_curves_list("${conf.ecdhCurve}") failed (SSL: ${text})`;
  return `SSL context for the server in ${conf.file}:${conf.line} failed: ${text}`;
}
