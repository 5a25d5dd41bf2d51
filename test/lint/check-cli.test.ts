/**
 * `ngts check` with the lint rules, end to end through the CLI: the text report (rule id, place,
 * source line with caret, hint), JSON and SARIF 2.1.0, --severity, --max-warnings, inline
 * suppression, the project file (.ngtsrc.json, package.json's ngts.check), --explain and
 * --list-rules, and that rules do not run on a configuration with errors.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { RULES } from '../../src/lint/rules/index.js';

const NGTS = join(import.meta.dirname, '../../bin/ngts.js');
const tmp = mkdtempSync(join(tmpdir(), 'ngts-lint-cli-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function ngts(args: string[], cwd = tmp): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [NGTS, ...args], { cwd, encoding: 'utf8', timeout: 20_000 });
  if (r.error) throw r.error;
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** A project directory with an nginx.conf (and any other files). */
function project(name: string, files: Record<string, string>): string {
  const dir = join(tmp, name);
  mkdirSync(dir, { recursive: true });
  for (const [f, text] of Object.entries(files)) {
    mkdirSync(join(dir, f, '..'), { recursive: true });
    writeFileSync(join(dir, f), text);
  }
  return dir;
}

// Two unused upstreams: two warnings of one rule that every build has.
const CONF = `events {}
http {
    upstream app { server 127.0.0.1:8080; }
    upstream old { server 127.0.0.1:8081; }
    include extra.conf;
    server {
        listen 127.0.0.1:8000;
        location / { proxy_pass http://app; }
    }
}
`;
const EXTRA = `upstream older { server 127.0.0.1:8082; }
`;

interface JsonReport {
  ok: boolean;
  suppressed: number;
  rulesSkipped?: string;
  diagnostics: { severity: string; code: string; rule: boolean; message: string; file: string; line: number; column: number; includedFrom?: { file: string; line: number }[] }[];
}

describe('ngts check with rules', () => {
  it('prints each finding with its rule id, place, source line, caret and hint; warnings exit 0', () => {
    const dir = project('text', { 'nginx.conf': CONF, 'extra.conf': EXTRA });
    const r = ngts(['check', 'nginx.conf'], dir);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain('warning[unused-upstream]: upstream "old" is not used by any proxy_pass');
    expect(r.stdout).toContain('  --> nginx.conf:4:14');
    expect(r.stdout).toContain('4 |     upstream old { server 127.0.0.1:8081; }');
    expect(r.stdout).toMatch(/\n {2}\| {14}\^\n/);
    expect(r.stdout).toContain('  --> extra.conf:1:10');
    expect(r.stdout).toContain('  = included from nginx.conf:5');
    expect(r.stdout).toContain('  = help: ');
    expect(r.stdout).toContain('  = note: ngts check --explain unused-upstream');
  });

  it('--format json gives the findings as objects, with the include chain', () => {
    const dir = project('json', { 'nginx.conf': CONF, 'extra.conf': EXTRA });
    const r = ngts(['check', 'nginx.conf', '--format', 'json'], dir);
    expect(r.status).toBe(0);
    const j = JSON.parse(r.stdout) as JsonReport;
    const found = j.diagnostics.filter((d) => d.code === 'unused-upstream');
    expect(found.map((d) => [d.file, d.line, d.column, d.severity, d.rule])).toEqual([
      [join(dir, 'extra.conf'), 1, 10, 'warning', true],
      [join(dir, 'nginx.conf'), 4, 14, 'warning', true],
    ]);
    expect(found[0]!.includedFrom).toEqual([{ file: join(dir, 'nginx.conf'), line: 5 }]);
  });

  it('--format sarif is SARIF 2.1.0 with every rule described and results placed relative to %SRCROOT%', () => {
    const dir = project('sarif', { 'nginx.conf': CONF, 'extra.conf': EXTRA });
    const r = ngts(['check', 'nginx.conf', '--format', 'sarif'], dir);
    expect(r.status).toBe(0);
    const log = JSON.parse(r.stdout);
    expect(log.version).toBe('2.1.0');
    expect(log.$schema).toMatch(/sarif-2\.1\.0/);
    const run = log.runs[0];
    expect(run.tool.driver.name).toBe('ngts');
    expect(run.tool.driver.rules.map((x: { id: string }) => x.id)).toEqual(RULES.map((x) => x.id));
    for (const d of run.tool.driver.rules) {
      expect(d.shortDescription.text).not.toBe('');
      expect(d.help.markdown).toContain('```nginx');
      expect(['error', 'warning', 'note']).toContain(d.defaultConfiguration.level);
    }
    expect(run.originalUriBaseIds['%SRCROOT%'].uri).toBe(`file://${dir}/`);
    const res = run.results.filter((x: { ruleId: string }) => x.ruleId === 'unused-upstream');
    expect(res).toHaveLength(2);
    for (const x of res) {
      expect(run.tool.driver.rules[x.ruleIndex].id).toBe(x.ruleId);
      expect(x.level).toBe('warning');
      expect(x.message.text).not.toBe('');
      expect(x.locations[0].physicalLocation.artifactLocation.uriBaseId).toBe('%SRCROOT%');
      expect(x.locations[0].physicalLocation.region.startLine).toBeGreaterThan(0);
    }
    const inc = res.find((x: { locations: { physicalLocation: { artifactLocation: { uri: string } } }[] }) => x.locations[0]!.physicalLocation.artifactLocation.uri === 'extra.conf');
    expect(inc.relatedLocations[0].physicalLocation.region.startLine).toBe(5);
  });

  it('--severity error hides warnings; --max-warnings fails when there are more', () => {
    const dir = project('severity', { 'nginx.conf': CONF, 'extra.conf': EXTRA });
    expect(ngts(['check', 'nginx.conf', '--severity', 'error'], dir).stdout).not.toContain('unused-upstream');
    expect(ngts(['check', 'nginx.conf', '--max-warnings', '2'], dir).status).toBe(0);
    const over = ngts(['check', 'nginx.conf', '--max-warnings', '1'], dir);
    expect(over.status).toBe(1);
    expect(over.stderr).toMatch(/more than --max-warnings 1/);
  });

  it('# ngts-disable-next-line RULE suppresses the next line only, and names unknown rules', () => {
    const conf = CONF.replace('    upstream old', '    # ngts-disable-next-line unused-upstream\n    upstream old').replace('include extra.conf;', '# ngts-disable-next-line no-such-rule\n    include extra.conf;');
    const dir = project('suppress', { 'nginx.conf': conf, 'extra.conf': EXTRA });
    const j = JSON.parse(ngts(['check', 'nginx.conf', '--format', 'json'], dir).stdout) as JsonReport;
    expect(j.suppressed).toBe(1);
    expect(j.diagnostics.filter((d) => d.code === 'unused-upstream').map((d) => d.line)).toEqual([1]);
    expect(j.diagnostics.find((d) => d.code === 'ngts-disable')?.message).toBe('unknown rule "no-such-rule" in ngts-disable-next-line');
  });

  it('reads .ngtsrc.json from the directory of the file or above; --config and --no-config', () => {
    const dir = project('rc', {
      'conf/nginx.conf': CONF,
      'conf/extra.conf': EXTRA,
      '.ngtsrc.json': JSON.stringify({ rules: { 'unused-upstream': 'error' } }),
      'other.json': JSON.stringify({ rules: { 'unused-upstream': 'off' } }),
    });
    const r = ngts(['check', 'conf/nginx.conf'], dir);
    expect(r.status).toBe(1);
    expect(r.stdout).toContain('error[unused-upstream]');
    expect(ngts(['check', 'conf/nginx.conf', '--config', 'other.json'], dir).stdout).not.toContain('unused-upstream');
    expect(ngts(['check', 'conf/nginx.conf', '--no-config'], dir).stdout).toContain('warning[unused-upstream]');
  });

  it("reads package.json's ngts.check, and refuses a project file with an unknown rule", () => {
    const dir = project('pkg', {
      'nginx.conf': CONF,
      'extra.conf': EXTRA,
      'package.json': JSON.stringify({ name: 'x', ngts: { check: { severity: 'error', maxWarnings: 0 } } }),
    });
    const r = ngts(['check', 'nginx.conf'], dir);
    expect(r.status).toBe(0);
    expect(r.stdout).not.toContain('unused-upstream');
    const bad = project('badrc', { 'nginx.conf': CONF, 'extra.conf': EXTRA, '.ngtsrc.json': '{"rules":{"nope":"off"}}' });
    const b = ngts(['check', 'nginx.conf'], bad);
    expect(b.status).toBe(1);
    expect(b.stderr).toContain('unknown rule "nope"');
  });

  it('does not run the rules on a configuration with errors, and says so', () => {
    const dir = project('errors', { 'nginx.conf': CONF.replace('listen 127.0.0.1:8000;', 'listen: 8000;'), 'extra.conf': EXTRA });
    const r = ngts(['check', 'nginx.conf'], dir);
    expect(r.status).toBe(1);
    expect(r.stdout).toContain('unknown directive "listen:"');
    expect(r.stdout).not.toContain('unused-upstream');
    expect(r.stdout).toContain('note: lint rules not run: the configuration has errors');
  });

  it('--explain prints the paragraph and both examples; --list-rules lists every rule', () => {
    for (const rule of RULES) {
      const r = ngts(['check', '--explain', rule.id]);
      expect(r.status).toBe(0);
      expect(r.stdout).toContain(rule.id);
      expect(r.stdout).toContain('Bad:');
      expect(r.stdout).toContain('Good:');
    }
    expect(ngts(['check', '--explain', 'nope']).status).toBe(1);
    const list = ngts(['check', '--list-rules']).stdout;
    for (const rule of RULES) expect(list).toContain(rule.id);
  });
});
