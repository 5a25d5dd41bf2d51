/** `ngts check --explain RULE` and `--list-rules`: the rules' own words, for a terminal. */
import type { Rule } from '../lint/rule.js';
import { RULES, ruleById } from '../lint/rules/index.js';

/** Wraps a paragraph at `width` columns. */
function wrap(text: string, width: number): string {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/)) {
    if (line && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else {
      line = line ? `${line} ${word}` : word;
    }
  }
  if (line) lines.push(line);
  return lines.join('\n');
}

const indent = (s: string): string => s.split('\n').map((l) => `    ${l}`).join('\n');

export function explainRule(id: string): string | null {
  const rule = ruleById(id);
  if (!rule) return null;
  return `${rule.id} (${rule.category}, ${rule.severity} by default)\n\n${wrap(rule.explain, 96)}\n\nBad:\n\n${indent(rule.bad)}\n\nGood:\n\n${indent(rule.good)}\n\n` +
    `Turn it off for one directive with a comment on the line before it:\n\n    # ngts-disable-next-line ${rule.id}\n`;
}

export function listAllRules(): string {
  const width = Math.max(...RULES.map((r: Rule) => r.id.length));
  const out: string[] = [];
  let category = '';
  for (const r of RULES) {
    if (r.category !== category) {
      category = r.category;
      out.push(`${out.length ? '\n' : ''}${category}:`);
    }
    out.push(`  ${r.id.padEnd(width)}  ${r.severity.padEnd(7)}  ${r.summary}`);
  }
  return out.join('\n') + '\n';
}
