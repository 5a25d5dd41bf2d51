/**
 * proxy-pass-slash-mismatch: a prefix location whose name and proxy_pass URI part disagree about the
 * trailing slash. nginx replaces the part of the URI that matched the location name with the URI
 * part of proxy_pass (ngx_http_proxy_create_request: uri part + r->uri after location.len), so
 * `location /summary { proxy_pass http://b/; }` sends `/summary/today` as `//today`, and
 * `location /api/ { proxy_pass http://b/v1; }` sends `/api/users` as `/v1users`.
 */
import { hasVariables } from '../../../config/variables.js';
import type { LintLevel } from '../../model.js';
import type { Rule } from '../../rule.js';

/** Whether the level (or an `if` in it) runs rewrites that may change the URI before proxy_pass. */
function rewrites(level: LintLevel): boolean {
  return level.conf.own('rewrite').length > 0 || level.children.some((c) => c.kind === 'if' && rewrites(c));
}

/** Whether `uri` is served by `level` itself (not by a nested location, not by auto-redirect). */
function servedBy(model: Parameters<Rule['check']>[0], level: LintLevel, uri: string): boolean {
  const r = model.route(level.server!, uri);
  return r.level === level && r.match.reason !== 'auto-redirect';
}

export const proxyPassSlashMismatch: Rule = {
  id: 'proxy-pass-slash-mismatch',
  category: 'routing',
  severity: 'warning',
  summary: 'location name and proxy_pass URI disagree on the trailing slash: the upstream gets // or glued paths',
  explain:
    'When proxy_pass has a URI part (anything after the host, even a lone `/`), nginx replaces the part of ' +
    'the request URI that matched the location name with it. If the name ends with `/` and the URI part does ' +
    'not, the rest is glued on: `location /api/ { proxy_pass http://b/v1; }` sends /api/users as /v1users. ' +
    'If the URI part ends with `/` and the name does not, the slash doubles: `location /summary { proxy_pass ' +
    'http://b/; }` sends /summary/today as //today. End both with `/`, or neither, or drop the URI part to ' +
    'pass the URI unchanged.',
  bad: `upstream b { server 127.0.0.1:8080; }
server {
    listen 127.0.0.1:8000;
    location /summary { proxy_pass http://b/; }
}`,
  good: `upstream b { server 127.0.0.1:8080; }
server {
    listen 127.0.0.1:8000;
    location /summary/ { proxy_pass http://b/; }
}`,
  check(model, report) {
    for (const level of model.levels) {
      if (level.kind !== 'location' || level.server === null || level.location === null) continue;
      const { modifier, name } = level.location;
      if (modifier !== '' && modifier !== '^~') continue;
      const d = level.conf.ownFirst('proxy_pass');
      if (d === undefined || hasVariables(d.args[0]?.value ?? '')) continue;
      const pass = model.locConf(level)?.proxy.pass ?? null;
      if (pass === null || pass.uri === null || pass.location !== name) continue;
      // After `rewrite … break` nginx sends the URI part plus the whole rewritten URI instead.
      if (rewrites(level)) continue;
      const uriPart = pass.uri;
      if (uriPart.includes('?')) continue;
      const nameSlash = name.endsWith('/');
      const partSlash = uriPart.endsWith('/');
      if (nameSlash === partSlash) continue;
      // A URI this location really serves, to show what the upstream receives.
      const suffixes = nameSlash ? ['users', 'page', 'x'] : ['/today', '/page', '/x', '/a/b'];
      const example = suffixes.map((s) => name + s).find((u) => servedBy(model, level, u));
      if (example === undefined) continue;
      const upstream = uriPart + example.slice(name.length);
      const label = `location ${modifier ? modifier + ' ' : ''}${name}`;
      report({
        directive: d,
        arg: 0,
        message:
          `${label} sends ${example} upstream as ${upstream}: nginx replaces the matched "${name}" with ` +
          `the proxy_pass URI "${uriPart}", and ${nameSlash ? 'the location ends with "/" but the URI does not' : 'the URI ends with "/" but the location does not'}`,
        hint: nameSlash
          ? `end the proxy_pass URI with "/" too (${d.args[0]!.value}/)`
          : `end the location with "/" too (location ${modifier ? modifier + ' ' : ''}${name}/), or drop the trailing "/" of the proxy_pass URI`,
      });
    }
  },
};
