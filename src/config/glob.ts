/**
 * File name patterns for `include`, as nginx's ngx_open_glob uses glob(3): `*`, `?` and `[...]`
 * within one path segment, names starting with `.` matched only by a pattern starting with `.`,
 * results sorted by byte order. A pattern that matches nothing is not an error.
 */
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

/** Whether nginx treats an include argument as a pattern (ngx_conf_include: strpbrk "*?["). */
export function isGlob(path: string): boolean {
  return /[*?[]/.test(path);
}

/** fnmatch(3) for one path segment, without FNM_PERIOD subtleties beyond a leading dot. */
export function matchSegment(pattern: string, name: string): boolean {
  if (name.startsWith('.') && !pattern.startsWith('.')) return false;
  return matchFrom(pattern, 0, name, 0);
}

function matchFrom(p: string, pi: number, s: string, si: number): boolean {
  while (pi < p.length) {
    const c = p[pi]!;
    if (c === '*') {
      while (p[pi] === '*') pi++;
      if (pi === p.length) return true;
      for (let k = si; k <= s.length; k++) if (matchFrom(p, pi, s, k)) return true;
      return false;
    }
    if (si >= s.length) return false;
    if (c === '?') {
      pi++;
      si++;
      continue;
    }
    if (c === '[') {
      const end = classEnd(p, pi);
      if (end > 0) {
        if (!classMatches(p.slice(pi + 1, end), s[si]!)) return false;
        pi = end + 1;
        si++;
        continue;
      }
    }
    if (c === '\\' && pi + 1 < p.length) {
      if (p[pi + 1] !== s[si]) return false;
      pi += 2;
      si++;
      continue;
    }
    if (c !== s[si]) return false;
    pi++;
    si++;
  }
  return si === s.length;
}

/** Index of the `]` closing a bracket expression at `start`, or -1 when it is a literal `[`. */
function classEnd(p: string, start: number): number {
  let i = start + 1;
  if (p[i] === '!' || p[i] === '^') i++;
  if (p[i] === ']') i++;
  for (; i < p.length; i++) if (p[i] === ']') return i;
  return -1;
}

function classMatches(body: string, ch: string): boolean {
  let negate = false;
  let i = 0;
  if (body[0] === '!' || body[0] === '^') {
    negate = true;
    i = 1;
  }
  let hit = false;
  for (; i < body.length; i++) {
    const lo = body[i]!;
    if (body[i + 1] === '-' && i + 2 < body.length) {
      const hi = body[i + 2]!;
      if (ch >= lo && ch <= hi) hit = true;
      i += 2;
    } else if (lo === ch) {
      hit = true;
    }
  }
  return hit !== negate;
}

/** Expands an absolute pattern into the sorted list of existing paths it names. */
export function expandGlob(pattern: string): string[] {
  const parts = pattern.split('/');
  let paths = [parts[0] === '' ? '/' : parts[0]!];
  for (let i = 1; i < parts.length; i++) {
    const seg = parts[i]!;
    if (seg === '') continue;
    const next: string[] = [];
    for (const base of paths) {
      if (!isGlob(seg)) {
        next.push(join(base, seg));
        continue;
      }
      let names: string[];
      try {
        names = readdirSync(base);
      } catch {
        continue;
      }
      for (const n of names) if (matchSegment(seg, n)) next.push(join(base, n));
    }
    paths = next;
  }
  const existing = paths.filter((p) => {
    try {
      statSync(p);
      return true;
    } catch {
      return false;
    }
  });
  return existing.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}
