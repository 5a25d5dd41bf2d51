/**
 * `-t` past the check, against `nginx -t`: nginx -t runs ngx_init_cycle as a start does, up to
 * binding the listeners, so a configuration that parses can still fail it — an upstream host name
 * that does not resolve, a certificate or a proxy_ssl_* file it cannot read (before `syntax is
 * ok`), an error or access log it cannot open (after it, in the order the lines were read). ngts -t
 * must print the same lines (timestamps and pids aside) and exit as nginx does.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { nginxConf } from '../harness/conf.js';
import { requireNginx } from '../harness/nginx.js';
import { REPO } from '../harness/server.js';
import { tlsCertificates } from '../harness/tls-certs.js';

const NGTS = join(REPO, 'bin/ngts.js');
const certs = tlsCertificates();
const missing = '/nonexistent/ngts-test';
// A name that never resolves (RFC 2606), in the case nginx keeps in its message.
const nowhere = 'NoSuch-Host.invalid';
// Listen ports are never bound by -t (nginx's or ngts's), so any port does.
const listen = 'listen 127.0.0.1:1;';

interface Case {
  readonly name: string;
  /** The http block's contents; `{dir}` is the case's directory. */
  readonly http: string;
  /** -t's options besides -p and -c. */
  readonly options?: readonly string[];
  /** Whether nginx -t fails, so that a case cannot pass by both agreeing on success by accident. */
  readonly fails: boolean;
  /** A file -t creates (nginx opens its logs with O_CREAT). */
  readonly creates?: string;
}

const CASES: readonly Case[] = [
  { name: 'proxy_pass host not found', http: `server { ${listen} location / { proxy_pass http://${nowhere}/x/; } }`, fails: true },
  { name: 'proxy_pass host with a port not found', http: `server { ${listen} location / { proxy_pass https://${nowhere}:8443; } }`, fails: true },
  { name: 'upstream server host not found', http: `upstream u { server ${nowhere}:8080 weight=2; } server { ${listen} location / { proxy_pass http://u; } }`, fails: true },
  { name: 'unused upstream host not found', http: `upstream u { server ${nowhere}; } server { ${listen} location / { return 200; } }`, fails: true },
  { name: 'proxy_pass with variables resolves nothing', http: `server { ${listen} location / { proxy_pass http://${nowhere}$request_uri; } }`, fails: false },
  { name: 'certificate missing', http: `server { listen 127.0.0.1:1 ssl; ssl_certificate ${missing}/c.crt; ssl_certificate_key ${certs}/server.key; }`, fails: true },
  { name: 'certificate key of another certificate', http: `server { listen 127.0.0.1:1 ssl; ssl_certificate ${certs}/server.crt; ssl_certificate_key ${certs}/a.key; }`, fails: true },
  { name: 'certificate and key readable', http: `server { listen 127.0.0.1:1 ssl; ssl_certificate ${certs}/server.crt; ssl_certificate_key ${certs}/server.key; }`, fails: false },
  { name: 'proxy_ssl_trusted_certificate missing', http: `server { ${listen} location / { proxy_ssl_verify on; proxy_ssl_trusted_certificate ${missing}/ca.crt; proxy_pass https://127.0.0.1:9; } }`, fails: true },
  { name: 'of two hosts not found, the first read', http: `server { ${listen} location / { proxy_pass http://b-${nowhere}; } } upstream u { server a-${nowhere}; }`, fails: true },
  { name: 'of two hosts not found, the first read (an upstream block first)', http: `upstream u { server a-${nowhere}; } server { ${listen} location / { proxy_pass http://b-${nowhere}; } }`, fails: true },
  { name: 'host not found: the warnings read before it, not those after', http: `server { ${listen} server_name a; allow 10.0.0.1/8; } server { ${listen} server_name a; location / { proxy_pass http://${nowhere}; } }`, fails: true },
  { name: 'certificate missing: the warnings read before it, not those after', http: `server { listen 127.0.0.1:1 ssl; server_name a; allow 10.0.0.1/8; ssl_certificate ${missing}/c.crt; ssl_certificate_key ${certs}/server.key; } server { listen 127.0.0.1:1 ssl; server_name a; }`, fails: true },
  { name: 'a log that cannot be opened comes after every warning', http: `access_log ${missing}/a.log; server { ${listen} server_name a; } server { ${listen} server_name a; }`, fails: true },
  { name: 'access log in a missing directory', http: `access_log ${missing}/access.log; server { ${listen} }`, fails: true },
  { name: 'error log in a missing directory', http: `error_log ${missing}/error.log; server { ${listen} }`, fails: true },
  { name: 'of two logs that cannot be opened, the first read', http: `server { ${listen} access_log ${missing}/a.log; error_log ${missing}/e.log; }`, fails: true },
  { name: 'of two logs that cannot be opened, the first read (error_log first)', http: `error_log ${missing}/e.log; server { ${listen} access_log ${missing}/a.log; }`, fails: true },
  { name: 'an http-level access log every server overrides is opened too', http: `access_log ${missing}/http.log; server { ${listen} access_log {dir}/s.log; }`, fails: true },
  { name: 'an access log written next to access_log off is opened too', http: `server { ${listen} access_log off; access_log ${missing}/x.log; }`, fails: true },
  { name: 'an http-level error log every server overrides is opened too', http: `error_log ${missing}/http-e.log; server { ${listen} error_log {dir}/s-e.log; }`, fails: true },
  { name: 'an access log inside limit_except is opened too', http: `server { ${listen} location / { limit_except GET { access_log ${missing}/le.log; deny all; } } }`, fails: true },
  { name: 'an access log is created', http: `access_log {dir}/made.log; server { ${listen} }`, fails: false, creates: 'made.log' },
  { name: 'host not found comes before a log that cannot be opened', http: `access_log ${missing}/a.log; server { ${listen} location / { proxy_pass http://${nowhere}; } }`, fails: true },
  { name: '-q: only the failure', http: `access_log ${missing}/a.log; server { ${listen} }`, options: ['-q'], fails: true },
  { name: '-q: nothing when it passes', http: `server { ${listen} location / { proxy_pass http://127.0.0.1:9; } }`, options: ['-q'], fails: false },
];

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** -t's stderr with the time, pid and directory made the same for both, and its exit code. */
function runT(argv0: string, args: readonly string[], dir: string): { lines: string[]; exit: number | null } {
  const r = spawnSync(argv0, [...args], { encoding: 'latin1', timeout: 20_000 });
  const lines = r.stderr
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => l.replace(/^\d{4}\/\d\d\/\d\d \d\d:\d\d:\d\d \[(\w+)\] \d+#\d+: /, '[$1] ').split(dir).join('{dir}'));
  return { lines, exit: r.status };
}

describe.runIf(requireNginx('the -t preparation comparisons'))('-t past the check, against nginx -t', () => {
  for (const c of CASES) {
    it(c.name, () => {
      const answers = (['nginx', 'ngts'] as const).map((who) => {
        const dir = mkdtempSync(join(tmpdir(), 'ngts-t-prepare-'));
        dirs.push(dir);
        // An http-level access_log of the case's own replaces the frame's `access_log off;`.
        writeFileSync(join(dir, 'nginx.conf'), nginxConf(dir, c.http.split('{dir}').join(dir), { accessLog: c.http.startsWith('access_log') }));
        const args = ['-t', ...(c.options ?? []), '-p', `${dir}/`, '-c', join(dir, 'nginx.conf')];
        const answer = who === 'nginx' ? runT('nginx', args, dir) : runT(process.execPath, [NGTS, ...args], dir);
        if (c.creates !== undefined) expect(existsSync(join(dir, c.creates)), `${who} -t creates ${c.creates}`).toBe(true);
        return answer;
      });
      const [nginx, ngts] = answers as [ReturnType<typeof runT>, ReturnType<typeof runT>];
      expect(nginx.exit).toBe(c.fails ? 1 : 0);
      expect(ngts).toEqual(nginx);
    }, 30_000);
  }
});
