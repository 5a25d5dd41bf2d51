/**
 * proxy-set-header-redefinition: a level with proxy_set_header of its own under a level that has
 * proxy_set_header, where a proxy_pass uses the level's list. nginx inherits proxy_set_header as a
 * whole array (ngx_http_proxy_merge_loc_conf): the enclosing level's headers are not sent upstream.
 */
import type { LintLevel } from '../../model.js';
import type { Rule } from '../../rule.js';
import { describeLevel, droppedEntries, enclosingWith, quoteList } from './add-header-redefinition.js';

/** Whether a proxy_pass runs with this level's proxy_set_header list (its own, or below it). */
function proxiesWith(level: LintLevel): boolean {
  if (level.conf.own('proxy_pass').length > 0) return true;
  return level.children.some((c) => c.conf.own('proxy_set_header').length === 0 && proxiesWith(c));
}

export const proxySetHeaderRedefinition: Rule = {
  id: 'proxy-set-header-redefinition',
  category: 'headers',
  severity: 'warning',
  summary: 'proxy_set_header at a level drops every proxy_set_header of the levels around it',
  explain:
    'nginx inherits proxy_set_header as a whole list: a server or location that has even one proxy_set_header ' +
    'of its own gets none of the proxy_set_header lines of the levels around it. A location that adds, say, ' +
    'Upgrade and Connection for WebSockets therefore stops sending the Host, X-Real-IP or X-Forwarded-For ' +
    'set at the server level: the upstream sees Host: $proxy_host (the upstream name) and no client address. ' +
    'Repeat the lines that must stay, or keep them in one file that each such level includes.',
  bad: `upstream app { server 127.0.0.1:8080; }
server {
    listen 127.0.0.1:8000;
    proxy_set_header Host $host;
    proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
    location /ws/ {
        proxy_set_header Upgrade $http_upgrade;
        proxy_pass http://app;
    }
}`,
  good: `upstream app { server 127.0.0.1:8080; }
server {
    listen 127.0.0.1:8000;
    proxy_set_header Host $host;
    proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
    location /ws/ {
        proxy_set_header Host $host;
        proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
        proxy_set_header Upgrade $http_upgrade;
        proxy_pass http://app;
    }
}`,
  check(model, report) {
    for (const level of model.levels) {
      if (level.kind !== 'server' && level.kind !== 'location' && level.kind !== 'limit_except') continue;
      const own = level.conf.own('proxy_set_header');
      if (own.length === 0) continue;
      const parent = enclosingWith(level, 'proxy_set_header');
      if (parent === null || !proxiesWith(level)) continue;
      const dropped = droppedEntries(own, parent.conf.own('proxy_set_header'));
      if (dropped.length === 0) continue;
      const names = dropped.map((d) => d.args[0]?.value ?? '');
      const host = names.some((n) => n.toLowerCase() === 'host') ? ' (Host falls back to $proxy_host)' : '';
      report({
        directive: own[0]!,
        message:
          `proxy_set_header here replaces the inherited list: ${quoteList(names)} from ${describeLevel(parent)} ` +
          `(line ${dropped[0]!.nameSpan.start.line}) ${names.length === 1 ? 'is' : 'are'} not sent upstream by ${describeLevel(level)}${host}`,
        hint: `repeat ${names.length === 1 ? 'that proxy_set_header' : 'those proxy_set_header lines'} here, or put all of them in an include file used at every level`,
      });
    }
  },
};
