/**
 * `ngts check FILE`: unlike `-t`, it reports every problem, each with file:line:column, the source
 * line and a caret; `--format json` gives the same as objects; unknown directives get a
 * did-you-mean. Exit 1 with errors, 0 on a clean configuration.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FIXTURES, REPO } from './record-nginx.mjs';

const NGTS = join(REPO, 'bin/ngts.js');

interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
}

function check(args: string[]): Run {
  const r = spawnSync(process.execPath, [NGTS, 'check', ...args], { cwd: REPO, encoding: 'latin1', timeout: 20_000 });
  if (r.error) throw r.error;
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** An error `check` must report: where, and (when the place is unambiguous) the exact column. */
interface Want {
  message: string;
  file: string;
  line: number;
  /** The 1-based column of the directive name; omitted where any column on the line will do. */
  column?: number;
  /** A did-you-mean suggestion the report must carry. */
  suggest?: string;
}

interface JsonDiagnostic {
  severity: string;
  message: string;
  file?: string;
  line?: number;
  column?: number;
  hint?: string;
}

const SEVERAL = join(FIXTURES, '112-several-errors');
const INCLUDES = join(FIXTURES, '113-several-errors-includes');

const CASES: { name: string; file: string; want: Want[] }[] = [
  {
    name: '112-several-errors',
    file: join(SEVERAL, 'nginx.conf'),
    want: [
      { message: '"worker_connections" directive is not allowed here', file: join(SEVERAL, 'nginx.conf'), line: 8, column: 5 },
      { message: 'unknown directive "retirn"', file: join(SEVERAL, 'nginx.conf'), line: 14, column: 13, suggest: 'return' },
      { message: '"root" directive is duplicate', file: join(SEVERAL, 'nginx.conf'), line: 16 },
      { message: 'unknown directive "listen:"', file: join(SEVERAL, 'nginx.conf'), line: 18, column: 9, suggest: 'listen' },
      { message: '"proxy_pass" directive is not allowed here', file: join(SEVERAL, 'nginx.conf'), line: 19, column: 9 },
    ],
  },
  {
    name: '113-several-errors-includes',
    file: join(INCLUDES, 'nginx.conf'),
    want: [
      { message: 'unknown directive "listen:"', file: join(INCLUDES, 'extra.conf'), line: 2, column: 1, suggest: 'listen' },
      { message: 'unknown directive "retirn"', file: join(INCLUDES, 'extra.conf'), line: 4, column: 5, suggest: 'return' },
      { message: 'invalid value "maybe" in "sendfile" directive, it must be "on" or "off"', file: join(INCLUDES, 'nginx.conf'), line: 13 },
    ],
  },
];

function sourceLine(file: string, line: number): string {
  return readFileSync(file).toString('latin1').split('\n')[line - 1]!.replace(/\r$/, '');
}

/**
 * Finds, in the text report, the block for `w`: its message, a `--> FILE:LINE:COL` line, the
 * source line and a caret under COL. Returns the column shown.
 */
function findTextBlock(report: string, w: Want): number {
  const lines = report.split('\n');
  for (let i = 0; i < lines.length; i++) {
    if (!lines[i]!.includes(w.message)) continue;
    // The location follows the message within a few lines.
    for (let j = i + 1; j < Math.min(i + 4, lines.length); j++) {
      const m = /-->\s*(.+):(\d+):(\d+)\s*$/.exec(lines[j]!);
      if (!m) continue;
      if (resolve(REPO, m[1]!) !== w.file || Number(m[2]) !== w.line) break;
      const column = Number(m[3]);
      const src = sourceLine(w.file, w.line);
      // The source line, after a gutter ending in `| `, then the caret line under it.
      const at = lines.findIndex((l, k) => k > j && k < j + 5 && l.endsWith(`| ${src}`));
      expect(at, `source line for ${w.message} in:\n${report}`).toBeGreaterThan(j);
      const caretLine = lines[at + 1] ?? '';
      const srcStart = lines[at]!.length - src.length;
      const caret = caretLine.indexOf('^');
      expect(caret, `caret line for ${w.message}: ${JSON.stringify(caretLine)}`).toBeGreaterThanOrEqual(srcStart);
      const expanded = src.slice(0, column - 1).replace(/\t/g, '    ').length;
      expect(caret - srcStart, `caret under column ${column} for ${w.message}`).toBe(expanded);
      if (w.suggest) {
        const rest = lines.slice(i, i + 10).join('\n');
        expect(rest, `did-you-mean for ${w.message}`).toMatch(new RegExp(`did you mean "${w.suggest}"`));
      }
      return column;
    }
  }
  throw new Error(`no report block for ${JSON.stringify(w.message)} at ${w.file}:${w.line} in:\n${report}`);
}

function columnOk(w: Want, column: number): void {
  if (w.column !== undefined) {
    expect(column, `column of ${w.message}`).toBe(w.column);
    return;
  }
  const len = sourceLine(w.file, w.line).length;
  expect(column, `column of ${w.message}`).toBeGreaterThanOrEqual(1);
  expect(column, `column of ${w.message}`).toBeLessThanOrEqual(len + 1);
}

describe('ngts check', () => {
  for (const c of CASES) {
    it(`${c.name}: reports every error as text, with place, source line and caret`, () => {
      // A path relative to the working directory, as a user types it (the JSON case uses an absolute one).
      const r = check([relative(REPO, c.file)]);
      expect(r.status, r.stderr).toBe(1);
      for (const w of c.want) columnOk(w, findTextBlock(r.stdout, w));
    });

    it(`${c.name}: --format json gives every error as an object`, () => {
      const r = check([c.file, '--format', 'json']);
      expect(r.status, r.stderr).toBe(1);
      const report = JSON.parse(r.stdout) as { ok: boolean; diagnostics: JsonDiagnostic[] };
      expect(report.ok).toBe(false);
      for (const w of c.want) {
        const d = report.diagnostics.find((x) => x.message === w.message && x.file === w.file && x.line === w.line);
        expect(d, `${w.message} at ${w.file}:${w.line} in ${JSON.stringify(report.diagnostics, null, 2)}`).toBeDefined();
        expect(d!.severity).toBe('error');
        expect(typeof d!.column).toBe('number');
        columnOk(w, d!.column!);
        if (w.suggest) expect(d!.hint ?? '').toMatch(new RegExp(`did you mean "${w.suggest}"`));
      }
      // Each error is reported once.
      const errors = report.diagnostics.filter((d) => d.severity === 'error');
      expect(errors.length).toBe(c.want.length);
    });
  }

  it('exits 0 on a clean configuration', () => {
    for (const name of ['001-minimal-ok', '073-include-in-blocks', '114-large-ok']) {
      const r = check([relative(REPO, join(FIXTURES, name, 'nginx.conf'))]);
      expect(r.status, `${name}: ${r.stdout}${r.stderr}`).toBe(0);
      const j = check([join(FIXTURES, name, 'nginx.conf'), '--format', 'json']);
      expect(j.status).toBe(0);
      const report = JSON.parse(j.stdout) as { ok: boolean; diagnostics: JsonDiagnostic[] };
      expect(report.ok).toBe(true);
      expect(report.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    }
  });

  it('reports a warning without failing', () => {
    const file = join(FIXTURES, '096-allow-low-bits-warn', 'nginx.conf');
    const r = check([file, '--format', 'json']);
    expect(r.status).toBe(0);
    const report = JSON.parse(r.stdout) as { ok: boolean; diagnostics: JsonDiagnostic[] };
    expect(report.diagnostics).toEqual(
      expect.arrayContaining([expect.objectContaining({ severity: 'warning', message: 'low address bits of 127.0.0.1/8 are meaningless', file, line: 13 })]),
    );
  });
});
