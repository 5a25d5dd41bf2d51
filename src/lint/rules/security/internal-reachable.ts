/**
 * internal-reachable: the location an auth_request subrequest (or an error_page that proxies or
 * returns) goes to is not `internal`, so clients can request it directly. The location is found
 * with nginx's own lookup on the same server, as the subrequest and the error redirect find it.
 */
import type { Directive } from '../../../config/ast.js';
import type { AccessConf } from '../../../compile/access-conf.js';
import type { RewriteCode } from '../../../compile/rewrite-script.js';
import type { LintLevel, LintModel, LintServer } from '../../model.js';
import type { Rule } from '../../rule.js';
import { PASS_DIRECTIVES, describeLevel } from '../../facts/pass-targets.js';

/** Whether the access rules refuse every client no rule allows (some allowed ranges, deny for the rest). */
function denyRest(access: AccessConf | null): boolean {
  if (!access) return false;
  const fams = [access.inet, access.inet6, access.unix];
  return fams.every((list) => {
    const first = list.find((r) => r.range === null || r.range[1] === 0);
    return first !== undefined && first.deny;
  });
}

/** Whether a rewrite script answers with `return` (in the rewrite phase, before access checks). */
function returns(codes: readonly RewriteCode[] | null): boolean {
  return (codes ?? []).some((c) => c.op === 'return' || (c.op === 'if' && returns(c.codes)));
}

/** Whether clients cannot use the location directly. */
function closed(model: LintModel, level: LintLevel): boolean {
  const compiled = model.compiledLocation(level);
  if (!compiled) return true;
  if (compiled.internal) return true;
  // `return` answers in the rewrite phase: allow/deny, auth_basic and auth_request never run.
  if (compiled.ret !== null || returns(compiled.rewrite)) return false;
  const conf = compiled.conf;
  return denyRest(conf.access) || conf.authBasic !== null || conf.authRequest !== null;
}

/** What a location does, when it is more than serving files: proxies or answers with return. */
function active(model: LintModel, level: LintLevel): string | null {
  const compiled = model.compiledLocation(level);
  if (!compiled) return null;
  for (const name of PASS_DIRECTIVES) {
    const d = level.conf.ownFirst(name);
    if (d) return `${name} ${d.args[0]?.value ?? ''}`;
  }
  if (compiled.ret) return `return ${compiled.ret.code}`;
  return null;
}

function serversOf(model: LintModel, level: LintLevel): readonly LintServer[] {
  return level.server ? [level.server] : model.servers;
}

function stripArgs(uri: string): string {
  const q = uri.indexOf('?');
  return q >= 0 ? uri.slice(0, q) : uri;
}

export const internalReachable: Rule = {
  id: 'internal-reachable',
  category: 'security',
  severity: 'warning',
  summary: 'the location an auth_request (or a proxying error_page) goes to is not internal: clients can call it',
  explain:
    'auth_request URI makes a subrequest that nginx routes like any request of the same server, and error_page ' +
    'redirects internally the same way. The location that answers is meant for nginx only, but unless it is ' +
    'marked "internal" clients can request it directly: the auth endpoint is exposed (a client can probe it, ' +
    'replay tokens against it, or see it answer 2xx), and an error handler that proxies or returns can be called ' +
    'at will. Subrequests skip the access phase, so "allow 127.0.0.1; deny all;" on the location also keeps ' +
    'clients out and is accepted, and so are auth_basic and auth_request on it, unless the location answers ' +
    'with return, which runs in the rewrite phase before any of them. Named locations (@name) cannot be ' +
    'requested by clients. For error_page only a target location made for that URI (location = /uri) that proxies ' +
    'or returns is reported: error pages served from files (location = /50x.html { root html; }) and general ' +
    'locations reused as error pages (error_page 404 /index.php) are public on purpose.',
  bad: `server {
    listen 127.0.0.1:8080;
    location /api/ {
        auth_request /auth;
        proxy_pass http://127.0.0.1:9000;
    }
    location = /auth { proxy_pass http://127.0.0.1:9001/verify; }
}`,
  good: `server {
    listen 127.0.0.1:8080;
    location /api/ {
        auth_request /auth;
        proxy_pass http://127.0.0.1:9000;
    }
    location = /auth {
        internal;
        proxy_pass http://127.0.0.1:9001/verify;
    }
}`,
  check(model, report) {
    const reported = new Set<Directive>();
    for (const { directive, level } of model.directives('auth_request')) {
      const value = directive.args[0]?.value ?? '';
      if (value === 'off' || !value.startsWith('/')) continue;
      const uri = stripArgs(value);
      for (const server of serversOf(model, level)) {
        const target = model.route(server, uri).level;
        if (!target || closed(model, target) || reported.has(directive)) continue;
        reported.add(directive);
        const what = active(model, target);
        const conf = model.compiledLocation(target)?.conf;
        const bypass = conf && (conf.access !== null || conf.authBasic !== null) && what?.startsWith('return') ? '; return answers before its access checks run' : '';
        report({
          directive,
          arg: 0,
          message: `auth_request ${value} is answered by ${describeLevel(target)}, which is not internal: clients can request ${uri} directly${what ? ` (it runs ${what}${bypass})` : ''}`,
          hint: `add "internal;" to ${describeLevel(target)}`,
        });
      }
    }
    for (const { directive, level } of model.directives('error_page')) {
      const value = directive.args[directive.args.length - 1]?.value ?? '';
      if (!value.startsWith('/') || value.includes('$')) continue;
      const uri = stripArgs(value);
      for (const server of serversOf(model, level)) {
        const target = model.route(server, uri).level;
        if (!target || closed(model, target) || reported.has(directive)) continue;
        // Only a location made for that one URI is an error handler; a general one (location /,
        // location ~ \.php$ for error_page 404 /index.php) is public on purpose.
        if (target.location?.modifier !== '=') continue;
        const what = active(model, target);
        if (!what) continue;
        reported.add(directive);
        report({
          directive,
          arg: directive.args.length - 1,
          message: `error_page target ${uri} is ${describeLevel(target)}, which runs ${what} and is not internal: clients can request ${uri} directly`,
          hint: `add "internal;" to ${describeLevel(target)}`,
        });
      }
    }
  },
};
