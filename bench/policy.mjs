// Micro benchmark of the traffic policies on the request path: ns per request of the limit_req
// zone lookup and charge (src/runtime/http/limit-req.ts), limit_conn's charge and release, a `map`
// variable (exact, hostnames, regex keys; src/compile/map.ts) and the allow/deny check
// (src/runtime/http/access.ts). The configuration goes through the real front end and compiler;
// requests are parsed from bytes as ngts run does. Run after `npm run build`:
//   node bench/policy.mjs
// POLICY_MS (default 300) is the time measured per row; iterations are calibrated to fill it.
// Each iteration also resets the request (its variable cache, the limit status), as a new request
// starts empty: that reset alone is measured too and taken off every row.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkText } from '../dist/config/validate.js';
import { compileHttp } from '../dist/compile/servers.js';
import { findLocation } from '../dist/runtime/find-location.js';
import { findVirtualServer } from '../dist/runtime/find-virtual-server.js';
import { RequestParser } from '../dist/runtime/http/parse-request.js';
import { HttpRequest } from '../dist/runtime/http/request.js';
import { evaluate, getVariable, NOT_EVALUATED, resolveBuiltin } from '../dist/runtime/http/variables.js';
import { limitReqHandler, LimitReqZoneState } from '../dist/runtime/http/limit-req.js';
import { limitConnHandler, LimitConnZoneState } from '../dist/runtime/http/limit-conn.js';
import { accessHandler } from '../dist/runtime/http/access.js';

const BUDGET_MS = Number(process.env.POLICY_MS ?? 300);
const KEYS = 10_000;
const MAP_KEYS = 1_000;
const REGEXES = 20;
const RULES = 10;

const exact = Array.from({ length: MAP_KEYS }, (_, i) => `    key${i} v${i};`).join('\n');
const wild = Array.from({ length: MAP_KEYS }, (_, i) => `    *.site${i}.example.com w${i};`).join('\n');
const regex = Array.from({ length: REGEXES }, (_, i) => `    ~^/api/v${i}/(?<rest>.*)$ r${i};`).join('\n');
const rules = Array.from({ length: RULES - 1 }, (_, i) => `        deny 10.${i}.0.0/16;`).join('\n');

const CONF = `
events {}
http {
    limit_req_zone $binary_remote_addr zone=one:10m rate=1000r/s;
    limit_req_zone $http_x_key zone=many:100m rate=1000r/s;
    limit_req_zone $binary_remote_addr zone=strict:1m rate=1r/m;
    limit_conn_zone $binary_remote_addr zone=addr:10m;
    map $http_x_k $m_exact {
${exact}
        default none;
    }
    map $http_x_k $m_host {
        hostnames;
${wild}
        default none;
    }
    map $uri $m_regex {
${regex}
        default none;
    }
    server {
        listen 127.0.0.1:8080;
        server_name localhost;
        location /req/ { limit_req zone=one burst=1000000000 nodelay; }
        location /many/ { limit_req zone=many burst=1000000000 nodelay; }
        location /strict/ { limit_req zone=strict; }
        location /conn/ { limit_conn addr 10; }
        location /access/ {
${rules}
        allow 127.0.0.1;
        deny all;
        }
        location /denied/ { deny all; }
    }
}
`;

const dir = mkdtempSync(join(tmpdir(), 'ngts-bench-policy-'));
const checked = checkText(CONF, { file: join(dir, 'nginx.conf'), prefix: dir + '/', confPrefix: dir + '/' });
const fatal = checked.diagnostics.filter((d) => d.fatal);
if (fatal.length) throw new Error(fatal.map((d) => d.message).join('\n'));
const http = compileHttp(checked, {
  prefix: dir + '/',
  builtins: resolveBuiltin,
  mapRuntime: {
    evaluate,
    setCaptures: (r, m, names) => {
      r.captures = m;
      for (const n of names) r.values[n.index] = m.groups?.[n.name] ?? '';
    },
  },
});
rmSync(dir, { recursive: true, force: true });
const addr = http.addresses.get('127.0.0.1:8080');
const reqZones = new Map([...http.limitZones.req].map(([n, z]) => [n, new LimitReqZoneState(z)]));
const connZones = new Map([...http.limitZones.conn].map(([n, z]) => [n, new LimitConnZoneState(z)]));
const sink = { log() {} };
const info = { id: 1, remoteAddress: '127.0.0.1', remotePort: 40000, localAddress: '127.0.0.1', localPort: 8080, family: 'inet', ssl: false, requests: 1, startTime: Date.now() };

/** A request for `target` with `headers`, routed to its location as the find-config phase does. */
function request(target, headers = {}) {
  const lines = Object.entries({ Host: 'localhost', ...headers }).map(([k, v]) => `${k}: ${v}\r\n`).join('');
  const res = new RequestParser().feed(Buffer.from(`GET ${target} HTTP/1.1\r\n${lines}\r\n`, 'latin1'));
  if (res.kind !== 'head') throw new Error(`bad request ${target}`);
  const r = new HttpRequest(info, res.head, addr, findVirtualServer(addr, res.head.host ?? ''), http.variables);
  const m = findLocation(r.server.locations, r.uri);
  r.loc = m.loc?.payload ?? null;
  r.conf = r.loc?.conf ?? r.server.conf;
  return r;
}

/** Resets what a new request would start without. */
function reset(r) {
  r.values.fill(NOT_EVALUATED);
  r.limitReqStatus = null;
  r.limitConnStatus = null;
}

const slot = (name) => http.variables.find((v) => v.name === name).index;

// [name, requests cycled through, the policy, what it must answer]
const SCENARIOS = [
  ['limit_req, 1 key, passes', [request('/req/')], (r) => limitReqHandler(r, sink, r.conf.limitReq, reqZones), -5],
  [`limit_req, ${KEYS.toLocaleString('en')} keys, passes`, Array.from({ length: KEYS }, (_, i) => request('/many/', { 'X-Key': `client-${i}` })), (r) => limitReqHandler(r, sink, r.conf.limitReq, reqZones), -5],
  ['limit_req, rejects (503)', [request('/strict/')], (r) => limitReqHandler(r, sink, r.conf.limitReq, reqZones), 503],
  ['limit_conn charge + release', [request('/conn/')], (r) => {
    const rc = limitConnHandler(r, sink, r.conf.limitConn, connZones);
    r.release();
    return rc;
  }, -5],
  [`map exact (${MAP_KEYS} keys), hit`, [request('/', { 'X-K': `key${MAP_KEYS / 2}` })], (r) => getVariable(r, slot('m_exact')), `v${MAP_KEYS / 2}`],
  ['map exact, miss (default)', [request('/', { 'X-K': 'nokey' })], (r) => getVariable(r, slot('m_exact')), 'none'],
  [`map hostnames (${MAP_KEYS} wildcards), hit`, [request('/', { 'X-K': `a.b.site${MAP_KEYS / 2}.example.com` })], (r) => getVariable(r, slot('m_host')), `w${MAP_KEYS / 2}`],
  [`map regex, ${REGEXES}th of ${REGEXES} hits`, [request(`/api/v${REGEXES - 1}/users/42`)], (r) => getVariable(r, slot('m_regex')), `r${REGEXES - 1}`],
  [`map regex, miss (${REGEXES} tried)`, [request('/other/users/42')], (r) => getVariable(r, slot('m_regex')), 'none'],
  [`allow/deny, ${RULES}th of ${RULES + 1} rules allows`, [request('/access/')], (r) => accessHandler(r, sink, r.conf.access), 0],
  ['allow/deny, deny all', [request('/denied/')], (r) => accessHandler(r, sink, r.conf.access), 403],
];

let sinkValue = 0;
function run(requests, policy, n) {
  const k = requests.length;
  const start = process.hrtime.bigint();
  for (let i = 0; i < n; i++) {
    const r = requests[i % k];
    reset(r);
    if (policy(r) !== undefined) sinkValue++;
  }
  return Number(process.hrtime.bigint() - start);
}

/** Warm-up (which also calibrates), then the best of 3 runs of BUDGET_MS / 3 each: ns per call. */
function nsPerCall(requests, policy) {
  let n = 1_000;
  while (run(requests, policy, n) < 50e6) n *= 4;
  const perRun = Math.max(1_000, Math.round((n * (BUDGET_MS / 3)) / Math.max(50, run(requests, policy, n) / 1e6)));
  let best = Infinity;
  for (let r = 0; r < 3; r++) best = Math.min(best, run(requests, policy, perRun) / perRun);
  return best;
}

const baseline = nsPerCall([request('/')], () => undefined);
const rows = [];
for (const [name, requests, policy, want] of SCENARIOS) {
  // The second request is the steady state (the first of a key creates its node and passes).
  reset(requests[0]);
  policy(requests[0]);
  reset(requests[0]);
  const got = policy(requests[0]);
  if (got !== want) throw new Error(`${name}: expected ${want}, got ${got}`);
  rows.push([name, `${Math.max(0, nsPerCall(requests, policy) - baseline).toFixed(0)} ns`]);
}

const cols = ['policy', 'per request'];
const width = cols.map((c, i) => Math.max(c.length, ...rows.map((r) => r[i].length)));
const line = (cells) => `| ${cells.map((c, i) => (i === 0 ? c.padEnd(width[i]) : c.padStart(width[i]))).join(' | ')} |`;
if (sinkValue === -1) console.log(sinkValue);
console.log(`node ${process.version}, best of 3 runs per row, less ${baseline.toFixed(0)} ns of request reset`);
console.log(line(cols));
console.log(line(width.map((w) => '-'.repeat(w))));
for (const r of rows) console.log(line(r));
