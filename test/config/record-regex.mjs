#!/usr/bin/env node
/**
 * Records what real nginx (and the libpcre2 it is linked with) answers for the regex cases of
 * fixtures/regex/cases.json into fixtures/regex/expect.json, which test/config/regex.test.ts
 * compares compilePcre with.
 *
 *   node test/config/record-regex.mjs
 *
 * For each case { pattern, caseless, subjects }:
 * - compile: `nginx -t` on `location ~ "<pattern>" {}` (or `~*`): null when nginx accepts the
 *   pattern, else its message without the ` in FILE:LINE` suffix;
 * - match: for patterns nginx accepts, nginx is started on 127.0.0.1 with one map per pattern
 *   (`map $s $r { "~<pattern>" "M:$1|…|$9"; default "N"; }`) and asked for each subject, which it
 *   receives percent-encoded in the URI. A map never tries its regexes on an empty value, and nginx
 *   normalises `.` and `/` segments, so subjects are non-empty and avoid those.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const CASES = join(REPO, 'fixtures/regex/cases.json');
const EXPECT = join(REPO, 'fixtures/regex/expect.json');

/** A pattern inside a double-quoted nginx argument: only `\` and `"` need escaping. */
function quote(pattern) {
  return '"' + pattern.replace(/\\/g, '\\\\').replace(/"/g, '\\"') + '"';
}

/** The first emerg message of `nginx -t` on a config, without ` in FILE:LINE`, or null. */
function compileAnswer(dir, pattern, caseless) {
  writeFileSync(
    join(dir, 'nginx.conf'),
    Buffer.from(
      `pid ${dir}/nginx.pid; error_log ${dir}/error.log;\nevents {}\n` +
        `http { access_log off; server { listen 127.0.0.1:1; location ${caseless ? '~*' : '~'} ${quote(pattern)} {} } }\n`,
      'latin1',
    ),
  );
  const r = spawnSync('nginx', ['-t', '-p', `${dir}/`, '-c', `${dir}/nginx.conf`]);
  const err = r.stderr.toString('latin1');
  if (err.includes('test is successful')) return null;
  const m = /\[emerg\] \d+#\d+: (.*) in \S+:\d+$/m.exec(err);
  return m ? m[1] : err.split('\n')[0];
}

function freePort() {
  return new Promise((ok) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => ok(port));
    });
  });
}

function get(port, path) {
  return new Promise((ok, fail) => {
    request({ host: '127.0.0.1', port, path }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => ok(Buffer.concat(chunks).toString('latin1')));
    })
      .on('error', fail)
      .end();
  });
}

async function matchAnswers(dir, cases) {
  const port = await freePort();
  const maps = [];
  const locations = [];
  cases.forEach((c, i) => {
    const groups = Array.from({ length: 9 }, (_, k) => `$${k + 1}`).join('|');
    maps.push(`map $s${i} $r${i} { ${quote((c.caseless ? '~*' : '~') + c.pattern)} "M:${groups}"; default "N"; }`);
    locations.push(`location ~ "^/t${i}/(?<s${i}>(?s).*)\\z" { return 200 "$r${i}"; }`);
  });
  const conf =
    `daemon off; master_process off; pid ${dir}/nginx.pid; error_log ${dir}/error.log;\nevents {}\n` +
    `http { access_log off; merge_slashes off;\n${maps.join('\n')}\n` +
    `server { listen 127.0.0.1:${port}; ${locations.join('\n')} } }\n`;
  writeFileSync(join(dir, 'nginx.conf'), Buffer.from(conf, 'latin1'));
  const nginx = spawn('nginx', ['-p', `${dir}/`, '-c', `${dir}/nginx.conf`], { stdio: 'inherit' });
  try {
    for (let tries = 0; ; tries++) {
      try {
        await get(port, '/');
        break;
      } catch (err) {
        if (tries > 50) throw err;
        await new Promise((ok) => setTimeout(ok, 100));
      }
    }
    const out = [];
    for (const [i, c] of cases.entries()) {
      const answers = [];
      for (const s of c.subjects) {
        const enc = [...Buffer.from(s, 'latin1')].map((b) => '%' + b.toString(16).padStart(2, '0')).join('');
        answers.push(await get(port, `/t${i}/${enc}`));
      }
      out.push(answers);
    }
    return out;
  } finally {
    nginx.kill('SIGTERM');
  }
}

const cases = JSON.parse(readFileSync(CASES, 'utf8'));
const dir = mkdtempSync(join(tmpdir(), 'ngts-regex-'));
mkdirSync(dir, { recursive: true });
try {
  const compiled = cases.map((c) => compileAnswer(dir, c.pattern, c.caseless));
  const matchable = cases.filter((c, i) => compiled[i] === null && c.subjects.length > 0);
  const matches = await matchAnswers(dir, matchable);
  const expect = cases.map((c, i) => {
    const k = matchable.indexOf(c);
    return { ...c, compile: compiled[i], matches: k >= 0 ? matches[k] : [] };
  });
  // ASCII only, so that the file stays valid UTF-8 whatever bytes the cases hold.
  const json = JSON.stringify(expect, null, 1).replace(/[\u007f-\uffff]/g, (c) => '\\u' + c.charCodeAt(0).toString(16).padStart(4, '0'));
  writeFileSync(EXPECT, json + '\n');
  console.log(`recorded ${expect.length} cases into ${EXPECT}`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
