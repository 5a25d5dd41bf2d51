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
 *
 * A fixture's TLS backends (`{{tls}}`, `{{tls2}}`… present server.crt, `{{tlsself}}` self.crt) and
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
  made = dir;
  return dir;
}

/** The key and certificate a TLS backend named `name` presents. */
export function backendCertificate(name: string): { key: Buffer; cert: Buffer } {
  const dir = tlsCertificates();
  const file = name.startsWith('tlsself') ? 'self' : 'server';
  return { key: readFileSync(join(dir, `${file}.key`)), cert: readFileSync(join(dir, `${file}.crt`)) };
}
