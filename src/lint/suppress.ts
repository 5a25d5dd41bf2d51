/**
 * Inline suppression, written as a comment nginx ignores:
 *
 *     # ngts-disable-next-line if-is-evil, host-spoofing
 *     # ngts-disable-next-line            (every rule)
 *
 * It covers findings on directives that start on the next line of the same file.
 */
import type { CheckedConfig } from '../config/validate.js';
import { ruleById } from './rules/index.js';

const MARK = /^#\s*ngts-disable-next-line\b(.*)$/;

export interface Suppressions {
  covers(file: string, line: number, rule: string): boolean;
  /** Rule ids named in suppression comments that no rule has. */
  readonly unknown: readonly { readonly rule: string; readonly file: string; readonly line: number; readonly column: number }[];
}

export function findSuppressions(checked: CheckedConfig): Suppressions {
  // file → line → rule ids (null: every rule)
  const byFile = new Map<string, Map<number, Set<string> | null>>();
  const unknown: { rule: string; file: string; line: number; column: number }[] = [];
  const seenFiles = new Set<string>();
  for (const f of checked.files) {
    if (seenFiles.has(f.path)) continue;
    seenFiles.add(f.path);
    for (const c of f.comments) {
      const m = MARK.exec(c.text);
      if (!m) continue;
      const ids = (m[1] ?? '').split(/[\s,]+/).filter((s) => s.length > 0);
      let lines = byFile.get(f.path);
      if (!lines) byFile.set(f.path, (lines = new Map()));
      const line = c.span.start.line + 1;
      if (ids.length === 0) {
        lines.set(line, null);
        continue;
      }
      let set = lines.get(line);
      if (set === null) continue;
      if (set === undefined) lines.set(line, (set = new Set()));
      for (const id of ids) {
        if (ruleById(id) === undefined) unknown.push({ rule: id, file: f.path, line: c.span.start.line, column: c.span.start.column });
        set.add(id);
      }
    }
  }
  return {
    unknown,
    covers(file, line, rule) {
      const lines = byFile.get(file);
      if (!lines || !lines.has(line)) return false;
      const set = lines.get(line);
      return set === null || set === undefined || set.has(rule);
    },
  };
}
