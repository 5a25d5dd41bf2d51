#!/usr/bin/env node
/**
 * Records what real `nginx -t` answers for every fixture under fixtures/check/ into the fixture's
 * expect.json, so that CI can compare ngts with nginx's answers even where nginx is not installed.
 *
 *   node test/check/record-nginx.mjs            # every fixture
 *   node test/check/record-nginx.mjs 07 crlf    # fixtures whose directory name contains a word
 *
 * A fixture is a directory with nginx.conf (and whatever it includes), an optional `args` file
 * with extra command-line arguments in shell quoting (`-g "worker_processes 2;"`), and expect.json,
 * whose `note` (what the fixture covers) is kept when the file is rewritten.
 *
 * The helpers below are shared with test/check/nginx-t.test.ts, which reads the output of ngts
 * and of live nginx the same way.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

/** The repository root. */
export const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

/** Where the fixtures live. */
export const FIXTURES = join(REPO, 'fixtures/check');

/** Levels that nginx logs without giving up (everything else stops `nginx -t`). */
const NON_FATAL = new Set(['warn', 'notice', 'info', 'debug']);

/** Fixture directory names, sorted. */
export function fixtureDirs() {
  return readdirSync(FIXTURES)
    .filter((n) => statSync(join(FIXTURES, n)).isDirectory() && existsSync(join(FIXTURES, n, 'nginx.conf')))
    .sort();
}

/**
 * Splits an `args` file as a POSIX shell would for the simple cases we need: whitespace-separated
 * words, "double quotes" (with \" \\ \$ \` escapes) and 'single quotes'.
 */
export function splitShellWords(text) {
  const words = [];
  let cur = null;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (ch === "'") {
      const end = text.indexOf("'", i + 1);
      if (end < 0) throw new Error(`unterminated ' in args: ${text}`);
      cur = (cur ?? '') + text.slice(i + 1, end);
      i = end;
    } else if (ch === '"') {
      cur = cur ?? '';
      for (i++; i < text.length && text[i] !== '"'; i++) {
        if (text[i] === '\\' && '"\\$`'.includes(text[i + 1] ?? '')) i++;
        cur += text[i];
      }
      if (i >= text.length) throw new Error(`unterminated " in args: ${text}`);
    } else if (ch === '\\' && i + 1 < text.length) {
      cur = (cur ?? '') + text[++i];
    } else if (/\s/.test(ch)) {
      if (cur !== null) words.push(cur);
      cur = null;
    } else {
      cur = (cur ?? '') + ch;
    }
  }
  if (cur !== null) words.push(cur);
  return words;
}

/** The extra command-line arguments of a fixture (its `args` file), or []. */
export function fixtureArgs(dir) {
  const file = join(dir, 'args');
  return existsSync(file) ? splitShellWords(readFileSync(file, 'utf8')) : [];
}

/** The arguments for `-t` on a fixture: `-t -p DIR/ -c DIR/nginx.conf [args]`. */
export function testArgv(dir) {
  return ['-t', '-p', `${dir}/`, '-c', `${dir}/nginx.conf`, ...fixtureArgs(dir)];
}

// `2024/01/31 12:34:56 [emerg] 123#123: message`
const LOG_LINE = /^\d{4}\/\d\d\/\d\d \d\d:\d\d:\d\d \[([a-z]+)\] \d+#\d+: (.*)$/s;
// ` in FILE:LINE` or ` in command line` at the end of a message (the file is absolute or the
// fixture placeholder).
const LOCATION = /^(.*) in ((?:\/|\{dir\}\/).*):(\d+)$/s;
const COMMAND_LINE = /^(.*) in command line$/s;

/**
 * Reads what `nginx -t` (or `ngts -t`) printed into the form expect.json keeps. `dir` is the
 * fixture directory: its absolute path becomes `{dir}/` in message text and disappears from file
 * names, which become relative to the fixture.
 *
 * Output is decoded as latin1 so that every byte (invalid UTF-8, NUL) survives as one character.
 */
export function readTestOutput(stderrBytes, status, dir) {
  const text = Buffer.from(stderrBytes).toString('latin1');
  const abs = Buffer.from(`${dir}/`, 'utf8').toString('latin1');
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  const log = [];
  const other = [];
  for (const raw of lines) {
    const m = LOG_LINE.exec(raw);
    if (m) log.push({ level: m[1], text: m[2].split(abs).join('{dir}/') });
    else other.push(raw.split(abs).join('{dir}/'));
  }
  const failed = other.some((l) => /^nginx: configuration file .* test failed$/.test(l));
  const passed =
    other.some((l) => /^nginx: the configuration file .* syntax is ok$/.test(l)) &&
    other.some((l) => /^nginx: configuration file .* test is successful$/.test(l));
  const fatal = log.find((l) => !NON_FATAL.has(l.level));
  const warnings = log.filter((l) => l.level === 'warn').map((l) => l.text);
  return {
    ok: passed && !failed,
    exit: status,
    first: fatal ? splitLocation(fatal) : null,
    warnings,
    // Lines that are neither log lines nor nginx's verdict: there should be none.
    unexpected: other.filter((l) => !/^nginx: (the )?configuration file /.test(l)),
  };
}

/** A log line's message, file (relative to the fixture, or as printed) and line. */
function splitLocation({ level, text }) {
  const m = LOCATION.exec(text);
  if (m) {
    const file = m[2].startsWith('{dir}/') ? m[2].slice('{dir}/'.length) : m[2];
    return { level, message: m[1], file, line: Number(m[3]) };
  }
  const c = COMMAND_LINE.exec(text);
  if (c) return { level, message: c[1], file: 'command line', line: null };
  return { level, message: text, file: null, line: null };
}

/** Runs `nginx -t` on a fixture directory (absolute); resolves to readTestOutput's form. */
export function runNginx(dir, nginx = 'nginx') {
  const r = spawnSync(nginx, testArgv(dir), { cwd: dir, timeout: 20_000 });
  if (r.error) throw r.error;
  return readTestOutput(r.stderr, r.status ?? -1, dir);
}

/** Whether a program is on PATH. */
export function onPath(name) {
  const r = spawnSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' });
  return r.status === 0 && r.stdout.trim() !== '';
}

function record(filters) {
  const names = fixtureDirs().filter((n) => filters.length === 0 || filters.some((f) => n.includes(f)));
  for (const name of names) {
    const dir = join(FIXTURES, name);
    const expectFile = join(dir, 'expect.json');
    const old = existsSync(expectFile) ? JSON.parse(readFileSync(expectFile, 'utf8')) : {};
    const got = runNginx(dir);
    if (got.unexpected.length) console.warn(`${name}: unexpected output: ${JSON.stringify(got.unexpected)}`);
    const out = {
      args: fixtureArgs(dir),
      ok: got.ok,
      exit: got.exit,
      first: got.first,
      warnings: got.warnings,
      note: old.note ?? '',
    };
    writeFileSync(expectFile, JSON.stringify(out, null, 2) + '\n');
    const what = got.first ? `${got.first.level}: ${got.first.message} @ ${got.first.file}:${got.first.line}` : 'ok';
    console.log(`${name.padEnd(44)} exit ${got.exit}  ${what}${got.warnings.length ? `  [${got.warnings.length} warn]` : ''}`);
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  if (!onPath('nginx')) {
    console.error('record-nginx: nginx is not on PATH; nothing recorded');
    process.exit(1);
  }
  record(process.argv.slice(2));
}
