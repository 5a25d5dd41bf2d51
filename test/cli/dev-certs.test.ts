/**
 * `ngts run --dev-certs` on the seed configurations that listen with ssl (fixtures/seeds/, the
 * ones nginx -t accepts): their certificate files are missing here, so ngts makes self-signed ones
 * (in the cache, or next to where the configuration wants them when that is a project
 * directory), says so once per pair, and answers over TLS with a certificate for the server's
 * name. Without --dev-certs the same configuration stops with nginx's own message, compared with
 * what real nginx prints for it.
 */
import { spawn, spawnSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import tls from 'node:tls';
import { afterAll, describe, expect, it } from 'vitest';
import { hasNginx } from '../harness/nginx.js';
import { freePort, waitForPort } from '../harness/ports.js';
import { REPO } from '../harness/server.js';

const SEEDS = join(REPO, 'fixtures/seeds');
const NGTS = join(REPO, 'bin/ngts.js');

interface SeedExpect {
  main: string | null;
  nginxT: { ok: boolean } | null;
  needsPaths: Record<string, string>;
  writesPaths: Record<string, string>;
}

const LISTEN = /(^|[\s;{}])(listen[ \t\r\n]+(?:(?:\[[^\]\s]*\]|[^\s;:[]*):)?)(\d+)(?=[\s;])/g;
const CERT_FILE = /\.(pem|crt|key)$/;

function filesUnder(root: string, sub = ''): string[] {
  return readdirSync(join(root, sub)).flatMap((n) => {
    const rel = sub === '' ? n : `${sub}/${n}`;
    return statSync(join(root, rel)).isDirectory() ? filesUnder(root, rel) : [rel];
  });
}

/** The seeds nginx -t accepts that have a `listen … ssl`. */
function sslSeeds(): string[] {
  return readdirSync(SEEDS).filter((name) => {
    const file = join(SEEDS, name, 'expect.json');
    if (!existsSync(file)) return false;
    const seed = JSON.parse(readFileSync(file, 'utf8')) as SeedExpect;
    if (seed.nginxT?.ok !== true || seed.main === null) return false;
    return filesUnder(join(SEEDS, name)).some((f) => f.endsWith('.conf') && /listen[^;]*\sssl\b/.test(readFileSync(join(SEEDS, name, f), 'utf8')));
  });
}

interface Prepared {
  readonly dir: string;
  readonly conf: string;
  /** The free port that replaced 443. */
  readonly https: number;
  /** Certificate paths in the configuration, after the rewrite. */
  readonly certs: string[];
}

const temps: string[] = [];
afterAll(() => {
  for (const t of temps) rmSync(t, { recursive: true, force: true });
});

/**
 * Copies a seed, rewrites its absolute paths into the copy (certificates and keys: into
 * `<dir>/devcerts/`, an empty directory, when `inPlace`, else left as written: missing files
 * outside the project), its listen ports to free ones, and removes the seed's own certificates.
 */
async function prepare(name: string, inPlace: boolean): Promise<Prepared> {
  const seed = JSON.parse(readFileSync(join(SEEDS, name, 'expect.json'), 'utf8')) as SeedExpect;
  const dir = mkdtempSync(join(tmpdir(), `ngts-devcerts-${name}-`));
  temps.push(dir);
  cpSync(join(SEEDS, name), dir, { recursive: true });
  for (const f of filesUnder(dir)) if (CERT_FILE.test(f)) rmSync(join(dir, f));
  mkdirSync(join(dir, 'devcerts'));
  const paths: [string, string][] = [];
  const certs: string[] = [];
  for (const [abs, rel] of Object.entries(seed.needsPaths)) {
    if (CERT_FILE.test(abs)) {
      const target = inPlace ? join(dir, 'devcerts', abs.split('/').pop()!) : abs;
      paths.push([abs, target]);
      certs.push(target);
    } else paths.push([abs, join(dir, rel)]);
  }
  for (const [abs, rel] of Object.entries(seed.writesPaths)) {
    paths.push([abs, join(dir, rel)]);
    mkdirSync(rel.endsWith('/') ? join(dir, rel) : dirname(join(dir, rel)), { recursive: true });
  }
  paths.sort((a, b) => b[0].length - a[0].length);
  const ports = new Map<number, number>();
  for (const rel of filesUnder(dir)) {
    if (rel === 'expect.json' || rel.endsWith('.md')) continue;
    const file = join(dir, rel);
    const text = readFileSync(file, 'latin1');
    let out = text;
    for (const [abs, target] of paths) out = out.split(abs).join(target);
    for (const m of out.matchAll(LISTEN)) if (!ports.has(Number(m[3]))) ports.set(Number(m[3]), await freePort());
    out = out.replace(LISTEN, (_m, lead: string, head: string, port: string) => `${lead}${head}${ports.get(Number(port))}`);
    if (out !== text) writeFileSync(file, out, 'latin1');
  }
  return { dir, conf: join(dir, seed.main!), https: ports.get(443)!, certs };
}

/** The certificate a TLS handshake with `servername` gets from 127.0.0.1:`port`, and the answer to GET /. */
function fetchTls(port: number, servername: string): Promise<{ cert: tls.DetailedPeerCertificate; status: string }> {
  return new Promise((resolve, reject) => {
    const s = tls.connect({ port, host: '127.0.0.1', servername, rejectUnauthorized: false, ALPNProtocols: ['http/1.1'] }, () => {
      const cert = s.getPeerCertificate(true);
      s.write(`GET / HTTP/1.1\r\nHost: ${servername}\r\nConnection: close\r\n\r\n`);
      let data = '';
      s.on('data', (d: Buffer) => (data += d.toString('latin1')));
      s.on('end', () => resolve({ cert, status: data.split('\r\n')[0] ?? '' }));
    });
    s.on('error', reject);
  });
}

const seeds = sslSeeds();

describe('ngts run --dev-certs on the ssl seeds', () => {
  it('finds the seeds that listen with ssl', () => {
    expect(seeds).toEqual(expect.arrayContaining(['warehouse-api-gateway', 'api-gateway-production-fixed']));
  });

  for (const name of seeds) {
    for (const inPlace of [false, true]) {
      it(`${name}: ${inPlace ? 'next to the configuration' : 'in the cache'}`, async () => {
        const p = await prepare(name, inPlace);
        const cache = join(p.dir, 'cache');
        const child = spawn(process.execPath, [NGTS, '-p', `${p.dir}/`, '-c', p.conf, 'run', '--dev-certs'], {
          env: { ...process.env, NGTS_DEV_CERTS_DIR: cache },
          stdio: ['ignore', 'ignore', 'pipe'],
        });
        let stderr = '';
        child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
        let exited: string | null = null;
        child.on('exit', (code) => (exited = `exited with ${code}: ${stderr}`));
        try {
          await waitForPort(p.https, { timeoutMs: 15_000, gaveUp: () => exited });
          const warnings = stderr.split('\n').filter((l) => l.includes('--dev-certs:'));
          expect(warnings.length, stderr).toBe(1);
          expect(warnings[0]).toMatch(/self-signed/);
          if (inPlace) {
            for (const c of p.certs) expect(existsSync(c), c).toBe(true);
            expect(warnings[0]).toContain(p.certs[0]);
          } else {
            expect(warnings[0]).toContain(cache);
            for (const c of p.certs) expect(existsSync(c), c).toBe(false);
          }
          const serverName = /server_name\s+([^\s;]+)/.exec(readFileSync(p.conf, 'utf8') + filesUnder(p.dir).filter((f) => f.endsWith('.conf')).map((f) => readFileSync(join(p.dir, f), 'utf8')).join('\n'))?.[1] ?? 'localhost';
          const { cert, status } = await fetchTls(p.https, serverName);
          expect(status).toMatch(/^HTTP\/1\.1 \d{3} /);
          expect(cert.subject.CN).toBe(serverName);
          expect(cert.issuer.CN).toBe(serverName);
          expect(cert.subjectaltname).toContain('DNS:localhost');
          expect(cert.subjectaltname).toContain('IP Address:127.0.0.1');
          const x = new X509Certificate(cert.raw);
          // Signed by its own key.
          expect(x.verify(x.publicKey)).toBe(true);
        } finally {
          child.kill('SIGTERM');
          await new Promise((r) => (exited !== null ? r(null) : child.once('exit', r)));
        }
      }, 30_000);
    }
  }

  it.skipIf(!hasNginx)('without --dev-certs a missing certificate stops the start with nginx\'s message', async () => {
    const p = await prepare('warehouse-api-gateway', true);
    const nginx = spawnSync('nginx', ['-t', '-p', `${p.dir}/`, '-c', p.conf], { encoding: 'latin1', timeout: 20_000 });
    const want = /\[emerg\] \d+#\d+: (.*)/.exec(nginx.stderr)?.[1];
    expect(want).toMatch(/^cannot load certificate "/);
    const ngts = spawnSync(process.execPath, [NGTS, '-p', `${p.dir}/`, '-c', p.conf], { encoding: 'latin1', timeout: 20_000 });
    expect(ngts.status).toBe(1);
    expect(ngts.stderr).toContain(`nginx: [emerg] ${want}\n`);
  });
});

describe('the self-signed certificate encoder', () => {
  it('makes certificates that openssl reads and node:tls serves', async () => {
    const { selfSignedCertificate } = await import('../../src/runtime/ssl/x509-self-signed.js');
    const pair = selfSignedCertificate({ dnsNames: ['api.example.com', '*.example.com', 'localhost'], ipAddresses: ['127.0.0.1', '::1'] });
    const dir = mkdtempSync(join(tmpdir(), 'ngts-x509-'));
    temps.push(dir);
    writeFileSync(join(dir, 'c.pem'), pair.cert);
    const text = spawnSync('openssl', ['x509', '-noout', '-text', '-in', join(dir, 'c.pem')], { encoding: 'utf8' });
    expect(text.status, text.stderr).toBe(0);
    expect(text.stdout).toContain('Signature Algorithm: ecdsa-with-SHA256');
    expect(text.stdout).toContain('DNS:api.example.com, DNS:*.example.com, DNS:localhost, IP Address:127.0.0.1, IP Address:0:0:0:0:0:0:0:1');
    expect(text.stdout).toMatch(/Basic Constraints: critical\s+CA:FALSE/);
    expect(text.stdout).toContain('TLS Web Server Authentication');
    // The signature verifies (self-signed: the certificate is its own issuer).
    const verify = spawnSync('openssl', ['verify', '-CAfile', join(dir, 'c.pem'), join(dir, 'c.pem')], { encoding: 'utf8' });
    expect(verify.stdout.trim()).toBe(`${join(dir, 'c.pem')}: OK`);
    // node:tls serves it, and a client that trusts it verifies the name.
    const server = tls.createServer({ cert: pair.cert, key: pair.key }, (s) => s.end('ok'));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as { port: number }).port;
    const authorized = await new Promise<boolean>((resolve, reject) => {
      const c = tls.connect({ port, host: '127.0.0.1', servername: 'x.example.com', ca: pair.cert }, () => {
        resolve(c.authorized);
        c.destroy();
      });
      c.on('error', reject);
    });
    server.close();
    expect(authorized).toBe(true);
  });
});
