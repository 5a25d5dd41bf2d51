/**
 * missing-resolver: a `*_pass` whose URL has variables names, at run time, a host that is neither
 * an upstream nor an IP address, and no `resolver` is in effect where it runs. nginx then fails
 * the request with 502 and logs "no resolver defined to resolve NAME" (ngx_http_upstream_init_request).
 */
import type { Rule } from '../../rule.js';
import { classifyHost, describeLevel, passHostValues, passTargets } from '../../facts/pass-targets.js';

export const missingResolver: Rule = {
  id: 'missing-resolver',
  category: 'upstreams',
  severity: 'error',
  summary: 'a *_pass with variables that needs a DNS lookup per request, without a resolver',
  explain:
    'When a proxy_pass (or fastcgi_pass, grpc_pass …) URL contains variables, nginx builds the URL for every ' +
    'request and looks its host up then: among the upstream blocks (a name without a port, compared without ' +
    'case) and the upstreams that literal *_pass lines created, else as an IP address, else through the ' +
    '`resolver` in effect at that level. /etc/hosts is not used and nothing is resolved at start-up. Without a ' +
    'resolver every such request fails with 502 and the error log says "no resolver defined to resolve NAME". ' +
    'This applies to a literal host name too once any variable appears in the URL (`http://api.internal$request_uri`). ' +
    'The rule follows map, set, geo and split_clients definitions of the host variable and stays silent when it ' +
    'can only hold upstream names or addresses, or when its values cannot be known (a regex capture, auth_request_set).',
  bad: `server {
    listen 127.0.0.1:8000;
    location / { proxy_pass http://backend.internal:8080$request_uri; }
}`,
  good: `server {
    listen 127.0.0.1:8000;
    resolver 127.0.0.1 valid=30s;
    location / { proxy_pass http://backend.internal:8080$request_uri; }
}`,
  check(model, report) {
    for (const t of passTargets(model)) {
      if (!t.variables) continue;
      if (t.level.conf.get('resolver') !== undefined) continue;
      const hv = passHostValues(model, t);
      const where = describeLevel(t.level);
      const names: string[] = [];
      let client = false;
      for (const h of hv.values) {
        const k = classifyHost(model, h, hv.defaultPort);
        if (k.kind === 'name' && !names.includes(k.host)) names.push(k.host);
        if (k.kind === 'client') client = true;
      }
      const hint = 'add `resolver ADDRESS;` at http, server or location level, or make the host an upstream block name or an IP address';
      if (names.length > 0) {
        const list = names.slice(0, 3).map((n) => `"${n}"`).join(', ') + (names.length > 3 ? ` and ${names.length - 3} more` : '');
        report({
          directive: t.directive,
          arg: 0,
          message:
            `${t.kind} in ${where} has variables, so nginx resolves ${list} per request, but no resolver is in effect there: ` +
            `requests get 502 ("no resolver defined to resolve ${names[0]}")`,
          hint,
        });
      } else if (client && hv.client !== null) {
        report({
          directive: t.directive,
          arg: 0,
          message:
            `the host of ${t.kind} in ${where} comes from $${hv.client}, which the client chooses, and no resolver is in effect there: ` +
            `every value that is not an upstream name or IP address gets 502 ("no resolver defined to resolve …")`,
          hint,
        });
      }
    }
  },
};
