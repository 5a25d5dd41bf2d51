/**
 * "Did you mean" for unknown directives: the known name nearest in edit distance, and the common
 * slips that edit distance ranks badly (a trailing `:` as in `listen:`).
 */

/** Levenshtein distance, bounded: returns `limit + 1` as soon as the distance must exceed `limit`. */
export function editDistance(a: string, b: string, limit: number): number {
  if (Math.abs(a.length - b.length) > limit) return limit + 1;
  let prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    let rowMin = i;
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      const v = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + cost);
      cur.push(v);
      if (v < rowMin) rowMin = v;
    }
    if (rowMin > limit) return limit + 1;
    prev = cur;
  }
  return prev[b.length]!;
}

/** The known name `name` was probably meant to be, or null. */
export function suggestName(name: string, known: Iterable<string>): string | null {
  const names = [...known];
  const trimmed = name.replace(/[:;,=]+$/, '');
  if (trimmed !== name && names.includes(trimmed)) return trimmed;
  const lower = name.toLowerCase();
  if (lower !== name && names.includes(lower)) return lower;
  const limit = name.length <= 4 ? 1 : name.length <= 8 ? 2 : 3;
  let best: string | null = null;
  let bestD = limit + 1;
  for (const k of names) {
    const d = editDistance(lower, k, bestD - 1 < limit ? bestD - 1 : limit);
    if (d < bestD) {
      bestD = d;
      best = k;
    }
  }
  return best;
}
