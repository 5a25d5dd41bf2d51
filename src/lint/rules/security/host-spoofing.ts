/**
 * host-spoofing: the upstream receives the client's Host header as it came ($http_host), at a
 * location that proxies: proxy_set_header Host $http_host in force there (the list is inherited
 * whole from the nearest level that has any proxy_set_header).
 */
import type { Directive } from '../../../config/ast.js';
import type { Rule } from '../../rule.js';
import { describeLevel } from '../../facts/pass-targets.js';

export const hostSpoofing: Rule = {
  id: 'host-spoofing',
  category: 'security',
  severity: 'warning',
  summary: 'proxy_set_header Host $http_host: the upstream gets whatever Host the client sent',
  explain:
    '$http_host is the Host header exactly as the client sent it: any name, any port, or nothing at all ' +
    '(HTTP/1.0). Passed to the upstream as its Host (proxy_set_header Host $http_host), it lets an attacker ' +
    'choose the host the application builds absolute links, password-reset URLs and cache keys from, and reach ' +
    'virtual hosts nginx would not have served. $host is the name nginx matched the request with: validated, ' +
    'lower-cased, without the port, and the server_name when the client sent none. The rule looks at the ' +
    'proxy_set_header list in force where proxy_pass is (a location with its own proxy_set_header lines does ' +
    'not inherit the Host line from above).',
  bad: `server {
    listen 127.0.0.1:8080;
    proxy_set_header Host $http_host;
    location / { proxy_pass http://127.0.0.1:9000; }
}`,
  good: `server {
    listen 127.0.0.1:8080;
    proxy_set_header Host $host;
    location / { proxy_pass http://127.0.0.1:9000; }
}`,
  check(model, report) {
    const reported = new Set<Directive>();
    for (const { level } of model.directives('proxy_pass')) {
      for (const d of level.conf.inherited('proxy_set_header')) {
        if (reported.has(d)) continue;
        if ((d.args[0]?.value ?? '').toLowerCase() !== 'host') continue;
        if (!/\$(http_host\b|\{http_host\})/i.test(d.args[1]?.value ?? '')) continue;
        reported.add(d);
        report({
          directive: d,
          arg: 1,
          message: `the upstream of ${describeLevel(level)} gets the Host header the client chose ($http_host): any name, any port, or none`,
          hint: 'proxy_set_header Host $host;',
        });
      }
    }
  },
};
