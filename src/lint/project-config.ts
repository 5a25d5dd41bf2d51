/**
 * A project's defaults for `ngts check`: `.ngtsrc.json`, or the `check` object of the `ngts` key of
 * package.json, in the directory of the checked file or the nearest directory above it.
 *
 *     { "rules": { "if-is-evil": "off", "version-disclosure": "error" },
 *       "severity": "warning", "maxWarnings": 0, "format": "sarif" }
 *
 * Command-line options win over the file.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { SEVERITIES, type Severity } from './rule.js';
import { ruleById } from './rules/index.js';
import type { RuleSetting } from './run-rules.js';

export type ReportFormat = 'text' | 'json' | 'sarif';
export const FORMATS: readonly ReportFormat[] = ['text', 'json', 'sarif'];

export interface ProjectConfig {
  /** The file the settings came from. */
  readonly file: string;
  readonly rules: Readonly<Record<string, RuleSetting>>;
  readonly severity?: Severity;
  readonly maxWarnings?: number;
  readonly format?: ReportFormat;
}

/** A project file that cannot be used: the CLI prints the message and fails. */
export class ProjectConfigError extends Error {}

/** The nearest project file from `startDir` upwards, or null. */
export function findProjectConfig(startDir: string): ProjectConfig | null {
  for (let dir = startDir; ; dir = dirname(dir)) {
    const rc = join(dir, '.ngtsrc.json');
    if (existsSync(rc)) return loadProjectConfig(rc);
    const pkg = join(dir, 'package.json');
    if (existsSync(pkg)) {
      const section = (readJson(pkg) as { ngts?: { check?: unknown } }).ngts?.check;
      if (section !== undefined) return validate(section, `${pkg} (ngts.check)`);
    }
    if (dirname(dir) === dir) return null;
  }
}

/** Reads a project file named on the command line (`--config FILE`). */
export function loadProjectConfig(file: string): ProjectConfig {
  const json = readJson(file);
  const section = file.endsWith('package.json') ? (json as { ngts?: { check?: unknown } }).ngts?.check : json;
  if (section === undefined) throw new ProjectConfigError(`${file}: no "ngts": { "check": … } section`);
  return validate(section, file);
}

function readJson(file: string): unknown {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as unknown;
  } catch (e) {
    throw new ProjectConfigError(`${file}: ${(e as Error).message}`);
  }
}

function validate(raw: unknown, file: string): ProjectConfig {
  const fail = (why: string): never => {
    throw new ProjectConfigError(`${file}: ${why}`);
  };
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) fail('expected an object');
  const o = raw as Record<string, unknown>;
  for (const key of Object.keys(o)) {
    if (!['rules', 'severity', 'maxWarnings', 'format'].includes(key)) fail(`unknown setting "${key}" (rules, severity, maxWarnings, format)`);
  }
  const rules: Record<string, RuleSetting> = {};
  if (o.rules !== undefined) {
    if (typeof o.rules !== 'object' || o.rules === null || Array.isArray(o.rules)) fail('"rules" must be an object of rule id → "off" | "info" | "warning" | "error"');
    for (const [id, v] of Object.entries(o.rules as Record<string, unknown>)) {
      if (ruleById(id) === undefined) fail(`unknown rule "${id}" (ngts check --list-rules)`);
      if (v !== 'off' && !SEVERITIES.includes(v as Severity)) fail(`rule "${id}": "${String(v)}" is not one of off, info, warning, error`);
      rules[id] = v as RuleSetting;
    }
  }
  if (o.severity !== undefined && !SEVERITIES.includes(o.severity as Severity)) fail(`"severity" must be one of info, warning, error`);
  if (o.maxWarnings !== undefined && !(Number.isInteger(o.maxWarnings) && (o.maxWarnings as number) >= 0)) fail(`"maxWarnings" must be a whole number ≥ 0`);
  if (o.format !== undefined && !FORMATS.includes(o.format as ReportFormat)) fail(`"format" must be one of ${FORMATS.join(', ')}`);
  return {
    file,
    rules,
    ...(o.severity !== undefined ? { severity: o.severity as Severity } : {}),
    ...(o.maxWarnings !== undefined ? { maxWarnings: o.maxWarnings as number } : {}),
    ...(o.format !== undefined ? { format: o.format as ReportFormat } : {}),
  };
}
