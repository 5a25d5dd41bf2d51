/**
 * ssrf: a `*_pass` whose host part comes from the client. With variables in the URL nginx
 * evaluates it per request and connects wherever it says (an upstream of that name, an address,
 * or a name it resolves), so a client that picks the host makes nginx fetch internal services or
 * cloud metadata for it.
 */
import type { Rule } from '../../rule.js';
import { PASS_DIRECTIVES } from '../../facts/pass-targets.js';
import { VariableFacts, clientReachable } from '../../facts/variables.js';
import { scanVariables } from '../../../config/variables.js';

/**
 * The host part of a pass URL as written: from after `scheme://` (a literal one, or a variable
 * followed by `://`) to the first literal `/` or `?`. Variables in it are part of the host.
 */
export function hostPart(value: string): { readonly start: number; readonly end: number } {
  const refs = scanVariables(value).refs;
  const inRef = (i: number): boolean => refs.some((r) => i >= r.offset && i < r.end);
  let start = 0;
  const scheme = value.indexOf('://');
  if (scheme >= 0 && !inRef(scheme)) start = scheme + 3;
  let end = value.length;
  if (!value.slice(start).toLowerCase().startsWith('unix:')) {
    for (let i = start; i < value.length; i++) {
      if ((value[i] === '/' || value[i] === '?') && !inRef(i)) {
        end = i;
        break;
      }
    }
  }
  // A variable that always starts with `/` begins the URI part.
  for (const r of refs) if (!r.capture && r.offset >= start && r.offset < end && PATH_VARIABLES.has(r.name.toLowerCase())) end = r.offset;
  return { start, end };
}

const PATH_VARIABLES = new Set(['request_uri', 'uri', 'document_uri', 'fastcgi_script_name', 'request_filename']);

export const ssrf: Rule = {
  id: 'ssrf',
  category: 'security',
  severity: 'error',
  summary: 'proxy_pass (or another *_pass) whose host comes from the client',
  explain:
    'With variables in its URL, proxy_pass (and fastcgi_pass, uwsgi_pass, scgi_pass, grpc_pass, memcached_pass) ' +
    'is evaluated per request, and nginx connects to whatever host the value names. When the host part comes ' +
    'from the client (a request header $http_*, a query argument $arg_* or $args, a cookie, the request ' +
    'URI, a regex capture over the path, $host in a server that any Host reaches as the default server of its ' +
    'address, or a set/map value fed by one of those), a client can make nginx fetch internal services or ' +
    'cloud metadata (http://169.254.169.254/) on its behalf. Maps whose values are all literals, captures ' +
    'limited to fixed alternatives such as (api|www), and locations clients cannot reach (internal) are not ' +
    'reported. Only the host part counts: a variable after the first literal "/" cannot change the host.',
  bad: `server {
    listen 127.0.0.1:8080;
    location /fetch { proxy_pass http://$arg_host; }
}`,
  good: `map $arg_backend $backend {
    default app;
    beta    app_beta;
}
upstream app { server 127.0.0.1:9000; }
upstream app_beta { server 127.0.0.1:9001; }
server {
    listen 127.0.0.1:8080;
    location /fetch { proxy_pass http://$backend; }
}`,
  check(model, report) {
    const facts = VariableFacts.of(model);
    for (const name of PASS_DIRECTIVES) {
      for (const { directive, level } of model.directives(name)) {
        const value = directive.args[0]?.value ?? '';
        if (!value.includes('$')) continue;
        if (!clientReachable(model, level)) continue;
        const { start, end } = hostPart(value);
        const host = value.slice(start, end);
        const refs = facts.script(host, [level], 'client');
        if (refs.length === 0) continue;
        const first = refs[0]!;
        report({
          directive,
          arg: 0,
          message: `${name} takes its host from ${first.why}: a client can send nginx to any server (e.g. 169.254.169.254 or an internal service)`,
          hint: 'map the client value to a fixed list of upstreams (map $arg_x $pool { default app; beta app_beta; }) or write the host literally',
        });
      }
    }
  },
};
