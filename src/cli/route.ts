/**
 * `ngts route`: which listener, server and location a request reaches, and why — the same lookups
 * the server runs (findVirtualServer, findLocation), with their trace turned on.
 */
import type { AddressServers, CompiledHttp } from '../compile/servers.js';
import { findLocation, formatLocationTrace, type LocationTraceStep } from '../runtime/find-location.js';
import { findVirtualServer, type ServerRule } from '../runtime/find-virtual-server.js';

export interface RouteQuery {
  readonly uri: string;
  readonly host: string;
  readonly method: string;
  /** `addr:port` of the listener the request arrives on; default: the first one configured. */
  readonly listen?: string | undefined;
}

export interface RouteAnswer {
  readonly listen: string;
  readonly server: { readonly index: number; readonly file: string; readonly line: number; readonly names: readonly string[] };
  readonly serverRule: ServerRule;
  readonly serverName: string | null;
  readonly serverReturn: string | null;
  readonly path: string;
  readonly location: { readonly label: string; readonly file: string; readonly line: number; readonly internal: boolean } | null;
  readonly reason: string;
  readonly rc: string;
  readonly handler: string;
  /** The location's limit_except when the method is not one it lists (the block's configuration applies). */
  readonly limitExcept: string | null;
  readonly trace: readonly LocationTraceStep[];
}

/** Picks the address a request arrives on: the one named, else the first configured. */
function pickAddress(http: CompiledHttp, listen: string | undefined): AddressServers | null {
  if (listen !== undefined) {
    const direct = http.addresses.get(listen) ?? http.addresses.get(/^\d+$/.test(listen) ? `0.0.0.0:${listen}` : listen);
    if (direct) return direct;
    // A connection to a specific address of a port that a wildcard listen also serves.
    const port = listen.slice(listen.lastIndexOf(':') + 1);
    for (const a of http.addresses.values()) if (a.addr.wildcard && String(a.addr.port) === port) return a;
    return null;
  }
  return http.addresses.values().next().value ?? null;
}

/**
 * Routes one request through the compiled tables. `path` must already be the normalized URI
 * (percent-decoded, dot segments resolved, slashes merged), as the server would match it.
 */
export function route(http: CompiledHttp, q: RouteQuery, path: string): RouteAnswer | { error: string } {
  const a = pickAddress(http, q.listen);
  if (!a) return { error: q.listen ? `no server listens on ${q.listen}` : 'the configuration has no http server' };
  const host = q.host.toLowerCase().replace(/:\d+$/, '').replace(/\.$/, '');
  const vs = findVirtualServer(a, host);
  const s = vs.server;
  const m = findLocation(s.locations, path, { explain: true });
  const loc = m.loc;
  let handler: string;
  if (s.serverReturn) handler = `return ${s.serverReturn.code} (server level, runs before any location)`;
  else if (m.rc === 'DONE') handler = `301 to "${path}/" (auto redirect of ${loc?.label ?? 'location'})`;
  else handler = loc ? loc.payload.handler : 'static files (root/index) of the server';
  // ngx_http_update_location_config: a method the location's limit_except does not list runs
  // with the block's configuration, whose rewrite directives are none.
  let limitExcept: string | null = null;
  const except = loc && !s.serverReturn && m.rc !== 'DONE' ? loc.payload.conf.limitExcept : null;
  if (except && !except.methods.has(q.method.toUpperCase())) {
    limitExcept = `${q.method.toUpperCase()} is not one of ${[...except.methods].join(' ')}: the limit_except block at ${except.file}:${except.line} applies (its allow/deny and auth; the location's rewrite directives do not run)`;
    const pass = except.conf.proxy.pass;
    handler = pass ? `proxy_pass ${pass.url}` : except.conf.unsupported ? `${except.conf.unsupported} (not executed by this version: 500)` : 'static files (root/index)';
  }
  return {
    listen: a.addr.text,
    server: { index: s.index, file: s.file, line: s.line, names: s.names.map((n) => n.name) },
    serverRule: vs.rule,
    serverName: vs.name,
    serverReturn: s.serverReturn ? `return ${s.serverReturn.code}${s.serverReturn.text !== null ? ' ' + JSON.stringify(s.serverReturn.text) : ''}` : null,
    path,
    location: loc ? { label: loc.label, file: loc.payload.file, line: loc.payload.line, internal: loc.payload.internal } : null,
    reason: m.reason,
    rc: m.rc,
    handler,
    limitExcept,
    trace: m.trace ?? [],
  };
}

const RULE_WORDS: Readonly<Record<ServerRule, string>> = {
  exact: 'exact server_name',
  'wildcard-head': 'leading wildcard server_name (longest match)',
  'wildcard-tail': 'trailing wildcard server_name (longest match)',
  regex: 'first matching regex server_name',
  default: 'no server_name matched: default server of the address',
};

/** The human-readable report. */
export function formatRoute(q: RouteQuery, r: RouteAnswer): string {
  const names = r.server.names.map((n) => (n === '' ? '""' : n)).join(' ');
  const lines = [
    `request:  ${q.method} ${q.uri}  Host: ${q.host || '(none)'}`,
    `listen:   ${r.listen}`,
    `server:   #${r.server.index + 1} at ${r.server.file}:${r.server.line} (server_name ${names})`,
    `          chosen by ${RULE_WORDS[r.serverRule]}${r.serverName !== null ? `: ${r.serverName === '' ? '""' : r.serverName}` : ''}`,
  ];
  if (r.serverReturn) lines.push(`rewrite:  ${r.serverReturn} at server level answers before locations are searched`);
  lines.push(`uri:      ${r.path}`);
  lines.push('locations considered:');
  for (const l of formatLocationTrace(r.trace)) lines.push(`  ${l}`);
  lines.push(r.location ? `location: ${r.location.label} at ${r.location.file}:${r.location.line}${r.location.internal ? ' (internal: a client request gets 404)' : ''}` : 'location: none (the server level applies)');
  if (r.limitExcept) lines.push(`method:   ${r.limitExcept}`);
  lines.push(`handler:  ${r.location?.internal && !r.serverReturn ? '404 (internal location)' : r.handler}`);
  return lines.join('\n') + '\n';
}
