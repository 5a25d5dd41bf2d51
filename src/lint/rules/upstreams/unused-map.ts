/**
 * unused-map: a `map` whose output variable nothing reads. nginx accepts it (map variables are
 * evaluated lazily, so it costs nothing), but it usually means the directive that was meant to use
 * it names another variable, or the map was left behind.
 */
import type { Directive, Statement } from '../../../config/ast.js';
import { scanVariables } from '../../../config/variables.js';
import type { LintModel } from '../../model.js';
import type { Rule } from '../../rule.js';

export const unusedMap: Rule = {
  id: 'unused-map',
  category: 'upstreams',
  severity: 'warning',
  summary: 'a map whose variable is used nowhere',
  explain:
    'A map only defines a variable; nginx computes it when something reads it. A map whose variable appears in ' +
    'no directive (proxy_pass, proxy_set_header, if, set, return, log_format, another map, an upstream hash …) does ' +
    'nothing, which usually means the directive meant to use it names a different variable (a typo falls back to an ' +
    'unrelated or empty value), or that the map was left behind after a change. SSI pages can read any variable by ' +
    'name, so the rule stays silent when `ssi on` appears anywhere.',
  bad: `map $http_upgrade $connection_upgrade {
    default upgrade;
    ''      close;
}
server {
    listen 127.0.0.1:8000;
    location / {
        proxy_pass http://127.0.0.1:8080;
        proxy_http_version 1.1;
        proxy_set_header Upgrade $http_upgrade;
        proxy_set_header Connection $http_connection;
    }
}`,
  good: `map $http_upgrade $connection_upgrade {
    default upgrade;
    ''      close;
}
server {
    listen 127.0.0.1:8000;
    location / {
        proxy_pass http://127.0.0.1:8080;
        proxy_http_version 1.1;
        proxy_set_header Upgrade $http_upgrade;
        proxy_set_header Connection $connection_upgrade;
    }
}`,
  check(model, report) {
    const http = model.http;
    if (!http) return;
    // Server-side includes read variables by name (<!--# echo var="name" -->).
    for (const { directive } of model.directives('ssi')) if (directive.args[0]?.value === 'on') return;
    const inUpstreams = upstreamBlockVariables(model);
    const maps = http.conf.own('map').map((d) => {
      const name = (d.args[1]?.value ?? '').replace(/^\$/, '');
      return { d, name, key: name.toLowerCase(), lines: blockLines(model, d) };
    });
    // A map read only by maps that are themselves unused is unused too: repeat until stable.
    const unused = new Map<Directive, string[]>();
    const deadLines = new Set<Directive>();
    for (let changed = true; changed; ) {
      changed = false;
      for (const m of maps) {
        if (unused.has(m.d) || inUpstreams.has(m.key)) continue;
        const uses = (model.variableUses.get(m.key) ?? []).filter((u) => !m.lines.has(u.directive));
        if (!uses.every((u) => deadLines.has(u.directive))) continue;
        const via = [...new Set(uses.map((u) => maps.find((x) => x.d === u.directive || x.lines.has(u.directive))?.name ?? '?'))];
        unused.set(m.d, via);
        deadLines.add(m.d);
        for (const l of m.lines) deadLines.add(l);
        changed = true;
      }
    }
    for (const m of maps) {
      const via = unused.get(m.d);
      if (via === undefined) continue;
      report({
        directive: m.d,
        arg: 1,
        message:
          via.length === 0
            ? `the variable $${m.name} of this map is not used anywhere`
            : `the variable $${m.name} of this map is used only by the map${via.length > 1 ? 's' : ''} of ${via.map((v) => `$${v}`).join(', ')}, which nothing uses either`,
        hint: `use $${m.name} where it was meant to be used (check for a misspelt variable name), or remove the map`,
      });
    }
  },
};

/** The lines of a block directive, includes expanded. */
function blockLines(model: LintModel, block: Directive): Set<Directive> {
  const out = new Set<Directive>();
  const visit = (statements: readonly Statement[]): void => {
    for (const s of statements) {
      if (s.kind !== 'directive') continue;
      out.add(s);
      if (s.name === 'include') for (const f of model.checked.includes.get(s) ?? []) visit(f.statements);
      if (s.block) visit(s.block);
    }
  };
  visit(block.block ?? []);
  return out;
}

/** Variables read inside upstream blocks (`hash $var`), which the model does not see as levels. */
function upstreamBlockVariables(model: LintModel): Set<string> {
  const out = new Set<string>();
  const visit = (statements: readonly Statement[]): void => {
    for (const s of statements) {
      if (s.kind !== 'directive') continue;
      for (const a of s.args) for (const r of scanVariables(a.value).refs) if (!r.capture) out.add(r.name.toLowerCase());
      if (s.name === 'include') for (const f of model.checked.includes.get(s) ?? []) visit(f.statements);
      if (s.block) visit(s.block);
    }
  };
  for (const d of model.upstreams.values()) visit(d.block ?? []);
  return out;
}
