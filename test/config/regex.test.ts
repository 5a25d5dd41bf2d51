/**
 * compilePcre against nginx 1.22.1 + libpcre2 10.42: the recorded answers of fixtures/regex/
 * (test/config/record-regex.mjs) for compile errors and for what each subject matches, plus the
 * constructs that JavaScript cannot run.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compilePcre } from '../../src/config/regex.js';

interface Recorded {
  readonly pattern: string;
  readonly caseless: boolean;
  readonly subjects: readonly string[];
  /** nginx's message, or null when nginx accepted the pattern. */
  readonly compile: string | null;
  /** nginx's answer per subject: `N`, or `M:$1|…|$9`. */
  readonly matches: readonly string[];
}

const recorded = JSON.parse(
  readFileSync(join(__dirname, '../../fixtures/regex/expect.json'), 'utf8'),
) as Recorded[];

/** What ngts answers for a subject, in the recorder's format. */
function answer(re: RegExp, subject: string): string {
  const m = re.exec(subject);
  if (!m) return 'N';
  return 'M:' + Array.from({ length: 9 }, (_, i) => m[i + 1] ?? '').join('|');
}

describe('compilePcre agrees with nginx', () => {
  it('has the recorded cases', () => {
    expect(recorded.length).toBeGreaterThan(400);
  });

  it('rejects what nginx rejects, with the same message', () => {
    const wrong: string[] = [];
    for (const c of recorded) {
      const r = compilePcre(c.pattern, c.caseless);
      const mine = r.ok ? null : r.kind === 'invalid' ? r.message : null;
      if (mine !== c.compile) wrong.push(`${JSON.stringify(c.pattern)}: nginx ${c.compile} / ngts ${r.ok ? 'ok' : r.message}`);
    }
    expect(wrong).toEqual([]);
  });

  it('matches what nginx matches, with the same captures', () => {
    const wrong: string[] = [];
    let compared = 0;
    for (const c of recorded) {
      if (c.compile !== null) continue;
      const r = compilePcre(c.pattern, c.caseless);
      if (!r.ok) {
        // Patterns ngts cannot run are refused by name, never run wrongly.
        expect(r.kind).toBe('unsupported');
        continue;
      }
      c.subjects.forEach((s, i) => {
        compared++;
        const mine = answer(r.re, s);
        if (mine !== c.matches[i]) wrong.push(`${JSON.stringify(c.pattern)} on ${JSON.stringify(s)}: nginx ${c.matches[i]} / ngts ${mine}`);
      });
    }
    expect(compared).toBeGreaterThan(800);
    expect(wrong).toEqual([]);
  });
});

describe('compilePcre', () => {
  it('translates the usual nginx patterns', () => {
    const r = compilePcre('^/(?P<first>[^/]+)/(?<second>\\d+)\\.html$', false);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.captures).toBe(2);
    expect(r.names).toEqual(['first', 'second']);
    const m = r.re.exec('/blog/42.html');
    expect(m?.groups).toEqual({ first: 'blog', second: '42' });
    // $ matches before a final newline, as in PCRE2 without PCRE2_DOLLAR_ENDONLY.
    expect(r.re.test('/blog/42.html\n')).toBe(true);
    expect(r.re.test('/blog/42.html\n\n')).toBe(false);
  });

  it('folds ASCII letters only when caseless, as PCRE2 with nginx does', () => {
    const r = compilePcre('caf\u00e9', true);
    expect(r.ok && r.re.test('CAF\u00e9')).toBe(true);
    expect(r.ok && r.re.test('CAF\u00c9')).toBe(false);
    const upper = compilePcre('^[[:upper:]]+$', true);
    expect(upper.ok && upper.re.test('abc')).toBe(true);
  });

  it('works on bytes: . never matches a newline but matches \\r', () => {
    const r = compilePcre('^a.c$', false);
    expect(r.ok && r.re.test('a\rc')).toBe(true);
    expect(r.ok && r.re.test('a\nc')).toBe(false);
    const s = compilePcre('a\\sc', false);
    expect(s.ok && s.re.test('a\u00a0c')).toBe(false);
  });

  it('words errors as nginx does', () => {
    expect(compilePcre('(', false)).toEqual({
      ok: false,
      kind: 'invalid',
      message: 'pcre2_compile() failed: missing closing parenthesis in "("',
    });
    expect(compilePcre('*a', true)).toEqual({
      ok: false,
      kind: 'invalid',
      message: 'pcre2_compile() failed: quantifier does not follow a repeatable item in "*a" at "*a"',
    });
  });

  it.each([
    ['(?>a+)b', 'an atomic group'],
    ['a++b', 'a possessive quantifier'],
    ['a\\Kb', '\\K'],
    ['(a)(?1)', 'a subroutine call'],
    ['(?(1)a|b)(c)', 'a conditional group'],
    ['(?|(a)|(b))', 'a branch reset group'],
    ['\\pL', 'the Unicode property'],
    ['(*UTF)a', '(*UTF)'],
    ['(a)?b\\1', 'a back reference to group 1, which may not have matched'],
    ['(?:(a)|b)+', 'capture group 1, which an iteration of a repeated group may skip'],
    ['(a*)*', 'a repeated group that can match the empty string'],
  ])('names what JavaScript cannot run: %s', (pattern, what) => {
    const r = compilePcre(pattern, false);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.kind).toBe('unsupported');
    expect(r.message).toContain(what);
    expect(r.message).toContain(`in "${pattern}"`);
  });

  it('keeps group numbers for nginx captures', () => {
    const r = compilePcre('^/(a)(?:b)(?<c>c)(d)$', false);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.captures).toBe(3);
    expect(Array.from(r.re.exec('/abcd') ?? [])).toEqual(['/abcd', 'a', 'c', 'd']);
  });

  it('treats (?n), (?U), (?x) and \\Q…\\E as PCRE2 does', () => {
    const n = compilePcre('(?n)(a)(?<x>b)', false);
    expect(n.ok && n.captures).toBe(1);
    const u = compilePcre('(?U)(a+)', false);
    expect(u.ok && u.re.exec('aaa')?.[1]).toBe('a');
    const x = compilePcre('(?x) a b # comment\n c', false);
    expect(x.ok && x.re.test('abc')).toBe(true);
    const q = compilePcre('a\\Q.*\\Eb', false);
    expect(q.ok && q.re.test('a.*b') && !q.re.test('axxb')).toBe(true);
  });
});
