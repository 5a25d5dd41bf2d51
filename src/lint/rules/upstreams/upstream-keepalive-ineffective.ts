/**
 * upstream-keepalive-ineffective: an upstream with `keepalive N` that a location proxies to with
 * settings that make every upstream connection single-use: HTTP/1.0 (nginx's default
 * proxy_http_version) or a `Connection: close` header (nginx's default, or a
 * `$connection_upgrade`-style map that yields `close` for ordinary requests). For fastcgi_pass,
 * `fastcgi_keep_conn on` is needed.
 */
import { basename } from 'node:path';
import type { Directive } from '../../../config/ast.js';
import { scanVariables } from '../../../config/variables.js';
import type { LintLevel, LintModel } from '../../model.js';
import type { Rule } from '../../rule.js';
import { describeLevel, isKnown, mapSource, mapValueFor, passTargets, passUpstreams, stringValues } from '../../facts/pass-targets.js';

/** What the Connection header sent upstream is for an ordinary request (no Upgrade header). */
type ConnectionVerdict =
  /** `map`: the map variable that yields close, when that is why. */
  | { readonly kind: 'close'; readonly why: string; readonly map: string | null }
  | { readonly kind: 'keep-alive' }
  /** Cleared, or a value other than close (`upgrade` …). */
  | { readonly kind: 'other' }
  | { readonly kind: 'unknown' };

export const upstreamKeepaliveIneffective: Rule = {
  id: 'upstream-keepalive-ineffective',
  category: 'upstreams',
  severity: 'warning',
  summary: 'an upstream with keepalive used by a location that closes every upstream connection',
  explain:
    '`keepalive N` in an upstream block only caches connections the proxied request leaves open. nginx speaks ' +
    'HTTP/1.0 to upstreams and sends "Connection: close" unless told otherwise, so the location that proxies to ' +
    'the upstream needs `proxy_http_version 1.1` and `proxy_set_header Connection ""` in its effective ' +
    'configuration; otherwise nginx opens (and the backend accepts and tears down) a new connection per request. ' +
    'proxy_set_header lines are inherited only by levels without any of their own, so a Connection "" set at http ' +
    'level is lost in a location that sets Host. A `Connection $connection_upgrade` header fed by the usual ' +
    '`map $http_upgrade $connection_upgrade { default upgrade; \'\' close; }` still sends "close" for every request ' +
    'without an Upgrade header, i.e. all ordinary ones: the rule evaluates the map for an empty $http_upgrade and ' +
    'reports it when the result is close (map the empty value to "" instead; a location that only ever serves ' +
    'WebSocket upgrades loses nothing, and can carry a suppression comment). Other values, such as "upgrade" or ' +
    '"keep-alive", do not close the connection and are accepted. For fastcgi_pass, `fastcgi_keep_conn on` is needed.',
  bad: `upstream app {
    server 127.0.0.1:8080;
    keepalive 16;
}
server {
    listen 127.0.0.1:8000;
    location / { proxy_pass http://app; }
}`,
  good: `upstream app {
    server 127.0.0.1:8080;
    keepalive 16;
}
server {
    listen 127.0.0.1:8000;
    location / {
        proxy_pass http://app;
        proxy_http_version 1.1;
        proxy_set_header Connection "";
    }
}`,
  check(model, report) {
    for (const t of passTargets(model)) {
      if (t.kind !== 'proxy_pass' && t.kind !== 'fastcgi_pass') continue;
      const pooled = passUpstreams(model, t)
        .map((name) => ({ name, keepalive: keepaliveOf(model.upstreams.get(name)) }))
        .filter((u): u is { name: string; keepalive: Directive } => u.keepalive !== null);
      if (pooled.length === 0) continue;
      const them = pooled.length > 1 ? 'them' : 'it';
      const ups = pooled.map((u) => `upstream "${model.upstreams.get(u.name)?.args[0]?.value ?? u.name}" (keepalive ${u.keepalive.args[0]?.value ?? ''})`).join(', ');
      const where = describeLevel(t.level);
      const conf = t.level.conf;
      if (t.kind === 'fastcgi_pass') {
        if (conf.flag('fastcgi_keep_conn', false)) continue;
        report({
          directive: t.directive,
          arg: 0,
          message: `${where} passes to ${ups} without fastcgi_keep_conn on: the FastCGI server closes the connection after each request`,
          hint: 'add `fastcgi_keep_conn on;` to the location (or server/http level)',
        });
        continue;
      }
      const http11 = conf.value('proxy_http_version') === '1.1';
      const conn = connectionVerdict(model, t.level);
      const missing: string[] = [];
      if (!http11) {
        // HTTP/1.0 keeps the connection only when asked to with "Connection: keep-alive".
        if (conn.kind === 'keep-alive' || conn.kind === 'unknown') continue;
        missing.push(`speaks HTTP/1.0 to ${them} (no proxy_http_version 1.1${conf.get('proxy_http_version') ? `; proxy_http_version ${conf.value('proxy_http_version')} is in effect` : ''})`);
      }
      if (conn.kind === 'close') missing.push(`sends "Connection: close" (${conn.why})`);
      if (missing.length === 0) continue;
      const fixes = [!http11 ? 'proxy_http_version 1.1;' : '', conn.kind === 'close' && conn.map === null ? 'proxy_set_header Connection "";' : ''].filter(Boolean);
      const mapFix = conn.kind === 'close' && conn.map !== null ? `map the empty $http_upgrade to "" instead of close in the map that defines $${conn.map} ('' "";)` : '';
      report({
        directive: t.directive,
        arg: 0,
        message: `${where} proxies to ${ups} but ${missing.join(' and ')}: nginx opens a new upstream connection for every request`,
        hint: [fixes.length ? `add to ${where}: ${fixes.join(' ')}` : '', mapFix].filter(Boolean).join('; and '),
      });
    }
  },
};

function keepaliveOf(upstream: Directive | undefined): Directive | null {
  for (const d of upstream?.block ?? []) if (d.kind === 'directive' && d.name === 'keepalive') return d;
  return null;
}

/** The Connection header nginx sends upstream from `level` for an ordinary request. */
function connectionVerdict(model: LintModel, level: LintLevel): ConnectionVerdict {
  const effective = level.conf.inherited('proxy_set_header');
  const lines = effective.filter((d) => (d.args[0]?.value ?? '').toLowerCase() === 'connection');
  if (lines.length === 0) {
    // nginx's default "Connection: close". Say why a Connection line written higher up is not used.
    const lost = lostConnectionLine(level, effective);
    return { kind: 'close', why: lost ?? 'nginx\'s default: no proxy_set_header Connection is in effect', map: null };
  }
  let verdict: ConnectionVerdict = { kind: 'other' };
  for (const d of lines) {
    const v = valueVerdict(model, level, d.args[1]?.value ?? '');
    if (v.kind === 'close') return v;
    if (v.kind === 'unknown') verdict = v;
    else if (v.kind === 'keep-alive' && verdict.kind === 'other') verdict = v;
  }
  return verdict;
}

/** When a Connection line above `level` is hidden by proxy_set_header lines nearer to it. */
function lostConnectionLine(level: LintLevel, effective: readonly Directive[]): string | null {
  const from = effective[0];
  for (let l: LintLevel | null = level; l; l = l.parent) {
    const own = l.conf.own('proxy_set_header');
    if (own.length === 0 || own.includes(from!)) continue;
    const conn = own.find((d) => (d.args[0]?.value ?? '').toLowerCase() === 'connection');
    if (conn && from) {
      const at = (d: Directive): string => (d.nameSpan.file === level.block?.nameSpan.file ? `line ${d.nameSpan.start.line}` : `${basename(d.nameSpan.file)}:${d.nameSpan.start.line}`);
      return `the proxy_set_header Connection at ${at(conn)} is not inherited: the proxy_set_header lines at ${at(from)} replace the whole list`;
    }
  }
  return null;
}

function valueVerdict(model: LintModel, level: LintLevel, value: string): ConnectionVerdict {
  const refs = scanVariables(value).refs;
  if (refs.length === 0) {
    const v = value.trim().toLowerCase();
    if (v === 'close') return { kind: 'close', why: 'proxy_set_header Connection close', map: null };
    return v === 'keep-alive' ? { kind: 'keep-alive' } : { kind: 'other' };
  }
  // A single map variable: evaluate it for an ordinary request, one without an Upgrade header.
  const single = /^\$\{?([A-Za-z0-9_]+)\}?$/.exec(value);
  if (single) {
    const name = single[1]!;
    const source = mapSource(model, name);
    if (source !== null && source.trim().toLowerCase() === '$http_upgrade') {
      const hit = mapValueFor(model, name, '');
      if (hit !== null) {
        const vals = stringValues(model, hit.value, level.server);
        const all = [...vals.values];
        if (all.length > 0 && all.every(isKnown) && all.every((x) => x.trim().toLowerCase() === 'close')) {
          return { kind: 'close', why: `$${name} is "close" when the request has no Upgrade header (map $http_upgrade $${name}), i.e. for every ordinary request`, map: name };
        }
        if (all.length > 0 && all.every(isKnown)) return all.every((x) => x.trim().toLowerCase() === 'keep-alive') ? { kind: 'keep-alive' } : { kind: 'other' };
        return { kind: 'unknown' };
      }
    }
  }
  const vals = stringValues(model, value, level.server);
  const all = [...vals.values];
  if (all.length === 0 || !all.every(isKnown)) return { kind: 'unknown' };
  if (all.every((x) => x.trim().toLowerCase() === 'close')) return { kind: 'close', why: `"${value}" is always "close"`, map: null };
  if (all.some((x) => x.trim().toLowerCase() === 'close')) return { kind: 'unknown' };
  return all.every((x) => x.trim().toLowerCase() === 'keep-alive') ? { kind: 'keep-alive' } : { kind: 'other' };
}
