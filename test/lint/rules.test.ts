/**
 * Every lint rule against its fixtures (fixtures/lint/<rule-id>/*.conf): each fixture is a valid
 * configuration (ngts finds no error in it, as nginx -t finds none), and the rule must report
 * exactly the lines marked with a trailing `# want: RULE` comment — or `# want: RULE: TEXT`, where
 * TEXT must appear in the message — and nothing else. A fixture without such a comment must stay
 * silent. Every rule has at least one fixture that fires and one that stays silent.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkConfig, checkText, type CheckedConfig } from '../../src/config/validate.js';
import { runRules } from '../../src/lint/run-rules.js';
import { RULES } from '../../src/lint/rules/index.js';

const ROOT = join(import.meta.dirname, '../../fixtures/lint');
const WANT = /#\s*want:\s*([a-z0-9-]+)(?::\s*(.*\S))?\s*$/;

interface Want {
  readonly file: string;
  readonly line: number;
  readonly rule: string;
  readonly text: string | null;
}

function wantsOf(checked: CheckedConfig): Want[] {
  const out: Want[] = [];
  const seen = new Set<string>();
  for (const f of checked.files) {
    if (seen.has(f.path)) continue;
    seen.add(f.path);
    for (const c of f.comments) {
      const m = WANT.exec(c.text);
      if (m) out.push({ file: f.path, line: c.span.start.line, rule: m[1]!, text: m[2] ?? null });
    }
  }
  return out;
}

function load(file: string): CheckedConfig {
  const dir = file.slice(0, file.lastIndexOf('/') + 1);
  return checkConfig({ file, prefix: dir, confPrefix: dir });
}

const dirs = existsSync(ROOT) ? readdirSync(ROOT).filter((d) => statSync(join(ROOT, d)).isDirectory()).sort() : [];

describe('lint fixtures', () => {
  it('every rule has a fixture directory, and every directory names a rule', () => {
    expect(dirs).toEqual(RULES.map((r) => r.id).sort());
  });

  for (const rule of RULES) {
    describe(rule.id, () => {
      const dir = join(ROOT, rule.id);
      const files = existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith('.conf')).sort() : [];
      let fired = 0;
      let silent = 0;
      for (const name of files) {
        it(name, () => {
          const file = join(dir, name);
          const checked = load(file);
          const errors = checked.diagnostics.filter((d) => d.fatal).map((d) => `${d.message} in ${d.file}:${d.line}`);
          expect(errors, 'the fixture must be a valid configuration').toEqual([]);
          const wants = wantsOf(checked).filter((w) => w.rule === rule.id);
          const { findings } = runRules(checked, { prefix: dir + '/', only: [rule.id] });
          const place = (f: { file: string; line: number }): string => `${relative(dir, f.file)}:${f.line}`;
          expect(findings.map(place).sort(), findings.map((f) => `${place(f)} ${f.message}`).join('\n')).toEqual(wants.map(place).sort());
          for (const w of wants) {
            if (w.text === null) continue;
            const f = findings.find((x) => x.file === w.file && x.line === w.line);
            expect(f?.message, `${place(w)}`).toContain(w.text);
          }
          if (wants.length > 0) fired++;
          else silent++;
        });
      }
      it('has fixtures that fire and fixtures that stay silent', () => {
        expect(fired, 'fixtures with # want').toBeGreaterThan(0);
        expect(silent, 'fixtures without # want').toBeGreaterThan(0);
      });
      it('explains itself with a bad example it reports and a good one it does not', () => {
        expect(rule.explain.length).toBeGreaterThan(60);
        expect(rule.bad).not.toBe(rule.good);
        // The examples are the inside of an http block, so that --explain shows only what matters.
        const run = (fragment: string): number => {
          const checked = checkText(`events {}\nhttp {\n${fragment}\n}\n`, { file: join(dir, 'explain.conf'), prefix: dir + '/', confPrefix: dir + '/' });
          expect(checked.diagnostics.filter((d) => d.fatal).map((d) => d.message)).toEqual([]);
          return runRules(checked, { prefix: dir + '/', only: [rule.id] }).findings.length;
        };
        expect(run(rule.bad), 'findings on the bad example').toBeGreaterThan(0);
        expect(run(rule.good), 'findings on the good example').toBe(0);
      });
    });
  }
});
