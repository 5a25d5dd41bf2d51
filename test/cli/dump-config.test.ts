/**
 * `ngts -T` against `nginx -T` on the same files: every file read, once, in nginx's order, each
 * after a `# configuration file NAME:` line, then the test messages on stderr. Includes with globs,
 * a file included twice, a file without a final newline and -g directives are covered.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { requireNginx } from '../harness/nginx.js';
import { freePort } from '../harness/ports.js';
import { REPO } from '../harness/server.js';

const live = requireNginx('`ngts -T` compared with `nginx -T`');
const dir = mkdtempSync(join(tmpdir(), 'ngts-dump-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function run(cmd: string, args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(cmd, args, { encoding: 'latin1', timeout: 20_000 });
  if (r.error) throw r.error;
  return { status: r.status, stdout: r.stdout, stderr: r.stderr.replace(/^ngts: /gm, 'nginx: ') };
}

describe.skipIf(!live)('-T', () => {
  it('prints the same dump as nginx -T', async () => {
    const port = await freePort();
    mkdirSync(join(dir, 'conf.d'));
    mkdirSync(join(dir, 'snippets'));
    writeFileSync(
      join(dir, 'nginx.conf'),
      `pid ${dir}/nginx.pid;\nerror_log ${dir}/error.log;\nevents {}\nhttp {\n    access_log off;\n    include conf.d/*.conf;\n    server {\n        listen 127.0.0.1:${port};\n        include snippets/common.conf;\n        location /b { include snippets/common.conf; }\n    }\n}\n`,
    );
    writeFileSync(join(dir, 'conf.d', 'b.conf'), 'map $uri $b { default 1; }\n');
    writeFileSync(join(dir, 'conf.d', 'a.conf'), '# first by name\nmap $uri $a { default 0; }');
    writeFileSync(join(dir, 'snippets', 'common.conf'), "add_header X-Common 'yes';\n");
    const args = ['-T', '-p', `${dir}/`, '-c', `${dir}/nginx.conf`, '-g', 'worker_rlimit_nofile 1024;'];
    const nginx = run('nginx', args);
    const ngts = run(process.execPath, [join(REPO, 'bin/ngts.js'), ...args]);
    expect(nginx.status).toBe(0);
    expect(ngts.status).toBe(nginx.status);
    expect(ngts.stdout).toBe(nginx.stdout);
    expect(ngts.stderr).toBe(nginx.stderr);
  });
});
