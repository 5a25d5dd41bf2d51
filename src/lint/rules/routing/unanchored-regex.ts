/**
 * unanchored-regex: a regex location with neither a leading `^` nor a trailing `$` (in some top-level
 * alternative). PCRE searches the whole URI, so `location ~ /admin` also serves /public/admin-guide
 * and `location ~ \.php` serves /upload/file.php.jpg.
 */
import type { LintLevel } from '../../model.js';
import type { Rule } from '../../rule.js';
import { isNormalizedUri, printable, regexFacts, regexWitnesses } from '../../facts/regex.js';

/** Whether the location refuses everything it matches: there, matching more is the safe side. */
function denies(model: Parameters<Rule['check']>[0], level: LintLevel): boolean {
  const first = level.conf.directives.find((d) => d.name === 'allow' || d.name === 'deny');
  if (first?.name === 'deny' && first.args[0]?.value === 'all') return true;
  const ret = model.compiledLocation(level)?.ret ?? null;
  return ret !== null && (ret.code === 403 || ret.code === 404 || ret.code === 410 || ret.code === 444);
}

/** Top-level alternatives of a pattern (as written), for the wording only. */
function countBranches(pattern: string): number {
  const facts = regexFacts(pattern, false);
  let n = facts.node;
  while (n && n.t === 'group' && (n.kind === 'capture' || n.kind === 'noncapture')) n = n.body;
  return n && n.t === 'alt' ? n.branches.length : 1;
}

export const unanchoredRegex: Rule = {
  id: 'unanchored-regex',
  category: 'routing',
  severity: 'warning',
  summary: 'regex location without ^ or $: it matches the pattern anywhere in the URI',
  explain:
    'A regex location is searched for anywhere in the URI. Without `^` (start) or `$` (end), ' +
    '`location ~ /admin` also serves /public/admin-guide and `location ~ \\.php` also serves ' +
    '/upload/file.php.jpg, which sends uploads to the PHP handler. Anchor the pattern: `^/admin` for a ' +
    'path prefix (or a prefix location), `\\.php$` for a suffix. Locations that only deny access ' +
    '(deny all, return 403/404) are left alone: matching more is the safe side there.',
  bad: `server {
    listen 127.0.0.1:8000;
    location ~ /admin { return 200 "admin"; }
}`,
  good: `server {
    listen 127.0.0.1:8000;
    location ~ ^/admin/ { return 200 "admin"; }
    location ~ /\\.ht { deny all; }
}`,
  check(model, report) {
    for (const level of model.levels) {
      const loc = level.location;
      if (level.kind !== 'location' || loc === null || (loc.modifier !== '~' && loc.modifier !== '~*')) continue;
      const facts = regexFacts(loc.name, loc.modifier === '~*');
      if (facts.node === null || facts.unanchoredBranches.length === 0) continue;
      if (denies(model, level)) continue;
      const dotted = loc.name.startsWith('\\.');
      const examples = regexWitnesses(facts, {
        prefixes: dotted ? ['/upload/file', '/x/file'] : ['/public', '/public/', '/x'],
        suffixes: dotted ? ['.jpg', '.txt'] : ['-guide', '-old', '/x'],
        accept: (s) => isNormalizedUri(s) && printable(s),
        max: 1,
      });
      const example = examples[0];
      const alternation = countBranches(loc.name) > 1;
      report({
        directive: level.block!,
        arg: level.block!.args.length - 1,
        message:
          `${alternation ? `an alternative of regex "${loc.name}"` : `regex "${loc.name}"`} has neither ^ nor $, so it matches anywhere in the URI` +
          (example !== undefined ? `: it also serves ${example}` : ''),
        hint: alternation
          ? 'anchor every alternative, or group them: ^(?:…|…)'
          : dotted
            ? `anchor it at the end: "${loc.name}$"`
            : loc.name.startsWith('/')
              ? `anchor it: "^${loc.name}" (or use a prefix location)`
              : 'anchor it with ^ at the start or $ at the end',
      });
    }
  },
};
