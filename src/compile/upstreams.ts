/**
 * `upstream` blocks and the implicit upstreams `proxy_pass http://host:port` creates
 * (ngx_http_upstream_add, ngx_http_upstream_server): each a list of servers with their weight,
 * max_fails, fail_timeout, backup and down flags. Host names are resolved once at start-up
 * (resolveUpstreams), as nginx resolves them while reading the configuration.
 */
import type { Directive } from '../config/ast.js';
import { parseNumber, parseTime, parseUrl } from '../config/values.js';
import type { ConfLevel } from './conf-level.js';
import { compileComplexValue, type ComplexValue } from './complex-value.js';
import type { VariableTable } from './variable-table.js';

export interface UpstreamServer {
  /** As written (`backend1:8080`), for `$upstream_addr` of unresolved names and messages. */
  readonly text: string;
  /** Host name or address; a unix socket path for `unix:`. */
  readonly host: string;
  readonly port: number;
  readonly unix: boolean;
  readonly weight: number;
  readonly maxFails: number;
  /** ms */
  readonly failTimeout: number;
  readonly backup: boolean;
  readonly down: boolean;
  readonly file: string;
  readonly line: number;
}

/** The balancer of an upstream block (round robin unless one of these directives is there). */
export type Balancer =
  | { readonly kind: 'round_robin' }
  | { readonly kind: 'ip_hash' }
  | { readonly kind: 'least_conn' }
  | { readonly kind: 'hash'; readonly key: ComplexValue; readonly consistent: boolean }
  /** `two`: of two peers drawn, the one with fewer connections (`random two [least_conn]`). */
  | { readonly kind: 'random'; readonly two: boolean };

export interface UpstreamConf {
  readonly name: string;
  readonly balancer: Balancer;
  /** False for the upstream a `proxy_pass http://host:port` creates. */
  readonly explicit: boolean;
  readonly servers: readonly UpstreamServer[];
  /** `keepalive N`: idle connections cached per worker (0: none). */
  readonly keepalive: number;
  readonly keepaliveRequests: number;
  readonly keepaliveTimeout: number;
  /** `keepalive_time`: how long one cached connection may live (1h). */
  readonly keepaliveTime: number;
  /**
   * `zone NAME [size]` (ngx_http_upstream_zone_module): the peers' state lives in shared memory,
   * so every worker process sees the others' failures. Null: each worker has its own.
   */
  readonly zone: string | null;
  readonly file: string;
  readonly line: number;
}

/** The `upstream` blocks of the http level, by name (the first of a name wins; -t rejects duplicates). */
export function compileUpstreams(http: ConfLevel, vars: VariableTable): Map<string, UpstreamConf> {
  const out = new Map<string, UpstreamConf>();
  for (const d of http.own('upstream')) {
    const name = d.args[0]?.value ?? '';
    if (out.has(name) || d.block === null) continue;
    const level = http.child('http', d);
    const servers = level.own('server').map(upstreamServer);
    const keepalive = parseNumber(level.ownFirst('keepalive')?.args[0]?.value ?? '') ?? 0;
    const hash = level.ownFirst('hash');
    const balancer: Balancer = level.own('ip_hash').length
      ? { kind: 'ip_hash' }
      : level.own('least_conn').length
        ? { kind: 'least_conn' }
        : hash
          ? { kind: 'hash', key: compileComplexValue(hash.args[0]?.value ?? '', vars), consistent: hash.args[1]?.value === 'consistent' }
          : level.own('random').length
            ? { kind: 'random', two: level.ownFirst('random')?.args[0]?.value === 'two' }
            : { kind: 'round_robin' };
    out.set(name, {
      name,
      balancer,
      explicit: true,
      servers: Object.freeze(servers),
      keepalive,
      // The upstream block's own lines only: http's keepalive_timeout is the client-side one.
      keepaliveRequests: parseNumber(level.ownFirst('keepalive_requests')?.args[0]?.value ?? '') ?? 1000,
      keepaliveTimeout: parseTime(level.ownFirst('keepalive_timeout')?.args[0]?.value ?? '', false) ?? 60_000,
      keepaliveTime: parseTime(level.ownFirst('keepalive_time')?.args[0]?.value ?? '', false) ?? 3_600_000,
      zone: level.ownFirst('zone')?.args[0]?.value ?? null,
      file: d.span.file,
      line: d.terminator.line,
    });
  }
  return out;
}

// ngx_http_upstream_server
function upstreamServer(d: Directive): UpstreamServer {
  const args = d.args.map((a) => a.value);
  const text = args[0] ?? '';
  const parsed = parseUrl(text, { defaultPort: 80 });
  let host = text;
  let port = 80;
  let unix = false;
  if (parsed.ok) {
    const a = parsed.url.address;
    unix = a.family === 'unix';
    host = a.family === 'unix' ? a.path : a.family === 'name' ? a.host : a.addr;
    port = parsed.url.port;
  }
  let weight = 1;
  let maxFails = 1;
  let failTimeout = 10_000;
  let backup = false;
  let down = false;
  for (const p of args.slice(1)) {
    if (p.startsWith('weight=')) weight = parseNumber(p.slice(7)) ?? 1;
    else if (p.startsWith('max_fails=')) maxFails = parseNumber(p.slice(10)) ?? 1;
    else if (p.startsWith('fail_timeout=')) failTimeout = (parseTime(p.slice(13), true) ?? 10) * 1000;
    else if (p === 'backup') backup = true;
    else if (p === 'down') down = true;
  }
  return { text, host, port, unix, weight, maxFails, failTimeout, backup, down, file: d.span.file, line: d.terminator.line };
}

/** The upstream nginx creates for `proxy_pass http://host[:port]` without an upstream block of that name. */
export function implicitUpstream(host: string, port: number, unix: boolean, file: string, line: number): UpstreamConf {
  const text = unix ? `unix:${host}` : `${host}:${port}`;
  return {
    name: unix ? `unix:${host}` : host,
    balancer: { kind: 'round_robin' },
    explicit: false,
    servers: [{ text, host, port, unix, weight: 1, maxFails: 1, failTimeout: 10_000, backup: false, down: false, file, line }],
    keepalive: 0,
    keepaliveRequests: 1000,
    keepaliveTimeout: 60_000,
    keepaliveTime: 3_600_000,
    zone: null,
    file,
    line,
  };
}

/**
 * The upstreams a host named at request time may be (umcf->upstreams): the `upstream` blocks and
 * the implicit upstreams of literal proxy_pass lines. The maps are complete once compiling is.
 */
export interface UpstreamIndex {
  readonly explicit: ReadonlyMap<string, UpstreamConf>;
  /** Every upstream a literal proxy_pass uses, by peer key; the implicit ones among them count. */
  readonly proxied: ReadonlyMap<string, UpstreamConf>;
}

/**
 * ngx_http_upstream_init_request's lookup of u->resolved->host: an upstream block (port 0) matches
 * a host without a port, an implicit upstream its own host and port (80 or 443 when none was
 * written); names compare without case. Null when none matches.
 */
export function findUpstream(index: UpstreamIndex, host: string, port: number, noPort: boolean): UpstreamConf | null {
  const lower = host.toLowerCase();
  if (noPort) {
    for (const [name, u] of index.explicit) if (name.toLowerCase() === lower) return u;
  }
  for (const u of index.proxied.values()) {
    if (u.explicit) continue;
    const s = u.servers[0];
    if (s === undefined) continue;
    const h = s.unix ? s.host : s.host.includes(':') ? `[${s.host}]` : s.host;
    if (s.unix ? noPort : s.port === port) {
      if (h.toLowerCase() === lower) return u;
    }
  }
  return null;
}
