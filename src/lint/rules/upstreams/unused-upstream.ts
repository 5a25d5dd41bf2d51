/**
 * unused-upstream: an `upstream` block that no `*_pass` names. nginx accepts it silently, and with
 * it usually a typo in the proxy_pass that was meant to use it (that one then goes to a host name).
 */
import type { Rule } from '../../rule.js';
import { passTargets } from '../../facts/pass-targets.js';

export const unusedUpstream: Rule = {
  id: 'unused-upstream',
  category: 'upstreams',
  severity: 'warning',
  summary: 'an upstream block that no proxy_pass (or other *_pass) uses',
  explain:
    'nginx accepts upstream blocks that nothing refers to. Usually the proxy_pass meant to use one has a typo, ' +
    'and nginx resolves the misspelt name as a host instead (or refuses to start when DNS cannot). A *_pass ' +
    'whose address has variables may name any upstream at run time: an upstream is then counted as used when ' +
    'its name appears as a value anywhere in the configuration (a map or set value, for instance).',
  bad: `upstream app_v2 { server 127.0.0.1:8081; }
upstream app { server 127.0.0.1:8080; }
server { location / { proxy_pass http://app; } }`,
  good: `upstream app { server 127.0.0.1:8080; }
server { location / { proxy_pass http://app; } }`,
  check(model, report) {
    const targets = passTargets(model);
    const used = new Set(targets.map((t) => t.upstream).filter((u): u is string => u !== null));
    const dynamic = targets.some((t) => t.variables);
    let literals: Set<string> | null = null;
    for (const [name, d] of model.upstreams) {
      if (used.has(name)) continue;
      if (dynamic) {
        literals ??= literalWords(model, new Set(model.upstreams.values()));
        if (literals.has(name)) continue;
      }
      report({
        directive: d,
        arg: 0,
        message: `upstream "${d.args[0]?.value}" is not used by any proxy_pass`,
        hint: dynamic ? 'no *_pass names it, and no value in the configuration spells its name' : 'remove it, or point the proxy_pass that was meant to use it at it',
      });
    }
  },
};

/** Every argument word of the configuration outside upstream blocks, lower-cased. */
function literalWords(model: import('../../model.js').LintModel, skip: ReadonlySet<unknown>): Set<string> {
  const words = new Set<string>();
  const visit = (statements: readonly import('../../../config/ast.js').Statement[]): void => {
    for (const s of statements) {
      if (s.kind !== 'directive' || skip.has(s)) continue;
      words.add(s.name.toLowerCase());
      for (const a of s.args) for (const w of a.value.toLowerCase().split(/[\s/:]+/)) words.add(w);
      if (s.block) visit(s.block);
    }
  };
  for (const f of model.checked.files) visit(f.statements);
  return words;
}
