/**
 * allow-without-deny: an allow/deny list with allow rules that does not end by refusing everyone
 * else, so the allow rules restrict nothing: the access module lets through every client that no
 * rule matches. The list is inherited whole from the nearest level that has any, so it is checked
 * where it is written.
 */
import type { Directive } from '../../../config/ast.js';
import { compileAccessConf, type AccessRule } from '../../../compile/access-conf.js';
import type { LintLevel, LintModel } from '../../model.js';
import type { Rule } from '../../rule.js';
import { describeLevel } from '../../facts/pass-targets.js';

type Family = 'inet' | 'inet6' | 'unix';

const FAMILY_WORDS: Readonly<Record<Family, string>> = { inet: 'IPv4 clients', inet6: 'IPv6 clients', unix: 'clients on unix sockets' };

/** The address families clients can reach the level's servers with. */
function families(model: LintModel, level: LintLevel): Set<Family> {
  const out = new Set<Family>();
  const servers = level.server ? [level.server] : model.servers;
  for (const s of servers) for (const l of s.compiled.listens) out.add(l.family);
  return out;
}

function catchAll(r: AccessRule): boolean {
  return r.range === null || r.range[1] === 0;
}

/** `satisfy any` with another check: clients no rule allows must still pass that check. */
function otherCheck(level: LintLevel): boolean {
  if (level.conf.value('satisfy') !== 'any') return false;
  const basic = level.conf.value('auth_basic');
  const request = level.conf.value('auth_request');
  return (basic !== undefined && basic !== 'off') || (request !== undefined && request !== 'off');
}

export const allowWithoutDeny: Rule = {
  id: 'allow-without-deny',
  category: 'security',
  severity: 'warning',
  summary: 'allow rules without a final "deny all": every other client is allowed too',
  explain:
    'The access module checks allow and deny rules in order and stops at the first that matches; a client that ' +
    'no rule matches is let through. "allow 10.0.0.0/8;" alone therefore allows everybody, and a list such as ' +
    '"allow 10.0.0.0/8; deny 0.0.0.0/0;" still lets IPv6 clients in when the server listens on IPv6. The list must end ' +
    'with "deny all". The rules are inherited whole from the nearest level that has any, so the rule reports the ' +
    'level where the list is written. Not reported: a list that ends with an explicit "allow all", and "satisfy any" ' +
    'with auth_basic or auth_request, where the clients no rule allows must authenticate instead.',
  bad: `server {
    listen 127.0.0.1:8080;
    location /admin/ { allow 10.0.0.0/8; }
}`,
  good: `server {
    listen 127.0.0.1:8080;
    location /admin/ { allow 10.0.0.0/8; deny all; }
}`,
  check(model, report) {
    for (const level of model.levels) {
      const rules = level.conf.directives.filter((d) => d.name === 'allow' || d.name === 'deny');
      if (!rules.some((d) => d.name === 'allow')) continue;
      if (otherCheck(level)) continue;
      const conf = compileAccessConf(level.conf);
      if (!conf) continue;
      const open: Family[] = [];
      for (const f of families(model, level)) {
        // The first rule that matches everyone decides for all clients no earlier rule matched:
        // `deny all` closes the list, an explicit `allow all` opens it on purpose.
        if (conf[f].some(catchAll)) continue;
        open.push(f);
      }
      if (open.length === 0) continue;
      const at: Directive = rules[rules.length - 1]!;
      const closed = [...families(model, level)].filter((f) => !open.includes(f));
      const who = closed.length > 0 ? `${open.map((f) => FAMILY_WORDS[f]).join(' and ')} match no rule and are allowed` : 'every client that no rule matches is allowed too';
      // A list above that does end with deny all: this one replaces it, it is not added to it.
      let above: LintLevel | null = level.parent;
      while (above && !above.conf.directives.some((d) => d.name === 'allow' || d.name === 'deny')) above = above.parent;
      const replaces = above && above.conf.directives.some((d) => d.name === 'deny' && d.args[0]?.value === 'all') ? ` (this list replaces the one of ${describeLevel(above)}, which is not inherited any more)` : '';
      report({
        directive: at,
        message: `the allow/deny list of ${describeLevel(level)} does not end with "deny all": ${who}${replaces}`,
        hint: 'end the list with: deny all;',
      });
    }
  },
};
