/**
 * Certificates for TLS backends, made with the openssl command once per test process:
 *
 *   ca.crt            a CA, trusted where a fixture says proxy_ssl_trusted_certificate ca.crt
 *   other-ca.crt      another CA, which signed nothing the backends present
 *   server.crt/.key   signed by ca.crt: CN backend.test, DNS backend.test and *.wild.test, IP 127.0.0.1
 *   self.crt/.key     self-signed: CN self.test, DNS self.test
 *   a.crt, b.crt      signed by ca.crt, EC keys (a.key, b.key): CN a.test and CN b.test (each with
 *                     its *. wildcard), for servers that choose a certificate by SNI
 *   rsa.crt/.key      signed by ca.crt, an RSA key: CN a.test, to pair with a.crt (RSA + ECDSA)
 *   int.crt, int2.crt intermediate CAs: int signed by ca.crt, int2 by int
 *   chain1.crt/.key   like server.crt but signed by int, the file holding it and int (3 certificates
 *                     up to ca.crt, for proxy_ssl_verify_depth)
 *   chain2.crt/.key   the same signed by int2, the file holding it, int2 and int (4 up to ca.crt)
 *   revoked.crt/.key  like server.crt, signed by ca.crt and revoked by ca.crl (a CRL of ca.crt)
 *   server-enc.key, self-enc.key  server.key and self.key encrypted; passwords.txt opens them
 *                     on its second line
 *
 * A fixture's TLS backends (`{{tls}}`, `{{tls2}}`… present server.crt, `{{tlsself}}` self.crt,
 * `{{tlschain}}` chain1.crt, `{{tlsdeep}}` chain2.crt, `{{tlsrevoked}}` revoked.crt) and
 * its config (`{{prefix}}/tls/ca.crt`…) use the same files: they are copied into the run directory.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

let made: string | null = null;

function openssl(dir: string, args: readonly string[]): void {
  const r = spawnSync('openssl', args, { cwd: dir, encoding: 'utf8' });
  if (r.error !== undefined || r.status !== 0) {
    throw new Error(`openssl ${args.join(' ')} failed: ${r.error?.message ?? r.stderr}`);
  }
}

/** Makes a key and a certificate request (or a self-signed certificate with `selfSigned`). */
function keyAndCert(dir: string, name: string, subject: string, ext: string, selfSigned: boolean): void {
  writeFileSync(join(dir, `${name}.ext`), ext);
  openssl(dir, [
    'req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', `${name}.key`,
    '-subj', subject, ...(selfSigned ? ['-x509', '-days', '3650', '-out', `${name}.crt`, '-extensions', 'v3', '-config', `${name}.ext`] : ['-out', `${name}.csr`, '-config', `${name}.ext`]),
  ]);
}

function conf(ext: string): string {
  return `[req]\ndistinguished_name = dn\n[dn]\n[v3]\n${ext}\n`;
}

/** The directory holding the certificates (made on first use). */
export function tlsCertificates(): string {
  if (made !== null) return made;
  const dir = mkdtempSync(join(tmpdir(), 'ngts-tls-'));
  for (const ca of ['ca', 'other-ca']) {
    keyAndCert(dir, ca, `/CN=ngts test ${ca}`, conf('basicConstraints = critical, CA:TRUE\nkeyUsage = critical, keyCertSign, cRLSign\nsubjectKeyIdentifier = hash'), true);
  }
  keyAndCert(dir, 'server', '/CN=backend.test', conf(''), false);
  writeFileSync(join(dir, 'server.v3'), 'basicConstraints = CA:FALSE\nsubjectAltName = DNS:backend.test, DNS:*.wild.test, IP:127.0.0.1\nextendedKeyUsage = serverAuth\n');
  openssl(dir, ['x509', '-req', '-in', 'server.csr', '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-days', '3650', '-extfile', 'server.v3', '-out', 'server.crt']);
  keyAndCert(dir, 'self', '/CN=self.test', conf('basicConstraints = CA:FALSE\nsubjectAltName = DNS:self.test'), true);
  for (const [name, cn, rsa] of [['a', 'a.test', false], ['b', 'b.test', false], ['rsa', 'a.test', true]] as const) {
    const key = rsa ? ['-newkey', 'rsa:2048'] : ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1'];
    openssl(dir, ['req', ...key, '-nodes', '-keyout', `${name}.key`, '-subj', `/CN=${cn}`, '-out', `${name}.csr`, '-config', 'server.ext']);
    writeFileSync(join(dir, `${name}.v3`), `basicConstraints = CA:FALSE\nsubjectAltName = DNS:${cn}, DNS:*.${cn}\nextendedKeyUsage = serverAuth\n`);
    openssl(dir, ['x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-days', '3650', '-extfile', `${name}.v3`, '-out', `${name}.crt`]);
  }
  chainsAndCrl(dir);
  // An encrypted key and a password file whose second line opens it (nginx tries each line).
  for (const name of ['server', 'self']) openssl(dir, ['pkey', '-in', `${name}.key`, '-aes256', '-passout', 'pass:secret', '-out', `${name}-enc.key`]);
  writeFileSync(join(dir, 'passwords.txt'), 'wrong\nsecret\n');
  made = dir;
  return dir;
}

/** Intermediate CAs, certificates under them, and a revoked certificate with ca.crt's CRL. */
function chainsAndCrl(dir: string): void {
  writeFileSync(join(dir, 'ca.v3'), 'basicConstraints = critical, CA:TRUE\nkeyUsage = critical, keyCertSign, cRLSign\n');
  const signed = (name: string, subject: string, issuer: string, ext: string): void => {
    keyAndCert(dir, name, subject, conf(''), false);
    openssl(dir, ['x509', '-req', '-in', `${name}.csr`, '-CA', `${issuer}.crt`, '-CAkey', `${issuer}.key`, '-CAcreateserial', '-days', '3650', '-extfile', ext, '-out', `${name}.crt`]);
  };
  signed('int', '/CN=ngts test int', 'ca', 'ca.v3');
  signed('int2', '/CN=ngts test int2', 'int', 'ca.v3');
  signed('leaf1', '/CN=backend.test', 'int', 'server.v3');
  signed('leaf2', '/CN=backend.test', 'int2', 'server.v3');
  signed('revoked', '/CN=backend.test', 'ca', 'server.v3');
  const read = (name: string): string => readFileSync(join(dir, `${name}.crt`), 'latin1');
  writeFileSync(join(dir, 'chain1.crt'), read('leaf1') + read('int'));
  writeFileSync(join(dir, 'chain2.crt'), read('leaf2') + read('int2') + read('int'));
  // `openssl ca` keeps what it revoked in a database of its own.
  writeFileSync(join(dir, 'index.txt'), '');
  writeFileSync(join(dir, 'crlnumber'), '01\n');
  writeFileSync(join(dir, 'ca.cnf'), '[ca]\ndefault_ca = d\n[d]\ndatabase = index.txt\ncrlnumber = crlnumber\ndefault_md = sha256\ndefault_crl_days = 3650\ncertificate = ca.crt\nprivate_key = ca.key\n');
  openssl(dir, ['ca', '-config', 'ca.cnf', '-revoke', 'revoked.crt']);
  openssl(dir, ['ca', '-config', 'ca.cnf', '-gencrl', '-out', 'ca.crl']);
}

// The files a backend presents, by its placeholder's name (its number aside).
const PRESENTED: Readonly<Record<string, readonly [cert: string, key: string]>> = {
  tls: ['server', 'server'],
  tlsself: ['self', 'self'],
  tlschain: ['chain1', 'leaf1'],
  tlsdeep: ['chain2', 'leaf2'],
  tlsrevoked: ['revoked', 'revoked'],
};

/** The key and certificate (chain) a TLS backend named `name` presents. */
export function backendCertificate(name: string): { key: Buffer; cert: Buffer } {
  const dir = tlsCertificates();
  const [cert, key] = PRESENTED[name.replace(/\d+$/, '')] ?? PRESENTED.tls!;
  return { key: readFileSync(join(dir, `${key}.key`)), cert: readFileSync(join(dir, `${cert}.crt`)) };
}
