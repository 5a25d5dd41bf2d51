/**
 * `ngts check --format sarif`: SARIF 2.1.0, the format GitHub code scanning reads. Each lint rule is
 * a reportingDescriptor with its explanation as help; nginx's own checks are rules too, under their
 * codes (`unknown-directive`, …). Files inside the working directory are given relative to the
 * %SRCROOT% base, so that code scanning links them to the repository.
 */
import { isAbsolute, relative } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Rule, Severity } from '../lint/rule.js';
import { RULES } from '../lint/rules/index.js';
import type { ReportItem } from './check-report.js';

const LEVEL: Readonly<Record<Severity, 'error' | 'warning' | 'note'>> = { error: 'error', warning: 'warning', info: 'note' };

interface ArtifactLocation {
  uri: string;
  uriBaseId?: string;
}

function artifact(file: string, cwd: string): ArtifactLocation {
  const rel = relative(cwd, file);
  if (rel !== '' && !rel.startsWith('..') && !isAbsolute(rel)) return { uri: rel.split('\\').join('/'), uriBaseId: '%SRCROOT%' };
  return { uri: pathToFileURL(file).href };
}

function descriptor(rule: Rule): object {
  return {
    id: rule.id,
    name: rule.id.replace(/(^|-)([a-z0-9])/g, (_m, _d: string, ch: string) => ch.toUpperCase()),
    shortDescription: { text: rule.summary },
    fullDescription: { text: rule.explain },
    help: {
      text: `${rule.explain}\n\nBad:\n${rule.bad}\n\nGood:\n${rule.good}`,
      markdown: `${rule.explain}\n\n**Bad**\n\n\`\`\`nginx\n${rule.bad}\n\`\`\`\n\n**Good**\n\n\`\`\`nginx\n${rule.good}\n\`\`\``,
    },
    defaultConfiguration: { level: LEVEL[rule.severity] },
    properties: { category: rule.category, tags: [rule.category] },
  };
}

export function formatSarif(items: readonly ReportItem[], opts: { version: string; cwd?: string }): string {
  const cwd = opts.cwd ?? process.cwd();
  const rules: object[] = RULES.map(descriptor);
  const index = new Map(RULES.map((r, i) => [r.id, i]));
  // nginx's own checks, as rules named by their codes, in the order they first appear.
  for (const item of items) {
    if (item.rule || index.has(item.code)) continue;
    index.set(item.code, rules.length);
    rules.push({
      id: item.code,
      shortDescription: { text: `nginx -t: ${item.code.replace(/-/g, ' ')}` },
      defaultConfiguration: { level: LEVEL[item.severity] },
      properties: { category: 'nginx' },
    });
  }
  const results = items.map((item) => {
    const result: Record<string, unknown> = {
      ruleId: item.code,
      ruleIndex: index.get(item.code),
      level: LEVEL[item.severity],
      message: { text: item.hint ? `${item.message}. Help: ${item.hint}` : item.message },
    };
    if (item.file !== undefined) {
      result.locations = [
        {
          physicalLocation: {
            artifactLocation: artifact(item.file, cwd),
            ...(item.line !== undefined ? { region: { startLine: item.line, ...(item.column !== undefined ? { startColumn: item.column } : {}) } } : {}),
          },
        },
      ];
    }
    if (item.includedFrom?.length) {
      result.relatedLocations = item.includedFrom.map((step, i) => ({
        id: i + 1,
        message: { text: 'included from here' },
        physicalLocation: { artifactLocation: artifact(step.file, cwd), region: { startLine: step.line } },
      }));
    }
    return result;
  });
  const log = {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [
      {
        tool: { driver: { name: 'ngts', version: opts.version, rules } },
        originalUriBaseIds: { '%SRCROOT%': { uri: pathToFileURL(cwd.endsWith('/') ? cwd : cwd + '/').href } },
        results,
      },
    ],
  };
  return JSON.stringify(log, null, 2) + '\n';
}
