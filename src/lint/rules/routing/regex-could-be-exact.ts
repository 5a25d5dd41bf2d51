/**
 * regex-could-be-exact: `location ~ ^/health$` with a purely literal pattern. `location = /health`
 * matches the same URI without running a regex, and wins before any prefix or regex location.
 */
import { scanVariables } from '../../../config/variables.js';
import type { LintLevel } from '../../model.js';
import type { Rule } from '../../rule.js';
import { regexFacts } from '../../facts/regex.js';

/** Whether any directive of the level or the levels below uses a numbered capture ($1…$9). */
function usesCaptures(level: LintLevel): boolean {
  for (const d of level.conf.directives) {
    for (const a of d.args) if (a.value.includes('$') && scanVariables(a.value).refs.some((r) => r.capture)) return true;
  }
  return level.children.some(usesCaptures);
}

function fitsParents(level: LintLevel, name: string): boolean {
  for (let p = level.parent; p && p.kind === 'location'; p = p.parent) {
    const m = p.location?.modifier;
    if (m === '~' || m === '~*' || m === '@' || m === '=') return false;
    if (!name.startsWith(p.location?.name ?? '')) return false;
  }
  return true;
}

export const regexCouldBeExact: Rule = {
  id: 'regex-could-be-exact',
  category: 'routing',
  severity: 'info',
  summary: 'a regex location that matches one fixed URI: use location = instead',
  explain:
    '`location ~ ^/health$` matches exactly one URI, but nginx only tries it after the prefix search, in ' +
    'file order with the other regexes, running the pattern on each request that gets that far; an earlier ' +
    'regex or a ^~ prefix can take the URI first. `location = /health` matches the same URI with a plain ' +
    'comparison and wins before anything else.',
  bad: `server {
    listen 127.0.0.1:8000;
    location ~ ^/health$ { return 200 "ok"; }
}`,
  good: `server {
    listen 127.0.0.1:8000;
    location = /health { return 200 "ok"; }
}`,
  check(model, report) {
    for (const level of model.levels) {
      const loc = level.location;
      if (level.kind !== 'location' || loc === null || loc.modifier !== '~') continue;
      const facts = regexFacts(loc.name, false);
      const lit = facts.literal;
      if (lit === null || !lit.start || !lit.end || !lit.text.startsWith('/')) continue;
      // Characters that would need quoting in a location name, or that a URI never has.
      if (!/^[\x21-\x7e]+$/.test(lit.text) || /["';{}#\\]/.test(lit.text)) continue;
      // Exact locations cannot have nested locations, and named groups set variables.
      if (level.children.some((c) => c.kind === 'location')) continue;
      // Below a regex location nginx never searches exact ones; below a prefix, the name must
      // start with the prefix's.
      if (!fitsParents(level, lit.text)) continue;
      if (facts.names.length > 0 || (facts.captures > 0 && usesCaptures(level))) continue;
      report({
        directive: level.block!,
        arg: level.block!.args.length - 1,
        message: `regex "${loc.name}" matches only the URI ${lit.text}: "location = ${lit.text}" does the same without a regex and takes precedence over every other location`,
        hint: `write it as: location = ${lit.text}`,
      });
    }
  },
};
