/**
 * unused-zone: a limit_req_zone or limit_conn_zone that no limit_req / limit_conn uses. nginx
 * refuses a limit_req naming an unknown zone, but allocates and keeps a zone nothing limits with,
 * which usually means the limit the zone was made for was forgotten or misspelt elsewhere.
 */
import type { Directive } from '../../../config/ast.js';
import { zoneParam } from '../../../config/modules/ngx_http_limit_req_module.js';
import type { Rule } from '../../rule.js';

export const unusedZone: Rule = {
  id: 'unused-zone',
  category: 'limits',
  severity: 'warning',
  summary: 'a limit_req_zone or limit_conn_zone that no limit_req / limit_conn uses',
  explain:
    'A limit_req_zone or limit_conn_zone only defines shared memory and a key; nothing is limited until a ' +
    'limit_req zone=NAME or limit_conn NAME line at http, server or location level uses it. nginx refuses a limit ' +
    'naming a zone that does not exist, but says nothing about a zone that no limit uses, so a rate limit that was ' +
    'meant to protect a login or an API is silently absent. A limit_req line only uses limit_req_zone zones, and a ' +
    'limit_conn line only limit_conn_zone zones.',
  bad: `limit_req_zone $binary_remote_addr zone=login:10m rate=5r/m;
server {
    listen 127.0.0.1:8000;
    location /login { proxy_pass http://127.0.0.1:8080; }
}`,
  good: `limit_req_zone $binary_remote_addr zone=login:10m rate=5r/m;
server {
    listen 127.0.0.1:8000;
    location /login {
        limit_req zone=login burst=5;
        proxy_pass http://127.0.0.1:8080;
    }
}`,
  check(model, report) {
    const http = model.http;
    if (!http) return;
    const usedReq = new Set<string>();
    for (const { directive } of model.directives('limit_req')) {
      for (const a of directive.args) if (a.value.startsWith('zone=')) usedReq.add(a.value.slice(5));
    }
    const usedConn = new Set<string>();
    for (const { directive } of model.directives('limit_conn')) {
      const z = directive.args[0]?.value;
      if (z !== undefined) usedConn.add(z);
    }
    const check = (d: Directive, used: ReadonlySet<string>, user: string): void => {
      const i = d.args.findIndex((a) => a.value.startsWith('zone='));
      if (i < 0) return;
      const zone = zoneParam(d.args[i]!.value);
      if (typeof zone === 'string') return;
      const name = zone.name;
      if (used.has(name)) return;
      report({
        directive: d,
        arg: i,
        message: `${d.name} zone "${name}" is not used by any ${user}: nothing is limited with it`,
        hint: user === 'limit_req' ? `add \`limit_req zone=${name};\` where the limit is meant to apply, or remove the zone` : `add \`limit_conn ${name} N;\` where the limit is meant to apply, or remove the zone`,
      });
    };
    for (const d of http.conf.own('limit_req_zone')) check(d, usedReq, 'limit_req');
    for (const d of http.conf.own('limit_conn_zone')) check(d, usedConn, 'limit_conn');
  },
};
