/**
 * alias-traversal: a prefix location whose name does not end with `/` and whose alias does:
 * nginx replaces the location name with the alias, so `/img../secret` becomes
 * `/data/img/../secret`, which the file system resolves outside the aliased directory.
 */
import { posix } from 'node:path';
import type { Rule } from '../../rule.js';
import { clientReachable } from '../../facts/variables.js';
import { describeLevel } from '../../facts/pass-targets.js';

export const aliasTraversal: Rule = {
  id: 'alias-traversal',
  category: 'security',
  severity: 'error',
  summary: 'location without a trailing slash with an alias that has one: /img../ reads the parent directory',
  explain:
    'For a prefix location, alias replaces the part of the URI that the location name matched. When the name has ' +
    'no trailing slash but the alias has one (location /img { alias /data/img/; }), the request /img../secret ' +
    'matches the location (".." inside a path segment is not a dot segment, so nginx keeps it), becomes ' +
    '/data/img/../secret, and the file system serves /data/secret: everything next to the aliased directory is ' +
    'readable. The rule shows the request and the file it reads, after checking with nginx\'s location lookup ' +
    'that the request really reaches that location. Write both with a slash, or both without.',
  bad: `server {
    listen 127.0.0.1:8080;
    location /img { alias /data/img/; }
}`,
  good: `server {
    listen 127.0.0.1:8080;
    location /img/ { alias /data/img/; }
}`,
  check(model, report) {
    for (const { directive, level } of model.directives('alias')) {
      const loc = level.location;
      if (level.kind !== 'location' || !loc || (loc.modifier !== '' && loc.modifier !== '^~')) continue;
      if (loc.name.endsWith('/')) continue;
      const alias = directive.args[0]?.value ?? '';
      if (!alias.endsWith('/') || alias.includes('$')) continue;
      const compiled = model.compiledLocation(level);
      if (!compiled || compiled.ret !== null || compiled.conf.proxy.pass !== null) continue;
      if (!clientReachable(model, level) || !level.server) continue;
      const uri = `${loc.name}../secret`;
      if (model.route(level.server, uri).level !== level) continue;
      const file = posix.normalize(alias + '../secret');
      report({
        directive,
        arg: 0,
        message: `${describeLevel(level)} has no trailing slash but its alias ${alias} has one: GET ${uri} reads ${file}, outside ${alias}`,
        hint: `location ${loc.modifier ? loc.modifier + ' ' : ''}${loc.name}/ { alias ${alias}; }`,
      });
    }
  },
};
