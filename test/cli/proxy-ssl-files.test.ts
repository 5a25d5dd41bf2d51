/**
 * The proxy_ssl_* files at start-up, against nginx: ngx_http_proxy_set_ssl reads them while nginx
 * reads its configuration, for every level whose own proxy_pass may go over TLS (https://, or a
 * URL with variables, `if` blocks included): the client certificate and key always (an encrypted
 * key with proxy_ssl_password_file's passwords), the trusted
 * certificates and the CRLs with proxy_ssl_verify only. A file nginx cannot use stops it with its
 * message; ngts run must stop with the same one (exit 1), and start where nginx starts, and ngts -t
 * must fail with it where nginx -t does.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { nginxConf } from '../harness/conf.js';
import { hasNginx } from '../harness/nginx.js';
import { freePort } from '../harness/ports.js';
import { REPO } from '../harness/server.js';
import { tlsCertificates } from '../harness/tls-certs.js';

const NGTS = join(REPO, 'bin/ngts.js');
const certs = tlsCertificates();
const missing = '/nonexistent/ngts-test';
const pair = (cert: string, key: string): string => `proxy_ssl_certificate ${cert}; proxy_ssl_certificate_key ${key};`;
const verify = (trusted: string, crl = ''): string => `proxy_ssl_verify on; proxy_ssl_trusted_certificate ${trusted};${crl ? ` proxy_ssl_crl ${crl};` : ''}`;
const up = 'https://127.0.0.1:9';

// The server block's contents, each a case, and whether nginx refuses it.
const CASES: readonly [name: string, body: string, refused: boolean][] = [
  ['trusted certificate missing', `location / { ${verify(`${missing}/ca.crt`)} proxy_pass ${up}; }`, true],
  ['trusted certificate file without a certificate', `location / { ${verify(`${certs}/index.txt`)} proxy_pass ${up}; }`, true],
  ['trusted certificate: a directory', `location / { ${verify(certs)} proxy_pass ${up}; }`, true],
  ['trusted certificates from a CRL file', `location / { ${verify(`${certs}/ca.crl`)} proxy_pass ${up}; }`, false],
  ['CRL missing', `location / { ${verify(`${certs}/ca.crt`, `${missing}/ca.crl`)} proxy_pass ${up}; }`, true],
  ['CRL file without a list', `location / { ${verify(`${certs}/ca.crt`, `${certs}/index.txt`)} proxy_pass ${up}; }`, true],
  ['trusted certificate and CRL missing without proxy_ssl_verify', `location / { proxy_ssl_trusted_certificate ${missing}/ca.crt; proxy_ssl_crl ${missing}/ca.crl; proxy_pass ${up}; }`, false],
  ['client certificate missing, inherited by an https location', `${pair(`${missing}/c.crt`, `${certs}/server.key`)} location / { proxy_pass ${up}; }`, true],
  ['client key missing', `location / { ${pair(`${certs}/server.crt`, `${missing}/c.key`)} proxy_pass ${up}; }`, true],
  ['client key of another certificate', `location / { ${pair(`${certs}/server.crt`, `${certs}/a.key`)} proxy_pass ${up}; }`, true],
  ['client certificate missing, http:// only', `${pair(`${missing}/c.crt`, `${missing}/c.key`)} location / { proxy_pass http://127.0.0.1:9; }`, false],
  ['client certificate missing in a nested location without proxy_pass', `location / { proxy_pass ${up}; location /in { ${pair(`${missing}/c.crt`, `${missing}/c.key`)} } }`, false],
  ['client certificate missing, a URL with variables', `location / { proxy_pass http://$arg_h; ${pair(`${missing}/c.crt`, `${missing}/c.key`)} }`, true],
  ['encrypted client key with proxy_ssl_password_file', `location / { ${pair(`${certs}/server.crt`, `${certs}/server-enc.key`)} proxy_ssl_password_file ${certs}/passwords.txt; proxy_pass ${up}; }`, false],
  ['client certificate missing, https in an if block', `location / { if ($arg_x) { proxy_pass ${up}; } ${pair(`${missing}/c.crt`, `${missing}/c.key`)} }`, true],
];

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** nginx's message when `nginx -t` refuses the configuration, else null. */
function nginxRefusal(dir: string): string | null {
  const r = spawnSync('nginx', ['-t', '-p', `${dir}/`, '-c', join(dir, 'nginx.conf')], { encoding: 'latin1', timeout: 20_000 });
  return /\[emerg\] \d+#\d+: (.*)/.exec(r.stderr)?.[1] ?? null;
}

/** ngts run's [emerg] when it refuses to start (exit 1), else null once it ran for a while. */
function ngtsRefusal(dir: string): string | null {
  const r = spawnSync(process.execPath, [NGTS, '-p', `${dir}/`, '-c', join(dir, 'nginx.conf')], { encoding: 'latin1', timeout: 2_000, killSignal: 'SIGKILL' });
  if (r.status === null) return null;
  expect(r.status).toBe(1);
  return /nginx: \[emerg\] (.*)/.exec(r.stderr)?.[1] ?? `exit ${r.status}: ${r.stderr}`;
}

/** ngts -t's [emerg] when it fails the configuration (exit 1), else null (exit 0). */
function ngtsTestRefusal(dir: string): string | null {
  const r = spawnSync(process.execPath, [NGTS, '-t', '-p', `${dir}/`, '-c', join(dir, 'nginx.conf')], { encoding: 'latin1', timeout: 20_000 });
  if (r.status === 0) return null;
  expect(r.status).toBe(1);
  return /\[emerg\] \d+#\d+: (.*)/.exec(r.stderr)?.[1] ?? `exit ${r.status}: ${r.stderr}`;
}

describe.skipIf(!hasNginx)('proxy_ssl_* files at start-up and at -t', () => {
  for (const [name, body, refused] of CASES) {
    it(name, async () => {
      const dir = mkdtempSync(join(tmpdir(), 'ngts-proxy-ssl-'));
      dirs.push(dir);
      const port = await freePort();
      writeFileSync(join(dir, 'nginx.conf'), nginxConf(dir, ['resolver 127.0.0.1;', `server { listen 127.0.0.1:${port}; ${body} }`]));
      const want = nginxRefusal(dir);
      expect(want !== null).toBe(refused);
      expect(ngtsRefusal(dir)).toBe(want);
      expect(ngtsTestRefusal(dir)).toBe(want);
    }, 30_000);
  }
});
