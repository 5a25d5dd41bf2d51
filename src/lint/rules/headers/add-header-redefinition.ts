/**
 * add-header-redefinition: a level with add_header of its own under a level that has add_header.
 * nginx inherits add_header as a whole array: a level that sets any add_header gets none of its
 * parent's, so the parent's headers silently vanish there (ngx_http_headers_merge_conf).
 */
import type { Directive } from '../../../config/ast.js';
import type { LintLevel, LintModel } from '../../model.js';
import type { Rule } from '../../rule.js';

/** How a level is named in messages: `server level`, `location /api/`, `if block`. */
export function describeLevel(level: LintLevel): string {
  switch (level.kind) {
    case 'location': {
      const loc = level.location!;
      return `location ${loc.modifier && loc.modifier !== '@' ? loc.modifier + ' ' : ''}${loc.name}`;
    }
    case 'if':
      return `the if block`;
    default:
      return `the ${level.kind} level`;
  }
}

/** The nearest enclosing level that has `name` directives of its own, or null. */
export function enclosingWith(level: LintLevel, name: string): LintLevel | null {
  for (let p = level.parent; p; p = p.parent) if (p.conf.own(name).length > 0) return p;
  return null;
}

/**
 * The directives of the enclosing level's list whose first argument (a header name, compared
 * without case) the level's own list does not set: what the level loses.
 */
export function droppedEntries(own: readonly Directive[], parent: readonly Directive[], skip?: (d: Directive) => boolean): Directive[] {
  const names = new Set(own.map((d) => (d.args[0]?.value ?? '').toLowerCase()));
  const out: Directive[] = [];
  const seen = new Set<string>();
  for (const d of parent) {
    const key = (d.args[0]?.value ?? '').toLowerCase();
    if (names.has(key) || seen.has(key) || (skip && skip(d))) continue;
    seen.add(key);
    out.push(d);
  }
  return out;
}

export function quoteList(names: readonly string[]): string {
  const q = names.map((n) => `"${n}"`);
  return q.length <= 1 ? (q[0] ?? '') : `${q.slice(0, -1).join(', ')} and ${q[q.length - 1]}`;
}

/**
 * Whether the level's own list reaches any response: a location or `if` block serves with it; a
 * server level when a location below inherits it, or when some URI matches no location at all.
 */
export function listInUse(model: LintModel, level: LintLevel, name: string): boolean {
  if (level.kind === 'location' || level.kind === 'if' || level.kind === 'limit_except') return true;
  const inherits = (l: LintLevel): boolean => l.children.some((c) => c.conf.own(name).length === 0 && (c.kind === 'location' || c.kind === 'if' || inherits(c)));
  if (inherits(level)) return true;
  if (level.kind !== 'server' || level.server === null) return true;
  return model.route(level.server, '/').level === null;
}

export const addHeaderRedefinition: Rule = {
  id: 'add-header-redefinition',
  category: 'headers',
  severity: 'warning',
  summary: 'add_header at a level drops every add_header of the levels around it',
  explain:
    'nginx inherits add_header as a whole list: a server, location or `if` block that has even one add_header ' +
    'of its own gets none of the add_header lines of the levels around it. The headers set at the http or ' +
    'server level (security headers, typically) are then silently missing from every response of that ' +
    'level. Repeat the lines that must stay at every level that adds its own, or keep them in one file ' +
    'that each such level includes.',
  bad: `server {
    listen 127.0.0.1:8000;
    add_header X-Frame-Options DENY;
    location /static/ {
        add_header Cache-Control "max-age=3600";
    }
}`,
  good: `server {
    listen 127.0.0.1:8000;
    add_header X-Frame-Options DENY;
    location /static/ {
        add_header X-Frame-Options DENY;
        add_header Cache-Control "max-age=3600";
    }
}`,
  check(model, report) {
    for (const level of model.levels) {
      if (level.kind !== 'server' && level.kind !== 'location' && level.kind !== 'if') continue;
      const own = level.conf.own('add_header');
      if (own.length === 0) continue;
      const parent = enclosingWith(level, 'add_header');
      if (parent === null) continue;
      if (!listInUse(model, level, 'add_header')) continue;
      // A header with an empty value is never sent: losing it changes nothing.
      const dropped = droppedEntries(own, parent.conf.own('add_header'), (d) => (d.args[1]?.value ?? '') === '');
      if (dropped.length === 0) continue;
      const names = dropped.map((d) => d.args[0]?.value ?? '');
      const where = `${describeLevel(parent)} (line ${dropped[0]!.nameSpan.start.line})`;
      report({
        directive: own[0]!,
        message:
          `add_header here replaces the inherited list: ${quoteList(names)} from ${where} ` +
          `${names.length === 1 ? 'is' : 'are'} not sent by ${describeLevel(level)}`,
        hint: `repeat ${names.length === 1 ? 'that add_header' : 'those add_header lines'} here, or put all of them in an include file used at every level`,
      });
    }
  },
};
