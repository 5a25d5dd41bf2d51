/**
 * Compiles the http block's servers into the tables request routing reads: for each listening
 * address, its default server and its server names by kind (exact, leading wildcard, trailing
 * wildcard, regex), and for each server its location tree. Built once; frozen; the request path
 * only looks things up (ngx_http_optimize_servers, ngx_http_server_names,
 * ngx_http_init_locations).
 */
import type { Directive } from '../config/ast.js';
import { escapeUri } from '../runtime/http/normalize-uri.js';
import { ConfLevel } from './conf-level.js';
import { compileCoreSrvConf, type CoreSrvConf } from './http-core-conf.js';
import { compileLocConf, registerLogFiles, type HttpLocConf, type LocConfContext } from './http-loc-conf.js';
import { compileUpstreams, type UpstreamConf } from './upstreams.js';
import { sortWildcards, type HeadWildcard, type TailWildcard, type Wildcards } from './wildcard-names.js';
import { compileMaps, type MapRuntime } from './map.js';
import { compileLimitZones, type LimitZone } from './limit-conf.js';
import { compileLogFormats, type LogBufferConf, type LogFormat } from './log-conf.js';
import { errorLogTargets, type ErrorLogTarget } from './error-log-conf.js';
import { compileRewriteScript, type RewriteCode, type RewriteContext } from './rewrite-script.js';
import { VariableTable, type BuiltinResolver, type VariableDef } from './variable-table.js';
import { compilePcre } from '../config/regex.js';
import { locationModifier, type CheckedConfig } from '../config/validate.js';
import { listenAddrText, parseListen } from '../config/values.js';
import { createLocationTree, type LocationDef, type LocationModifier, type LocationTree } from './location-tree.js';
import { compileSslSrvConf, type SslSrvConf } from './ssl-conf.js';
import type { ProxySslConf } from './proxy-conf.js';

/** What a location does with a request, as far as routing needs to say. */
export interface LocationConf {
  /** The `location` block itself (the linter maps compiled locations back to the source). */
  readonly directive: Directive;
  readonly label: string;
  readonly file: string;
  readonly line: number;
  readonly internal: boolean;
  /** The content handler nginx would run, in words (`return 200 "…"`, `proxy_pass http://app`). */
  readonly handler: string;
  /** `return CODE [TEXT]` of the location itself, when it has one (rewrite phase). */
  readonly ret: ReturnConf | null;
  /** The rewrite module's script of the location (rewrite phase), or null. */
  readonly rewrite: readonly RewriteCode[] | null;
  /** The location name escaped as a URI: the target of nginx's automatic 301 (clcf->escaped_name). */
  readonly escapedName: string;
  readonly conf: HttpLocConf;
  /**
   * A content handler this build of ngts cannot run yet (its directive name), or null when the
   * location is served by `return` or the static modules.
   */
  readonly unsupported: string | null;
}

export interface ReturnConf {
  readonly code: number;
  readonly text: string | null;
}

/** A `listen` address in nginx's words: `addr_text` as nginx prints it (`127.0.0.1:8080`). */
export interface ListenAddr {
  readonly text: string;
  readonly host: string;
  readonly port: number;
  readonly family: 'inet' | 'inet6' | 'unix';
  readonly wildcard: boolean;
  readonly defaultServer: boolean;
  readonly ssl: boolean;
  /** `listen … http2`: HTTP/2 (negotiated by ALPN with ssl, prior knowledge without). */
  readonly http2: boolean;
  readonly file: string;
  readonly line: number;
}

export interface ServerNameEntry {
  /** As written, lower-cased. */
  readonly name: string;
  readonly regex: RegExp | null;
}

export interface CompiledServer {
  /** 0-based, in file order. */
  readonly index: number;
  /** The `server` block itself. */
  readonly directive: Directive;
  readonly file: string;
  readonly line: number;
  readonly names: readonly ServerNameEntry[];
  readonly listens: readonly ListenAddr[];
  readonly locations: LocationTree<LocationConf>;
  /** `return` at server level runs in the server rewrite phase, before any location is found. */
  readonly serverReturn: ReturnConf | null;
  /** The rewrite module's script at server level (server rewrite phase), or null. */
  readonly rewrite: readonly RewriteCode[] | null;
  readonly coreSrv: CoreSrvConf;
  /** Locations whose content handler ngts cannot run yet (see LocationConf.unsupported). */
  readonly unsupported: readonly LocationConf[];
  /** The server's own location configuration: what a request uses when no location matches. */
  readonly conf: HttpLocConf;
  /** ngx_http_ssl_module's settings for the server (used when it is reached on an ssl address). */
  readonly ssl: SslSrvConf;
}

/** The server names of one address (ngx_http_virtual_names_t), plus its default server. */
export interface AddressServers {
  readonly addr: ListenAddr;
  /** Any `listen` of the address says `ssl` / `http2` (ngx_http_add_addresses ORs the options). */
  readonly ssl: boolean;
  readonly http2: boolean;
  /** Every server of the address, in file order. */
  readonly servers: readonly CompiledServer[];
  readonly defaultServer: CompiledServer;
  readonly exact: ReadonlyMap<string, CompiledServer>;
  /** `*.example.com`, `.example.com` and `example.*`, the most specific first. */
  readonly wild: Wildcards<CompiledServer>;
  readonly regex: readonly { readonly re: RegExp; readonly name: string; readonly server: CompiledServer }[];
}

export interface CompiledHttp {
  /** The process-level (main context) settings the server loop needs. */
  readonly main: MainConf;
  /** `upstream` blocks by name. */
  readonly upstreams: ReadonlyMap<string, UpstreamConf>;
  /** Every access_log file without variables in its path, as written (opened at start-up). */
  readonly logPaths: ReadonlySet<string>;
  /** The buffer of each buffered access_log file (every line to the file goes through it). */
  readonly logBuffers: ReadonlyMap<string, LogBufferConf>;
  /** Every error_log file of the http block, as written. */
  readonly errorLogPaths: ReadonlySet<string>;
  /** limit_req_zone and limit_conn_zone zones by name. */
  readonly limitZones: { readonly req: ReadonlyMap<string, LimitZone>; readonly conn: ReadonlyMap<string, LimitZone> };
  /** The upstreams proxy_pass sends to (explicit or implicit), by peer key. */
  readonly proxied: ReadonlyMap<string, UpstreamConf>;
  /** The proxy_ssl_* settings whose files are read at start-up, in configuration order. */
  readonly proxySsl: readonly ProxySslConf[];
  /** Every variable the configuration uses, by slot. */
  readonly variables: readonly VariableDef[];
  readonly servers: readonly CompiledServer[];
  /** By listen text (`127.0.0.1:8080`, `0.0.0.0:80`, `unix:/x`). */
  readonly addresses: ReadonlyMap<string, AddressServers>;
}

/** Compiles the http block of a checked configuration (which must have no errors). */
export interface CompileOptions {
  readonly defaultPort?: number;
  /** nginx's prefix with a trailing slash: relative paths (root, logs, pid) resolve against it. */
  readonly prefix?: string;
  /** Getters of builtin variables; the router alone can do without (it evaluates none). */
  readonly builtins?: BuiltinResolver;
  /** How map values are evaluated at request time; without it maps are not compiled. */
  readonly mapRuntime?: MapRuntime;
}

/** What every compile step of one configuration shares. */
interface CompileContext {
  readonly defaultPort: number;
  readonly loc: LocConfContext;
  readonly rewrite: RewriteContext;
}

export function compileHttp(checked: CheckedConfig, opts: CompileOptions = {}): CompiledHttp {
  const prefix = opts.prefix ?? process.cwd() + '/';
  const vars = new VariableTable(opts.builtins ?? (() => null));
  const globals = checked.files.find((f) => f.path === 'command line');
  // Directives given with -g come before the file's, as nginx parses them first.
  const mainLevel = new ConfLevel('main', null, [...(globals?.statements ?? []), ...checked.main.statements], checked.includes);
  const http = mainLevel.ownFirst('http');
  const httpLevel = http ? mainLevel.child('http', http) : null;
  const upstreams = httpLevel ? compileUpstreams(httpLevel, vars) : new Map<string, UpstreamConf>();
  if (httpLevel && opts.mapRuntime) compileMaps(httpLevel, vars, opts.mapRuntime);
  const limitZones = httpLevel ? compileLimitZones(httpLevel, vars) : { req: new Map<string, LimitZone>(), conn: new Map<string, LimitZone>() };
  const used = new Map<string, UpstreamConf>();
  const logFormats = httpLevel ? compileLogFormats(httpLevel, vars) : new Map<string, LogFormat>();
  const logPaths = new Set<string>();
  const errorLogPaths = new Set<string>();
  const logBuffers = new Map<string, LogBufferConf>();
  const confPrefix = checked.main.path.slice(0, checked.main.path.lastIndexOf('/') + 1);
  const tls: ProxySslConf[] = [];
  const loc: LocConfContext = { prefix, vars, upstreams, used, logFormats, logPaths, logBuffers, errorLogPaths, confPrefix, tls, checkState: checked.global };
  const cx: CompileContext = {
    defaultPort: opts.defaultPort ?? 80,
    loc,
    rewrite: { vars, ifConf: (level) => compileLocConf(level, loc) },
  };
  const servers: CompiledServer[] = [];
  if (httpLevel) {
    registerLogFiles(httpLevel, loc);
    for (const d of httpLevel.own('server')) {
      if (d.block !== null) servers.push(compileServer(httpLevel.child('server', d), servers.length, cx));
    }
  }
  const addresses = new Map<string, MutableAddress>();
  for (const s of servers) {
    for (const l of s.listens) {
      let a = addresses.get(l.text);
      if (!a) {
        a = { addr: l, servers: [], defaultServer: null, ssl: false, http2: false };
        addresses.set(l.text, a);
      }
      a.ssl ||= l.ssl;
      a.http2 ||= l.http2;
      if (!a.servers.includes(s)) a.servers.push(s);
      if (l.defaultServer && a.defaultServer === null) a.defaultServer = s;
    }
  }
  const compiled = new Map<string, AddressServers>();
  for (const [k, a] of addresses) compiled.set(k, Object.freeze(buildNames(a)));
  return Object.freeze({ main: compileMainConf(mainLevel), variables: vars.defs, upstreams, proxied: used, proxySsl: tls, limitZones, logPaths, logBuffers, errorLogPaths, servers: Object.freeze(servers), addresses: compiled });
}

interface MutableAddress {
  addr: ListenAddr;
  servers: CompiledServer[];
  defaultServer: CompiledServer | null;
  ssl: boolean;
  http2: boolean;
}

/** ngx_http_server_names: the first server to claim a name keeps it (nginx warns about the rest). */
function buildNames(a: MutableAddress): AddressServers {
  const exact = new Map<string, CompiledServer>();
  const head: HeadWildcard<CompiledServer>[] = [];
  const tail: TailWildcard<CompiledServer>[] = [];
  const regex: { re: RegExp; name: string; server: CompiledServer }[] = [];
  const seenWild = new Set<string>();
  for (const s of a.servers) {
    for (const n of s.names) {
      if (n.regex) {
        regex.push({ re: n.regex, name: n.name, server: s });
      } else if (n.name.startsWith('*.') || n.name.startsWith('.')) {
        const bare = n.name.startsWith('.');
        const suffix = bare ? n.name : n.name.slice(1);
        if (seenWild.has(suffix)) continue;
        seenWild.add(suffix);
        head.push({ suffix, bare, name: n.name, value: s });
      } else if (n.name.endsWith('.*')) {
        const prefix = n.name.slice(0, -1);
        if (seenWild.has(prefix)) continue;
        seenWild.add(prefix);
        tail.push({ prefix, name: n.name, value: s });
      } else if (!exact.has(n.name)) {
        exact.set(n.name, s);
      }
    }
  }
  return {
    addr: a.addr,
    ssl: a.ssl,
    http2: a.http2,
    servers: Object.freeze([...a.servers]),
    defaultServer: a.defaultServer ?? a.servers[0]!,
    exact,
    wild: sortWildcards(head, tail),
    regex,
  };
}

function compileServer(level: ConfLevel, index: number, cx: CompileContext): CompiledServer {
  const { defaultPort } = cx;
  const d = level.block!;
  const listens: ListenAddr[] = [];
  const names: ServerNameEntry[] = [];
  let sawServerName = false;
  let serverReturn: ReturnConf | null = null;
  const locationDefs: LocationDef<LocationConf>[] = [];
  for (const c of level.directives) {
    switch (c.name) {
      case 'listen': {
        const l = toListenAddr(c);
        if (l) listens.push(l);
        break;
      }
      case 'server_name':
        sawServerName = true;
        for (const a of c.args) names.push(serverName(a.value));
        break;
      case 'return':
        if (serverReturn === null) serverReturn = toReturn(c);
        break;
      case 'location':
        if (c.block !== null) locationDefs.push(toLocationDef(level.child('location', c), cx));
        break;
    }
  }
  // ngx_http_core_merge_srv_conf: a server without listen listens on *:80 (*:8000 when not root),
  // and one without server_name is named "".
  if (listens.length === 0) {
    listens.push({ text: `0.0.0.0:${defaultPort}`, host: '0.0.0.0', port: defaultPort, family: 'inet', wildcard: true, defaultServer: false, ssl: false, http2: false, file: d.span.file, line: d.terminator.line });
  }
  if (!sawServerName) names.push({ name: '', regex: null });
  const { tree } = createLocationTree(locationDefs);
  const unsupported: LocationConf[] = [];
  const collect = (defs: readonly LocationDef<LocationConf>[]): void => {
    for (const l of defs) {
      if (l.payload.unsupported !== null) unsupported.push(l.payload);
      collect(l.children);
    }
  };
  collect(locationDefs);
  return Object.freeze({
    index,
    directive: d,
    unsupported: Object.freeze(unsupported),
    file: d.span.file,
    line: d.terminator.line,
    names: Object.freeze(names),
    listens: Object.freeze(listens),
    locations: tree,
    serverReturn,
    rewrite: compileRewriteScript(level, cx.rewrite),
    coreSrv: compileCoreSrvConf(level, primaryServerName(names[0]?.name ?? '')),
    conf: compileLocConf(level, cx.loc),
    ssl: compileSslSrvConf(level, cx.loc.confPrefix),
  });
}

/** ngx_http_core_merge_srv_conf: `$server_name` is the first name, a regex with its `~`, `.x` as `x`. */
function primaryServerName(first: string): string {
  return first.startsWith('.') ? first.slice(1) : first;
}

function serverName(raw: string): ServerNameEntry {
  if (raw.startsWith('~')) {
    const r = compilePcre(raw.slice(1), false);
    // A pattern the check rejected never reaches here; an empty regex list entry is harmless.
    return { name: raw, regex: r.ok ? r.re : null };
  }
  return { name: raw.toLowerCase(), regex: null };
}

function toListenAddr(d: Directive): ListenAddr | null {
  const r = parseListen(d.args.map((a) => a.value));
  if (!r.ok) return null;
  const { address, port } = r.listen.url;
  const o = r.listen.options;
  const base = { defaultServer: o.defaultServer, ssl: o.ssl, http2: o.http2, file: d.span.file, line: d.terminator.line };
  const text = listenAddrText(r.listen.url);
  switch (address.family) {
    case 'unix':
      return { ...base, text, host: address.path, port: 0, family: 'unix', wildcard: false };
    case 'inet':
      return { ...base, text, host: address.addr, port, family: 'inet', wildcard: address.wildcard };
    case 'inet6':
      return { ...base, text, host: address.addr, port, family: 'inet6', wildcard: address.wildcard };
    case 'name':
      // nginx resolves listen host names at start; `localhost` is the one that matters locally.
      return { ...base, text, host: address.host === 'localhost' ? '127.0.0.1' : address.host, port, family: 'inet', wildcard: false };
  }
}

function toReturn(d: Directive): ReturnConf | null {
  const a = d.args;
  const first = a[0]?.value ?? '';
  const code = /^\d+$/.test(first) ? Number(first) : 302;
  const text = /^\d+$/.test(first) ? (a[1]?.value ?? null) : first;
  return { code, text };
}

const CONTENT_HANDLERS = ['proxy_pass', 'fastcgi_pass', 'uwsgi_pass', 'scgi_pass', 'grpc_pass', 'memcached_pass', 'stub_status', 'empty_gif', 'try_files'];
const AUTO_REDIRECT = new Set(['proxy_pass', 'fastcgi_pass', 'uwsgi_pass', 'scgi_pass', 'grpc_pass', 'memcached_pass']);

function toLocationDef(level: ConfLevel, cx: CompileContext): LocationDef<LocationConf> {
  const d = level.block!;
  const [mod, name] = locationModifier(d.args);
  const children: LocationDef<LocationConf>[] = [];
  let ret: ReturnConf | null = null;
  let handler: string | null = null;
  let autoRedirect = false;
  for (const c of level.directives) {
    if (c.name === 'location' && c.block !== null) children.push(toLocationDef(level.child('location', c), cx));
    else if (c.name === 'return' && ret === null) ret = toReturn(c);
    else if (CONTENT_HANDLERS.includes(c.name) && handler === null) {
      handler = `${c.name} ${c.args.map((a) => a.raw).join(' ')}`;
      if (AUTO_REDIRECT.has(c.name)) autoRedirect = true;
    }
  }
  const modifier = mod as LocationModifier;
  let regex: RegExp | undefined;
  let captures = 0;
  if (modifier === '~' || modifier === '~*') {
    const r = compilePcre(name, modifier === '~*');
    if (r.ok) {
      regex = r.re;
      captures = r.captures;
    }
  }
  const conf = compileLocConf(level, cx.loc);
  const label = `location ${modifier ? (modifier === '@' ? '' : modifier + ' ') : ''}${name}`;
  const retText = ret ? `return ${ret.code}${ret.text !== null ? ` ${JSON.stringify(ret.text)}` : ''}` : null;
  const payload: LocationConf = Object.freeze({
    directive: d,
    label,
    file: d.span.file,
    line: d.terminator.line,
    // `internal` is not inherited: ngx_http_core_merge_loc_conf leaves it per location.
    internal: level.own('internal').length > 0,
    handler: retText ?? handler ?? 'static files (root/index)',
    ret,
    rewrite: compileRewriteScript(level, cx.rewrite),
    escapedName: escapeUri(name, 'uri'),
    conf,
    unsupported: conf.unsupported,
  });
  return {
    modifier,
    name,
    ...(regex ? { regex, captures } : {}),
    autoRedirect: autoRedirect && (modifier === '' || modifier === '^~' || modifier === '=') && name.endsWith('/'),
    children,
    payload,
    file: d.span.file,
    line: d.terminator.line,
  };
}

/** The main-context directives the server loop reads (ngx_core_conf_t). */
export interface MainConf {
  /**
   * `pid` as written (relative paths resolve against the prefix); null when not configured: ngts
   * writes no pid file unless asked (nginx writes its compiled-in path).
   */
  readonly pid: string | null;
  /** `error_log` files of the main context, as written. */
  readonly errorLog: readonly string[];
  /** The main context's `error_log` lines with their levels (-g ones first). */
  readonly errorLogs: readonly ErrorLogTarget[];
}

function compileMainConf(level: ConfLevel): MainConf {
  const pid = level.value('pid');
  return Object.freeze({
    pid: pid === undefined ? null : pid,
    errorLog: Object.freeze(level.own('error_log').map((d) => d.args[0]?.value ?? '')),
    errorLogs: errorLogTargets(level),
  });
}
