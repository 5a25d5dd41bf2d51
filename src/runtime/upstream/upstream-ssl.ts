/**
 * TLS to https upstreams (ngx_http_upstream_ssl_init_connection, ngx_http_upstream_ssl_name,
 * ngx_http_upstream_ssl_handshake) on node:tls: one client context per location's proxy_ssl_*
 * settings, the name sent as SNI and checked against the certificate, the verification result in
 * nginx's words, and one session per peer resumed on the next connection (proxy_ssl_session_reuse).
 */
import { readFileSync } from 'node:fs';
import { isIPv4, type Socket } from 'node:net';
import tls, { type PeerCertificate, type SecureContext, type TLSSocket } from 'node:tls';
import type { ProxySslConf } from '../../compile/proxy-conf.js';
import type { LogLevel } from '../http/response.js';
import type { HttpRequest } from '../http/request.js';
import { evaluate } from '../http/variables.js';
import type { Peer } from './round-robin.js';
import { handshakeFailure } from '../ssl/ssl-error.js';
import { fopenFailure, loadCertificatePair, readPasswords } from '../ssl/ssl-contexts.js';

/** The name of ngx_http_upstream_ssl_name: checked with proxy_ssl_verify; `sni` is sent, if any. */
export interface SslName {
  readonly name: string;
  readonly sni: string | null;
}

/**
 * ngx_http_upstream_ssl_name: proxy_ssl_name or the upstream's host (`fallback`), without a port;
 * sent as SNI with proxy_ssl_server_name, unless empty, `[IPv6]` or an IPv4 address.
 */
export function sslName(r: HttpRequest, conf: ProxySslConf, fallback: string): SslName {
  let name = conf.name !== null ? evaluate(r, conf.name) : fallback;
  if (name.length > 0) {
    let from = 0;
    if (name.startsWith('[')) {
      const close = name.indexOf(']');
      if (close >= 0) from = close;
    }
    const colon = name.indexOf(':', from);
    if (colon >= 0) name = name.slice(0, colon);
  }
  const sni = conf.serverName && name.length > 0 && !name.startsWith('[') && !isIPv4(name) ? name : null;
  return { name, sni };
}

const contexts = new WeakMap<ProxySslConf, SecureContext>();
const files = new Map<string, Buffer>();

function file(path: string): Buffer {
  let b = files.get(path);
  if (b === undefined) {
    b = readFileSync(path);
    files.set(path, b);
  }
  return b;
}

// Node takes a range of versions; nginx's list may have holes (SSLv2/SSLv3 are gone from OpenSSL 3).
const VERSIONS = ['TLSv1', 'TLSv1.1', 'TLSv1.2', 'TLSv1.3'] as const;

/**
 * Makes the client context of `conf` unless done; null when it is ready, else nginx's message for
 * the first file it could not use (checked at start-up too: here the file went away since).
 */
export function sslContextReady(conf: ProxySslConf): string | null {
  if (contexts.has(conf)) return null;
  const problem = filesProblem(conf);
  if (problem !== null) return problem;
  try {
    contextOf(conf);
    return null;
  } catch (e) {
    return `cannot use the proxy_ssl_* files: ${(e as Error).message}`;
  }
}

/**
 * ngx_http_proxy_set_ssl while nginx reads its configuration, for every level whose proxy_pass may
 * go over TLS (CompiledHttp.proxySsl). The first file nginx would refuse gives its message; null
 * when every file can be used. A file is looked at once however many levels name it.
 */
export function checkProxySslFiles(list: readonly ProxySslConf[]): string | null {
  const seen = new Set<string>();
  const fresh = (key: string): boolean => {
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  };
  for (const conf of list) {
    const problem = filesProblem(conf, fresh);
    if (problem !== null) return problem;
  }
  return null;
}

/**
 * ngx_http_proxy_set_ssl's files of one level, in its order: the client certificate and key, then
 * with proxy_ssl_verify the trusted certificates and the CRLs (SSL_CTX_load_verify_locations,
 * X509_LOOKUP_load_file). `fresh` tells whether a file (by key) still needs a look.
 */
function filesProblem(conf: ProxySslConf, fresh: (key: string) => boolean = () => true): string | null {
  if (conf.certificate !== null && conf.certificateKey !== null && fresh(`pair\0${conf.certificate}\0${conf.certificateKey}\0${conf.passwordFile}`)) {
    const pair = clientPair(conf);
    if (typeof pair === 'string') return pair;
  }
  if (!conf.verify) return null;
  for (const [path, call] of [
    [conf.trustedCertificate, 'SSL_CTX_load_verify_locations'],
    [conf.crl, 'X509_LOOKUP_load_file'],
  ] as const) {
    if (path === null || !fresh(`${call}\0${path}`)) continue;
    const problem = verifyFileProblem(path);
    if (problem !== null) return `${call}("${path}") failed (SSL: ${problem})`;
  }
  return null;
}

/** proxy_ssl_certificate and its key, decrypted with proxy_ssl_password_file's passwords; or nginx's message. */
function clientPair(conf: ProxySslConf): ReturnType<typeof loadCertificatePair> {
  const passwords = conf.passwordFile === null ? null : readPasswords(conf.passwordFile);
  if (typeof passwords === 'string') return passwords;
  return loadCertificatePair(conf.certificate!, conf.certificateKey!, passwords);
}

/**
 * Why OpenSSL 3 would load nothing from a PEM file of certificates or CRLs: fopen() failing (with
 * X509_LOOKUP's own error after BIO's), or no certificate or CRL in it; null when it has one.
 */
function verifyFileProblem(path: string): string | null {
  let text: string;
  try {
    text = readFileSync(path, 'latin1');
  } catch (e) {
    // fopen() opens a directory; reading it gives nothing.
    if ((e as NodeJS.ErrnoException).code === 'EISDIR') return 'error:05800088:x509 certificate routines::no certificate or crl found';
    return `${fopenFailure(path, e)} error:05880002:x509 certificate routines::system lib`;
  }
  if (/-----BEGIN (?:TRUSTED |X509 )?CERTIFICATE-----|-----BEGIN X509 CRL-----/.test(text)) return null;
  return 'error:05800088:x509 certificate routines::no certificate or crl found';
}

/** The client certificate options of a context; a pair that cannot be used throws its message. */
function clientCertificate(conf: ProxySslConf): { cert?: Buffer; key?: (Buffer | { pem: Buffer; passphrase: string })[] } {
  if (conf.certificate === null || conf.certificateKey === null) return {};
  const pair = clientPair(conf);
  if (typeof pair === 'string') throw new Error(pair);
  return { cert: pair.cert, key: [pair.key] };
}

/** The client context of a location's proxy_ssl_* settings (ngx_http_proxy_set_ssl), made once. */
function contextOf(conf: ProxySslConf): SecureContext {
  let ctx = contexts.get(conf);
  if (ctx === undefined) {
    const versions = VERSIONS.filter((v) => conf.protocols.includes(v));
    ctx = tls.createSecureContext({
      minVersion: versions[0] ?? 'TLSv1.2',
      maxVersion: versions[versions.length - 1] ?? 'TLSv1.2',
      ciphers: conf.ciphers,
      ...(!conf.verify || conf.trustedCertificate === null ? {} : { ca: file(conf.trustedCertificate) }),
      // ngx_ssl_crl sets X509_V_FLAG_CRL_CHECK|X509_V_FLAG_CRL_CHECK_ALL, as Node does with `crl`:
      // every certificate of the chain needs its issuer's list.
      ...(!conf.verify || conf.crl === null ? {} : { crl: file(conf.crl) }),
      ...clientCertificate(conf),
    });
    contexts.set(conf, ctx);
  }
  return ctx;
}

/**
 * The session kept for each peer (peer->ssl_session) and whether the handshake that made it had a
 * trusted certificate store: a resumed session keeps that handshake's verification result.
 */
const sessions = new WeakMap<Peer, { readonly session: Buffer; readonly trusted: boolean }>();

// X509_verify_cert_error_string of OpenSSL 3, by the codes node reports.
const VERIFY_ERRORS: Readonly<Record<string, readonly [number, string]>> = {
  UNABLE_TO_GET_ISSUER_CERT: [2, 'unable to get issuer certificate'],
  UNABLE_TO_GET_CRL: [3, 'unable to get certificate CRL'],
  UNABLE_TO_DECRYPT_CERT_SIGNATURE: [4, "unable to decrypt certificate's signature"],
  UNABLE_TO_DECRYPT_CRL_SIGNATURE: [5, "unable to decrypt CRL's signature"],
  UNABLE_TO_DECODE_ISSUER_PUBLIC_KEY: [6, 'unable to decode issuer public key'],
  CERT_SIGNATURE_FAILURE: [7, 'certificate signature failure'],
  CRL_SIGNATURE_FAILURE: [8, 'CRL signature failure'],
  CERT_NOT_YET_VALID: [9, 'certificate is not yet valid'],
  CERT_HAS_EXPIRED: [10, 'certificate has expired'],
  CRL_NOT_YET_VALID: [11, 'CRL is not yet valid'],
  CRL_HAS_EXPIRED: [12, 'CRL has expired'],
  ERROR_IN_CERT_NOT_BEFORE_FIELD: [13, "format error in certificate's notBefore field"],
  ERROR_IN_CERT_NOT_AFTER_FIELD: [14, "format error in certificate's notAfter field"],
  ERROR_IN_CRL_LAST_UPDATE_FIELD: [15, "format error in CRL's lastUpdate field"],
  ERROR_IN_CRL_NEXT_UPDATE_FIELD: [16, "format error in CRL's nextUpdate field"],
  OUT_OF_MEM: [17, 'out of memory'],
  DEPTH_ZERO_SELF_SIGNED_CERT: [18, 'self-signed certificate'],
  SELF_SIGNED_CERT_IN_CHAIN: [19, 'self-signed certificate in certificate chain'],
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY: [20, 'unable to get local issuer certificate'],
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: [21, 'unable to verify the first certificate'],
  CERT_CHAIN_TOO_LONG: [22, 'certificate chain too long'],
  CERT_REVOKED: [23, 'certificate revoked'],
  INVALID_CA: [24, 'invalid CA certificate'],
  PATH_LENGTH_EXCEEDED: [25, 'path length constraint exceeded'],
  INVALID_PURPOSE: [26, 'unsupported certificate purpose'],
  CERT_UNTRUSTED: [27, 'certificate not trusted'],
  CERT_REJECTED: [28, 'certificate rejected'],
};

/**
 * The verification result as SSL_get_verify_result gives it to nginx. Node's verify callback goes
 * on after an error, as nginx's own (ngx_ssl_verify_callback, installed with a trusted certificate
 * store) does, and ends at "unable to verify the first certificate"; without a trusted store
 * OpenSSL's default callback stops at the first error, "unable to get local issuer certificate".
 */
function verifyError(code: string, trusted: boolean): string {
  const [n, text] = VERIFY_ERRORS[code] ?? [0, code];
  if (!trusted && n === 21) return '(20:unable to get local issuer certificate)';
  return `(${n}:${text})`;
}

/**
 * X509_check_host with no flags: the name against the certificate's DNS names, or its subject's
 * common names when it has none; a `*` may stand for part of the leftmost label of a pattern with
 * at least two labels after it.
 */
export function checkHost(cert: PeerCertificate, name: string): boolean {
  if (name.length === 0) return false;
  const dns = (cert.subjectaltname ?? '')
    .split(', ')
    .filter((e) => e.startsWith('DNS:'))
    .map((e) => e.slice(4));
  const cn = cert.subject?.CN;
  const patterns = dns.length > 0 ? dns : cn === undefined ? [] : Array.isArray(cn) ? cn : [cn];
  return patterns.some((p) => hostMatches(p, name));
}

function hostMatches(pattern: string, name: string): boolean {
  const p = pattern.toLowerCase();
  const n = name.toLowerCase();
  const star = p.indexOf('*');
  if (star < 0) return p === n;
  // valid_star: one `*`, in the leftmost label, followed by at least two more labels.
  const firstDot = p.indexOf('.');
  if (firstDot < 0 || star > firstDot || p.indexOf('*', star + 1) >= 0) return p === n;
  const afterStar = p.slice(firstDot);
  if (afterStar.split('.').length < 3) return p === n;
  const prefix = p.slice(0, star);
  const suffix = p.slice(star + 1);
  if (n.length < prefix.length + suffix.length || !n.startsWith(prefix) || !n.endsWith(suffix)) return false;
  const middle = n.slice(prefix.length, n.length - suffix.length);
  // wildcard_match: a whole-label wildcard matches at least one character; IDNA labels only those.
  if (prefix.length === 0 && suffix.startsWith('.')) {
    if (middle.length === 0) return false;
  } else if (n.startsWith('xn--')) return false;
  return /^[0-9a-z-]*$/.test(middle);
}

/** How a handshake ended: the TLS socket to send on, or nginx's message and level. */
export type HandshakeResult =
  | { readonly ok: true; readonly socket: TLSSocket }
  | { readonly ok: false; readonly message: string; readonly level: LogLevel };

// ngx_ssl_handshake's messages; an upstream connection's level is error (c->log_error NGX_ERROR_ERR).
function handshakeError(e: NodeJS.ErrnoException): { message: string; level: LogLevel } {
  const f = handshakeFailure(e);
  return { message: f.message, level: f.peers ? 'error' : 'crit' };
}

/**
 * proxy_ssl_verify_depth (SSL_CTX_set_verify_depth): OpenSSL looks for issuers of the peer's
 * certificate through at most `depth` CAs below the trust anchor, so a verified chain may hold
 * depth + 2 certificates; past that the anchor is never reached and nginx reports "unable to get
 * local issuer certificate" (with real nginx: depth 0 passes a certificate signed by the trusted
 * CA, depth 1 one more intermediate). Node verifies to OpenSSL's default depth of 100; the chain it
 * verified is the one getPeerCertificate(true) links, up to the self-signed anchor. A resumed
 * session keeps its first handshake's result, as in nginx.
 */
function chainTooDeep(socket: TLSSocket, depth: number): boolean {
  let cert = socket.getPeerCertificate(true);
  let length = 0;
  while (cert !== undefined && cert !== null && Object.keys(cert).length > 0) {
    length++;
    if (length > depth + 2) return true;
    const issuer = cert.issuerCertificate;
    if (issuer === undefined || issuer === cert) break;
    cert = issuer;
  }
  return false;
}

/** What a handshake needs: the location's settings, the peer, the name and the session policy. */
export interface HandshakeOptions {
  readonly conf: ProxySslConf;
  readonly peer: Peer;
  readonly name: SslName;
  /** proxy_ssl_session_reuse: offer the peer's session, keep the new one. */
  readonly reuse: boolean;
}

/**
 * Starts TLS on a connected socket and calls `done` once: after the handshake and, with
 * proxy_ssl_verify, the certificate checks (ngx_http_upstream_ssl_handshake), or on failure. The
 * session is kept for the peer once the connection is accepted, and again when a TLS 1.3 ticket
 * comes later (ngx_http_upstream_ssl_save_session).
 */
export function startTls(raw: Socket, o: HandshakeOptions, done: (r: HandshakeResult) => void): TLSSocket {
  const saved = o.reuse ? sessions.get(o.peer) : undefined;
  const trustedNow = o.conf.verify && o.conf.trustedCertificate !== null;
  const socket = tls.connect({
    socket: raw,
    secureContext: contextOf(o.conf),
    rejectUnauthorized: false,
    checkServerIdentity: () => undefined,
    ...(o.name.sni === null ? {} : { servername: o.name.sni }),
    ...(saved === undefined ? {} : { session: saved.session }),
  });
  let finished = false;
  let accepted = false;
  let latest: Buffer | null = null;
  const keep = (session: Buffer): void => {
    if (o.reuse) sessions.set(o.peer, { session, trusted: socket.isSessionReused() && saved !== undefined ? saved.trusted : trustedNow });
  };
  socket.on('session', (session: Buffer) => {
    latest = session;
    if (accepted) keep(session);
  });
  const finish = (r: HandshakeResult): void => {
    if (finished) return;
    finished = true;
    socket.removeListener('error', onError);
    done(r);
  };
  const onError = (e: NodeJS.ErrnoException): void => finish({ ok: false, ...handshakeError(e) });
  socket.on('error', onError);
  socket.once('secureConnect', () => {
    if (o.conf.verify) {
      const code = socket.authorizationError as unknown as string | null;
      if (code !== null && code !== undefined) {
        // A resumed session carries the result of the handshake that made it.
        const trusted = socket.isSessionReused() && saved !== undefined ? saved.trusted : trustedNow;
        finish({ ok: false, message: `upstream SSL certificate verify error: ${verifyError(String(code), trusted)}`, level: 'error' });
        return;
      }
      if (!socket.isSessionReused() && chainTooDeep(socket, o.conf.verifyDepth)) {
        finish({ ok: false, message: `upstream SSL certificate verify error: ${verifyError('UNABLE_TO_GET_ISSUER_CERT_LOCALLY', trustedNow)}`, level: 'error' });
        return;
      }
      if (!checkHost(socket.getPeerCertificate(), o.name.name)) {
        finish({ ok: false, message: `upstream SSL certificate does not match "${o.name.name}"`, level: 'error' });
        return;
      }
    }
    accepted = true;
    const session = latest ?? socket.getSession() ?? null;
    if (session !== null) keep(session);
    finish({ ok: true, socket });
  });
  return socket;
}
