/**
 * The body of a `split_clients` block, read as ngx_http_split_clients
 * (src/http/modules/ngx_http_split_clients_module.c): `<percent>% value` lines and one `* value`
 * for the rest. Values are plain strings (not scripts).
 */
import type { Directive, Statement } from '../ast.js';
import { type BodyReport, bodyLines, words } from './body.js';

/** One part: its share in hundredths of a percent (0 for `*`, the rest), and its value. */
export interface SplitPart {
  readonly percent: number;
  readonly value: string;
}

export interface SplitClientsBody {
  readonly parts: readonly SplitPart[];
  readonly ok: boolean;
}

/** ngx_atofp(text, n, 2): a decimal with at most two fractional digits, scaled by 100; null on error. */
export function parsePercent(text: string): number | null {
  if (text.length === 0) return null;
  let value = 0;
  let dot = false;
  let point = 2;
  for (const ch of text) {
    if (ch === '.') {
      if (dot) return null;
      dot = true;
      continue;
    }
    if (ch < '0' || ch > '9') return null;
    if (point === 0) return null;
    value = value * 10 + (ch.charCodeAt(0) - 48);
    if (value > Number.MAX_SAFE_INTEGER / 1000) return null;
    if (dot) point--;
  }
  while (point-- > 0) value *= 10;
  return value;
}

/**
 * Checks and reads the lines of a `split_clients` block. The total may not exceed 100%; nginx
 * reports that at the closing brace of the block (`blockEnd` is given to `reportAtEnd`).
 */
export function checkSplitClientsBody(
  body: readonly Statement[],
  report: BodyReport,
  reportAtEnd: (message: string) => void,
  expand?: (include: Directive) => readonly Statement[] | undefined,
): SplitClientsBody {
  const parts: SplitPart[] = [];
  for (const line of bodyLines(body, expand)) {
    if (line.block !== null) {
      report('unexpected "{"', line);
      return { parts, ok: false };
    }
    const w = words(line);
    const key = w[0] as string;
    let percent = 0;
    if (key !== '*') {
      const n = key.endsWith('%') ? parsePercent(key.slice(0, -1)) : null;
      if (n === null || n === 0) {
        report(`invalid percent value "${key}"`, line);
        return { parts, ok: false };
      }
      percent = n;
    }
    // nginx reads the second word without checking the count; extra words are ignored.
    parts.push({ percent, value: w[1] ?? '' });
  }
  let sum = 0;
  for (const p of parts) {
    sum = p.percent ? sum + p.percent : 10000;
    if (sum > 10000) {
      reportAtEnd('percent total is greater than 100%');
      return { parts, ok: false };
    }
  }
  return { parts, ok: true };
}
