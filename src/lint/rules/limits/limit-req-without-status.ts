/**
 * limit-req-without-status: limit_req in effect where no limit_req_status is: requests over the
 * limit get nginx's default 503 Service Temporarily Unavailable, which clients, load balancers and
 * monitors read as an outage, instead of 429 Too Many Requests.
 */
import type { Directive } from '../../../config/ast.js';
import { compilePcre } from '../../../config/regex.js';
import type { LintLevel } from '../../model.js';
import type { Rule } from '../../rule.js';
import { describeLevel } from '../../facts/pass-targets.js';

export const limitReqWithoutStatus: Rule = {
  id: 'limit-req-without-status',
  category: 'limits',
  severity: 'info',
  summary: 'limit_req without limit_req_status: rejected requests get 503 instead of 429',
  explain:
    'Requests that limit_req rejects get the status of limit_req_status, 503 (Service Temporarily Unavailable) by ' +
    'default. Clients and monitors take a 503 for an outage of the service, retry logic treats it as a server ' +
    'fault, and the real reason (the client is sending too fast) is lost; 429 Too Many Requests says what happened. ' +
    'limit_req lines are inherited by levels without their own, and limit_req_status is inherited separately: the ' +
    'rule reports a limit_req line when some server or location where it is in effect has no limit_req_status ' +
    '(levels with limit_req_dry_run on reject nothing and are left out).',
  bad: `limit_req_zone $binary_remote_addr zone=api:10m rate=10r/s;
server {
    listen 127.0.0.1:8000;
    location /api/ {
        limit_req zone=api burst=20 nodelay;
        proxy_pass http://127.0.0.1:8080;
    }
}`,
  good: `limit_req_zone $binary_remote_addr zone=api:10m rate=10r/s;
server {
    listen 127.0.0.1:8000;
    location /api/ {
        limit_req zone=api burst=20 nodelay;
        limit_req_status 429;
        proxy_pass http://127.0.0.1:8080;
    }
}`,
  check(model, report) {
    for (const level of model.levels) {
      const own = level.conf.own('limit_req');
      if (own.length === 0) continue;
      const at = firstRejectingWithoutStatus(level, own[0]!);
      if (at === null) continue;
      const zones = own.map((d) => d.args.find((a) => a.value.startsWith('zone='))?.value.slice(5) ?? '?');
      const where = at === level ? describeLevel(level) : `${describeLevel(at)} (which inherits it)`;
      const status = at.conf.value('limit_req_status');
      report({
        directive: own[0]!,
        arg: 0,
        message:
          `limit_req zone${zones.length > 1 ? 's' : ''} ${zones.map((z) => `"${z}"`).join(', ')} reject${zones.length > 1 ? '' : 's'} with ` +
          `${status ?? '503'} in ${where}: no limit_req_status is in effect there, so clients and monitors see "503 Service ` +
          `Temporarily Unavailable" (an outage) instead of 429 Too Many Requests`,
        hint: `add \`limit_req_status 429;\` next to it (or at server/http level)`,
      });
    }
  },
};

/**
 * The first server or location level where the limit_req lines of `level` are in effect (not
 * replaced by the level's own limit_req lines), reject requests, and no limit_req_status applies.
 */
function firstRejectingWithoutStatus(level: LintLevel, line: Directive): LintLevel | null {
  const visit = (l: LintLevel): LintLevel | null => {
    if (l !== level && l.conf.own('limit_req').length > 0) return null;
    if (l.conf.inherited('limit_req')[0] !== line) return null;
    // A server whose own rewrite phase answers every request (`return 301 https://…`) never
    // reaches limit_req; a location that does so does not, but its nested locations may.
    const leaves = (l.kind === 'server' || l.kind === 'location') && leavesAtRewrite(l);
    if (leaves && l.kind === 'server') return null;
    if (!leaves && ((l.kind === 'server' && !allUrisInLocations(l)) || l.kind === 'location')) {
      if (l.conf.value('limit_req_status') === undefined && l.conf.value('limit_req_dry_run') !== 'on') return l;
    }
    for (const c of l.children) {
      const hit = visit(c);
      if (hit !== null) return hit;
    }
    return null;
  };
  return visit(level);
}

/**
 * Whether the level's own rewrite directives end every request before the preaccess phase where
 * limit_req runs: a `return`, or a redirecting `rewrite` whose regex matches any URI.
 */
function leavesAtRewrite(level: LintLevel): boolean {
  if (level.conf.own('return').length > 0) return true;
  return level.conf.own('rewrite').some((d) => {
    const flag = d.args[2]?.value;
    const to = d.args[1]?.value ?? '';
    if (flag !== 'redirect' && flag !== 'permanent' && !/^(https?:\/\/|\$scheme:\/\/)/.test(to)) return false;
    const r = compilePcre(d.args[0]?.value ?? '', false);
    return r.ok && ['/', '/a/b.c', '/index.php'].every((u) => {
      r.re.lastIndex = 0;
      return r.re.test(u);
    });
  });
}

/** Whether every URI of a server matches one of its locations (it has `location /`). */
function allUrisInLocations(server: LintLevel): boolean {
  return server.children.some((c) => c.kind === 'location' && c.location !== null && (c.location.modifier === '' || c.location.modifier === '^~') && c.location.name === '/');
}
