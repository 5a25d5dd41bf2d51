/**
 * shadowed-location: a location that no request can reach, decided with nginx's own lookup
 * (model.route): witness URIs are generated for the location — its name for `=`, the name plus
 * suffixes for prefixes, strings its pattern matches (from the PCRE tree) for regexes — and when
 * every one of them is served by another location, an exact search (facts/regex.ts searchUris)
 * over the automata of the patterns involved must prove that no URI escapes before the finding,
 * which names the locations that took the witnesses, is reported.
 */
import type { LintLevel, LintModel, LintServer } from '../../model.js';
import type { Rule } from '../../rule.js';
import {
  isNormalizedUri, iterRegexVariantWitnesses, iterRegexWitnesses, printable, regexFacts, regexLookaroundTexts, regexTexts,
  searchUris, type RegexFacts, type SearchSpec,
} from '../../facts/regex.js';

/** What follows a prefix location's name in its witnesses: nothing, every single byte, a few paths. */
const PREFIX_SUFFIXES: readonly string[] = [
  '',
  ...Array.from({ length: 255 }, (_, i) => String.fromCharCode(i + 1)),
  'x/y', 'index.html', 'a.b', 'x.php', 'x/', 'x.jpg', 'xyz123',
];

function label(level: LintLevel): string {
  const loc = level.location!;
  return `location ${loc.modifier && loc.modifier !== '@' ? loc.modifier + ' ' : ''}${loc.name}`;
}

function isRegex(level: LintLevel): boolean {
  return level.location?.modifier === '~' || level.location?.modifier === '~*';
}

/** The location levels of a server, nested ones included. */
function locationsOf(server: LintServer): LintLevel[] {
  const out: LintLevel[] = [];
  const walk = (l: LintLevel): void => {
    for (const c of l.children) {
      if (c.kind !== 'location') continue;
      out.push(c);
      walk(c);
    }
  };
  walk(server.level);
  return out;
}

/** Whether ngts runs every regex location of the server exactly as nginx does. */
function regexesExact(server: LintServer): boolean {
  return locationsOf(server).every((l) => !isRegex(l) || regexFacts(l.location!.name, l.location!.modifier === '~*').re !== null);
}

/**
 * Words of the server's locations from which witnesses are built that slip past the other
 * locations: prefix and exact names, texts that lookarounds look for, and a few texts each regex
 * matches.
 */
interface Vocabulary {
  readonly names: readonly string[];
  readonly around: readonly string[];
  readonly texts: readonly string[];
}

const TEXTS_PER_REGEX = 8;
const MAX_WITNESSES = 600;
/** Sampled URIs asked of the lookup per location before the exact search takes over. */
const MAX_SAMPLES = 800;

function vocabulary(server: LintServer): Vocabulary {
  const names = new Set<string>();
  const around = new Set<string>();
  const texts = new Set<string>();
  for (const l of locationsOf(server)) {
    const loc = l.location!;
    if (loc.modifier === '@') continue;
    if (isRegex(l)) {
      const facts = regexFacts(loc.name, loc.modifier === '~*');
      for (const w of regexLookaroundTexts(facts)) if (w !== '') around.add(w);
      for (const w of (regexTexts(facts) ?? []).slice(0, TEXTS_PER_REGEX)) if (w !== '') texts.add(w);
    } else names.add(loc.name);
  }
  return { names: [...names], around: [...around], texts: [...texts] };
}

/** Candidate URIs for a location, lazily, most telling first; none when none can be made. */
function* witnesses(level: LintLevel, vocab: Vocabulary): Generator<string> {
  const loc = level.location!;
  const seen = new Set<string>();
  let n = 0;
  // Yields a candidate once, if it is a URI nginx can look up; false when enough were tried.
  const fresh = (u: string): boolean => {
    if (seen.has(u) || !isNormalizedUri(u)) return false;
    seen.add(u);
    return true;
  };
  if (loc.modifier === '=') {
    if (isNormalizedUri(loc.name)) yield loc.name;
    return;
  }
  if (loc.modifier === '' || loc.modifier === '^~') {
    const name = loc.name;
    for (const s of PREFIX_SUFFIXES) if (fresh(name + s)) yield name + s;
    // Longer names that start with this one, and texts the regexes match under it: the URIs
    // around them (shorter, longer) are the ones that may slip past.
    const under = [...vocab.names, ...vocab.texts].filter((w) => w.startsWith(name) && w.length > name.length);
    const words = [...under, ...vocab.around.map((w) => name + w), ...vocab.around.map((w) => name + w.replace(/^\/+/, ''))];
    for (const full of words) {
      const around = [full, full + 'x', full + '/', full + '/x', full.slice(0, -1)];
      for (let i = name.length + 1; i < full.length - 1 && i < name.length + 24; i++) around.push(full.slice(0, i));
      for (const u of around) {
        if (!u.startsWith(name) || !fresh(u)) continue;
        yield u;
        if (++n >= MAX_WITNESSES) return;
      }
    }
    return;
  }
  if (!isRegex(level)) return;
  const facts = regexFacts(loc.name, loc.modifier === '~*');
  const prefixes = ['', '/', '/x', '/x/'];
  for (let p = level.parent; p && p.kind === 'location'; p = p.parent) {
    const pl = p.location!;
    if (pl.modifier === '' || pl.modifier === '^~' || pl.modifier === '=') {
      prefixes.push(pl.name, pl.name + 'x', pl.name + 'x/', pl.name + '/');
      break;
    }
  }
  let any = false;
  for (const u of iterRegexWitnesses(facts, { prefixes, suffixes: ['', 'x', '/x'], accept: isNormalizedUri, max: 300 })) {
    any = true;
    if (fresh(u)) yield u;
  }
  if (!any) return;
  // Led by other locations' names and lookaround texts, to slip past a regex that looks for them
  // (or avoids them): `^/(?!api)` before `\.php$` leaves /api.php to the latter.
  const led = new Set<string>();
  for (const w of [...vocab.names, ...vocab.around]) for (const p of [w, '/' + w, w + '/', '/' + w + '/']) led.add(p);
  for (const u of iterRegexWitnesses(facts, { prefixes: [...led], suffixes: [''], accept: isNormalizedUri, max: 600 })) {
    if (fresh(u)) yield u;
  }
  // One byte different: every member of every class in turn.
  for (const u of iterRegexVariantWitnesses(facts, { prefixes, suffixes: [''], accept: isNormalizedUri, max: 2000 })) {
    if (fresh(u)) yield u;
  }
  // The same words spelt inside the pattern's own runs (`[^/]+`, `.*`).
  const hints = [...vocab.around, ...vocab.names.flatMap((w) => w.split('/')).filter((w) => w !== '')];
  for (const u of iterRegexWitnesses(facts, { prefixes, suffixes: ['', 'x', '/x'], accept: isNormalizedUri, max: 600, hints })) {
    if (fresh(u)) yield u;
  }
  // Those words themselves, when the pattern matches them.
  const re = facts.re!;
  for (const w of [...vocab.names, ...vocab.around, ...vocab.texts]) {
    for (const p of prefixes) {
      for (const u of [p + w, p + w + 'x', p + w.slice(0, -1), p + w + '/', p + w + '/x']) {
        if (!fresh(u)) continue;
        re.lastIndex = 0;
        if (!re.test(u)) continue;
        yield u;
        if (++n >= MAX_WITNESSES) return;
      }
    }
  }
}

/** How odd a URI looks in a message: control bytes, dot-files, empty file names. */
function ugliness(uri: string): number {
  let score = 0;
  if (!printable(uri)) score += 100;
  score += (uri.match(/\/\./g) ?? []).length * 10;
  score += (uri.match(/[^A-Za-z0-9/._-]/g) ?? []).length * 3;
  return score;
}

function within(level: LintLevel | null, ancestor: LintLevel): boolean {
  for (let l = level; l; l = l.parent) if (l === ancestor) return true;
  return false;
}

function nestedInRegex(level: LintLevel): LintLevel | null {
  for (let p = level.parent; p && p.kind === 'location'; p = p.parent) if (isRegex(p)) return p;
  return null;
}

function factsOf(level: LintLevel): RegexFacts {
  return regexFacts(level.location!.name, level.location!.modifier === '~*');
}

/** The location siblings of a level's locations (those of its parent level), in file order. */
function siblings(level: LintLevel): LintLevel[] {
  return (level.parent?.children ?? []).filter((c) => c.kind === 'location' && c.location?.modifier !== '@');
}

/**
 * What the exact search needs to prove a location unreachable, from blocks that always hold:
 * earlier regexes of its level, exact and longer prefix names, `^~` prefixes, and for a prefix the
 * regexes of every level on its way that are tried after it. Null when no proof is attempted.
 */
function proofSpec(level: LintLevel, mergeSlashes: boolean): SearchSpec | null {
  const loc = level.location!;
  const sibs = siblings(level);
  const exact = sibs.filter((s) => s.location!.modifier === '=').map((s) => s.location!.name);
  if (isRegex(level)) {
    const require: RegexFacts[] = [factsOf(level)];
    let start = '';
    for (let p = level.parent; p && p.kind === 'location'; p = p.parent) {
      const m = p.location!.modifier;
      if (m === '~' || m === '~*') require.push(factsOf(p));
      else if (start === '') start = p.location!.name;
    }
    const avoid: RegexFacts[] = [];
    for (const s of sibs) {
      if (s === level) break;
      if (isRegex(s)) avoid.push(factsOf(s));
    }
    const prefixes = sibs
      .filter((s) => s.location!.modifier === '' || s.location!.modifier === '^~')
      .map((s) => ({ name: s.location!.name, noregex: s.location!.modifier === '^~' }));
    return { start, require, avoid, literal: { exact, prefixes }, mergeSlashes };
  }
  if (loc.modifier !== '' && loc.modifier !== '^~') return null;
  // Nested locations may take what the level's regexes would: no proof then.
  if (level.children.some((c) => c.kind === 'location')) return null;
  const avoid: RegexFacts[] = [];
  if (loc.modifier === '') for (const s of sibs) if (isRegex(s)) avoid.push(factsOf(s));
  for (let a = level.parent; a && a.kind === 'location'; a = a.parent) {
    const m = a.location!.modifier;
    if (m !== '' && m !== '^~') return null;
    if (m === '') for (const s of siblings(a)) if (isRegex(s)) avoid.push(factsOf(s));
  }
  const deadPrefixes = sibs
    .filter((s) => (s.location!.modifier === '' || s.location!.modifier === '^~') && s !== level)
    .map((s) => s.location!.name)
    .filter((n) => n.length > loc.name.length && n.startsWith(loc.name));
  return { start: loc.name, require: [], avoid, literal: { exact, deadPrefixes }, mergeSlashes };
}

/**
 * Whether the location is proven unreachable: the exact search finds no URI that escapes every
 * block, or finds some and none of them reaches it either (then nothing is proven: false).
 */
function provenUnreachable(model: LintModel, server: LintServer, level: LintLevel): boolean {
  const loc = level.location!;
  // One URI, asked of the lookup itself.
  if (loc.modifier === '=') return true;
  // nginx builds no lookup tree for prefix and exact locations below a regex location.
  if (nestedInRegex(level) !== null) return true;
  const spec = proofSpec(level, server.level.conf.flag('merge_slashes', true));
  if (spec === null) return false;
  const result = searchUris(spec);
  if (result.kind === 'unsupported') return false;
  if (result.kind === 'exhausted' && result.witnesses.length === 0) return true;
  // Some URIs escape the blocks the search knows: if one reaches the location, it is used; if
  // none does, something the search does not model takes them, and nothing is proven.
  return false;
}

function check(model: LintModel, server: LintServer, report: Parameters<Rule['check']>[1]): void {
  const shadowed = new Set<LintLevel>();
  const vocab = vocabulary(server);
  for (const level of locationsOf(server)) {
    const loc = level.location!;
    if (loc.modifier === '@') continue;
    // Below a shadowed location everything is unreachable too: report the outermost only.
    let skip = false;
    for (let p = level.parent; p; p = p.parent) if (shadowed.has(p)) skip = true;
    if (skip) continue;
    const winners = new Map<string, string>();
    let reached = false;
    let tried = 0;
    for (const uri of witnesses(level, vocab)) {
      // Enough samples: the exact search below decides the rest.
      if (++tried > MAX_SAMPLES) break;
      const r = model.route(server, uri);
      if (within(r.level, level) && r.match.reason !== 'auto-redirect') {
        reached = true;
        break;
      }
      const who = r.match.loc === null ? 'no location (the server level)' : r.match.loc.payload.label;
      const prev = winners.get(who);
      if (prev === undefined || ugliness(uri) < ugliness(prev)) winners.set(who, uri);
    }
    // No witness at all: nothing can be said.
    if (reached || tried === 0) continue;
    // The samples all went elsewhere; report only what the exact search proves.
    if (!provenUnreachable(model, server, level)) continue;
    shadowed.add(level);
    const taken = [...winners].slice(0, 3).map(([who, uri]) => `${JSON.stringify(uri).slice(1, -1)} goes to ${who}`);
    const more = winners.size > 3 ? ` (and ${winners.size - 3} more)` : '';
    const regexParent = loc.modifier !== '~' && loc.modifier !== '~*' ? nestedInRegex(level) : null;
    const why = regexParent
      ? `nginx never searches prefix or exact locations nested in a regex location (${label(regexParent)})`
      : loc.modifier === '='
        ? 'another location takes its URI first'
        : isRegex(level)
          ? 'every URI it matches is taken first by an earlier regex, an exact or a ^~ location'
          : 'every URI under it is taken by an exact, ^~, longer prefix or regex location';
    report({
      directive: level.block!,
      arg: level.block!.args.length - 1,
      message: `${label(level)} is never used: ${why}; ${taken.join(', ')}${more}`,
      hint: isRegex(level)
        ? 'move it above the regex that takes its URIs, or make that one narrower'
        : 'remove it, or change the location that takes its URIs',
    });
  }
}

export const shadowedLocation: Rule = {
  id: 'shadowed-location',
  category: 'routing',
  severity: 'warning',
  summary: 'a location that no request can reach, given nginx\'s location precedence',
  explain:
    'nginx picks a location in a fixed order: an exact (`=`) match, else the longest prefix; a `^~` prefix ' +
    'stops there, otherwise the regexes are tried in file order and the first that matches wins; nested ' +
    'locations are searched the same way inside the one chosen. A regex below a broader regex, a prefix ' +
    'whose every URI a regex takes, or anything a `^~ /` hides is never used, and its configuration is dead. ' +
    'The check asks nginx\'s real lookup where URIs the location would match go, and reports only when none ' +
    'reaches it and an exact search over the patterns (an automaton built from each regex) proves that no URI ' +
    'can; patterns with lookarounds or back references are beyond that proof and stay unreported.',
  bad: `server {
    listen 127.0.0.1:8000;
    location ~ \\.php$ { return 200 "php"; }
    location ~ ^/admin/.*\\.php$ { return 403; }
}`,
  good: `server {
    listen 127.0.0.1:8000;
    location ~ ^/admin/.*\\.php$ { return 403; }
    location ~ \\.php$ { return 200 "php"; }
}`,
  check(model, report) {
    for (const server of model.servers) {
      if (!regexesExact(server)) continue;
      check(model, server, report);
    }
  },
};
