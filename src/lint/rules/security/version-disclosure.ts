/**
 * version-disclosure: `server_tokens on` (or `build`) written explicitly: every response's Server
 * header and error pages name the nginx version.
 */
import type { Rule } from '../../rule.js';

export const versionDisclosure: Rule = {
  id: 'version-disclosure',
  category: 'security',
  severity: 'info',
  summary: 'server_tokens on: the Server header and error pages show the nginx version',
  explain:
    'With server_tokens on, every response carries "Server: nginx/1.22.1" and the built-in error pages end with ' +
    'the version, which tells an attacker which published vulnerabilities apply. nginx\'s default is also on, ' +
    'but the rule reports only an explicit "server_tokens on" (or "build"): a configuration that omits the ' +
    'directive is not reported, because its authors may rely on a packaged default or a higher level they ' +
    'do not control. server_tokens off keeps "Server: nginx" without the version.',
  bad: `server_tokens on;
server { listen 127.0.0.1:8080; }`,
  good: `server_tokens off;
server { listen 127.0.0.1:8080; }`,
  check(model, report) {
    for (const { directive } of model.directives('server_tokens')) {
      const v = directive.args[0]?.value ?? '';
      if (v !== 'on' && v !== 'build') continue;
      report({
        directive,
        arg: 0,
        message: `server_tokens ${v}: the Server header and error pages tell clients the nginx version${v === 'build' ? ' and build' : ''}`,
        hint: 'server_tokens off;',
      });
    }
  },
};
