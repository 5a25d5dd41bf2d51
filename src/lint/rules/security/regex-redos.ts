/**
 * regex-redos: a regex in a location, if, map, rewrite or server_name that backtracks
 * catastrophically (nested unbounded quantifiers over overlapping bytes, an alternation whose
 * branches overlap under a quantifier, adjacent overlapping unbounded quantifiers). The analysis is
 * in facts/redos.ts, on the PCRE2 tree with its byte sets.
 */
import type { Directive } from '../../../config/ast.js';
import { parseIfCondition } from '../../../config/if-condition.js';
import type { Rule } from '../../rule.js';
import { findRedos } from '../../facts/redos.js';
import { regexFacts } from '../../facts/regex.js';
import { VariableFacts } from '../../facts/variables.js';

interface Site {
  readonly directive: Directive;
  readonly arg?: number;
  readonly pattern: string;
  readonly caseless: boolean;
  readonly where: string;
}

export const regexRedos: Rule = {
  id: 'regex-redos',
  category: 'security',
  severity: 'warning',
  summary: 'a regex that backtracks catastrophically on a crafted request ((a+)+, (\\w|\\d)+, \\d+\\d+$)',
  explain:
    'nginx runs regexes with PCRE2 without JIT (pcre_jit is off by default) and with the default match limit. A ' +
    'pattern that can match the same text in exponentially many ways (nested unbounded quantifiers over ' +
    'overlapping bytes such as (a+)+, (.*)*, (\\w+\\d*)+, or an alternation whose branches can start with the same ' +
    'byte under a quantifier such as (\\w|\\d)+, (a|aa)+, (a|ab)*) tries them all when something after it fails, ' +
    'so one request with a long run of such bytes burns the worker\'s CPU until pcre2_match() gives up (error ' +
    '-47, the request fails with 500). Two adjacent unbounded quantifiers over overlapping bytes (\\d+\\d+$) are ' +
    'reported too: they are quadratic, not exponential (not when the second is .* before $). Nothing is reported ' +
    'when nothing after the construct can fail (the first attempt then succeeds). Checked: location, if, map ' +
    'keys, rewrite and server_name regexes; the sub-pattern is named in the message.',
  bad: `server {
    listen 127.0.0.1:8080;
    location ~ ^/files/(\\w+\\d*)+\\.txt$ { return 200; }
}`,
  good: `server {
    listen 127.0.0.1:8080;
    location ~ ^/files/\\w+\\.txt$ { return 200; }
}`,
  check(model, report) {
    const sites: Site[] = [];
    for (const level of model.levels) {
      const loc = level.location;
      if (level.kind === 'location' && level.block && loc && (loc.modifier === '~' || loc.modifier === '~*')) {
        sites.push({ directive: level.block, arg: level.block.args.length - 1, pattern: loc.name, caseless: loc.modifier === '~*', where: `location ${loc.modifier}` });
      }
    }
    for (const { directive } of model.directives('if')) {
      const r = parseIfCondition(directive.args.map((a) => a.value));
      if (r.ok && r.condition.kind === 'regex') {
        sites.push({ directive, arg: directive.args.length - 1, pattern: r.condition.pattern, caseless: r.condition.caseless, where: 'if' });
      }
    }
    for (const { directive } of model.directives('rewrite')) {
      sites.push({ directive, arg: 0, pattern: directive.args[0]?.value ?? '', caseless: false, where: 'rewrite' });
    }
    for (const { directive } of model.directives('server_name')) {
      directive.args.forEach((a, i) => {
        if (a.value.startsWith('~')) sites.push({ directive, arg: i, pattern: a.value.slice(1), caseless: true, where: 'server_name' });
      });
    }
    const facts = VariableFacts.of(model);
    for (const d of model.http?.conf.own('map') ?? []) {
      const map = facts.map(d.args[1]?.value ?? '');
      if (!map || map.directive !== d) continue;
      for (const e of map.body.entries) {
        if (e.kind === 'regex') sites.push({ directive: e.line, pattern: e.pattern, caseless: e.caseless, where: `map ${d.args[0]?.value ?? ''}` });
      }
    }
    for (const site of sites) {
      const node = regexFacts(site.pattern, site.caseless).node;
      if (node === null) continue;
      const found = findRedos(node);
      const first = found[0];
      if (!first) continue;
      const what = first.kind === 'adjacent' ? 'backtracks quadratically' : first.exponential ? 'can backtrack catastrophically' : 'backtracks needlessly';
      report({
        directive: site.directive,
        ...(site.arg !== undefined ? { arg: site.arg } : {}),
        message: `the ${site.where} regex "${site.pattern}" ${what} at ${first.sub}: ${first.detail}`,
        hint:
          first.kind === 'nested'
            ? 'remove the inner or the outer quantifier, or make what one repetition ends with exclude what it starts with'
            : first.kind === 'alternation'
              ? 'make the branches start with different bytes, or merge them into one class'
              : 'merge the adjacent quantifiers into one, or make their byte sets disjoint',
      });
    }
  },
};
