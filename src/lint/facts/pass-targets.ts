/**
 * Where the `*_pass` directives send requests: the upstream host part of proxy_pass, fastcgi_pass,
 * uwsgi_pass, scgi_pass, grpc_pass and memcached_pass, as ngx_http_upstream_add would look it up
 * (an upstream block of that name, compared without case, else a host name).
 *
 * For a `*_pass` with variables nginx evaluates the URL per request and then, in
 * ngx_http_upstream_init_request, looks the host up among the upstreams (the `upstream` blocks,
 * and the implicit upstreams that literal `*_pass host:port` lines created), takes an IP address
 * as it is, and hands any other name to the resolver. `passHostValues` lists what the host part
 * can evaluate to, following map, set, geo and split_clients definitions of its variables.
 */
import type { Directive, Statement } from '../../config/ast.js';
import { bodyLines, words } from '../../config/blocks/body.js';
import { checkMapBody } from '../../config/blocks/map.js';
import { hasVariables, isBuiltinVariable, scanVariables } from '../../config/variables.js';
import { parseInetAddr } from '../../config/values.js';
import type { LintLevel, LintModel, LintServer } from '../model.js';
import { CLIENT_BUILTINS } from './variables.js';

export const PASS_DIRECTIVES = ['proxy_pass', 'fastcgi_pass', 'uwsgi_pass', 'scgi_pass', 'grpc_pass', 'memcached_pass'] as const;

export type PassDirective = (typeof PASS_DIRECTIVES)[number];

export interface PassTarget {
  readonly directive: Directive;
  /** The directive's name (`proxy_pass`, `fastcgi_pass` …). */
  readonly kind: PassDirective;
  readonly level: LintLevel;
  /** The host part as written (`backend`, `127.0.0.1`, `unix:/x.sock`, `$upstream_name`). */
  readonly host: string;
  /** The URL has variables: nginx evaluates it per request (an upstream name, or a resolver lookup). */
  readonly variables: boolean;
  /** The upstream block the host names, lower-cased, when it names one. */
  readonly upstream: string | null;
}

/** The host part of a `*_pass` argument: scheme and URI stripped, port kept apart. */
export function passHost(value: string): string {
  let rest = value.replace(/^[a-z]+:\/\//i, '');
  if (rest.toLowerCase().startsWith('unix:')) return rest.replace(/:\/.*$|:$/, '');
  const slash = rest.indexOf('/');
  if (slash >= 0) rest = rest.slice(0, slash);
  if (rest.startsWith('[')) return rest.slice(0, rest.indexOf(']') + 1);
  const colon = rest.lastIndexOf(':');
  return colon >= 0 ? rest.slice(0, colon) : rest;
}

/** Every `*_pass` directive of the configuration, with what it names. */
export function passTargets(model: LintModel): PassTarget[] {
  const out: PassTarget[] = [];
  for (const name of PASS_DIRECTIVES) {
    for (const { directive, level } of model.directives(name)) {
      const value = directive.args[0]?.value ?? '';
      const host = passHost(value);
      const key = host.toLowerCase();
      // An upstream block is found by a name without a port (ngx_http_upstream_add: uscf->port 0).
      const upstream = model.upstreams.has(key) && !hasPort(value) ? key : null;
      out.push({ directive, kind: name, level, host, variables: hasVariables(value), upstream });
    }
  }
  return out;
}

/** Whether a literal pass URL writes a port after its host. */
function hasPort(value: string): boolean {
  const rest = value.replace(/^[a-z]+:\/\//i, '');
  if (rest.toLowerCase().startsWith('unix:')) return false;
  const end = rest.search(/[/?]/);
  const hostport = end >= 0 ? rest.slice(0, end) : rest;
  if (hostport.startsWith('[')) return hostport.includes(']:');
  return hostport.includes(':');
}

/** A readable name for a level: `location /api/`, `location ~ \.php$`, `if in location /`, `server a.example`. */
export function describeLevel(level: LintLevel): string {
  switch (level.kind) {
    case 'location': {
      const loc = level.location;
      if (!loc) return 'location';
      return loc.modifier ? `location ${loc.modifier} ${loc.name}` : `location ${loc.name}`;
    }
    case 'if':
    case 'limit_except': {
      const outer = level.parent ? describeLevel(level.parent) : 'server';
      const what = level.kind === 'if' ? `if (${(level.block?.args ?? []).map((a) => a.value).join(' ')})` : `limit_except ${(level.block?.args ?? []).map((a) => a.value).join(' ')}`;
      return `${what} in ${outer}`;
    }
    case 'server': {
      const name = level.conf.own('server_name')[0]?.args[0]?.value;
      const listen = level.conf.own('listen')[0]?.args[0]?.value;
      return name ? `server ${name}` : listen ? `server on ${listen}` : 'server';
    }
    default:
      return level.kind;
  }
}

// ---------------------------------------------------------------------------------------------
// What a variable (and so a pass URL) can evaluate to.

/**
 * The values a string with variables can take, as far as the configuration tells. A part the
 * client chooses is written as CLIENT_MARK, a part whose values cannot be listed as OPAQUE_MARK.
 */
export interface Values {
  readonly values: ReadonlySet<string>;
  /** The first variable whose value the client picks (`$http_host`, `$arg_backend` …), or null. */
  readonly client: string | null;
  /** Some part comes from a variable whose values cannot be listed (a capture, auth_request_set …). */
  readonly opaque: boolean;
}

/** Stands for any text the client sends. */
export const CLIENT_MARK = '\u0001';
/** Stands for a value the configuration does not tell. */
export const OPAQUE_MARK = '\u0002';

/** Whether a value is fully known (no CLIENT_MARK or OPAQUE_MARK in it). */
export function isKnown(value: string): boolean {
  return !value.includes(CLIENT_MARK) && !value.includes(OPAQUE_MARK);
}

/**
 * Variables whose value is whatever the client sends: ssrf's list, plus what a client can still
 * pick for a host name here ($host, which ssrf judges per server, and the SNI name, length, method).
 */
const CLIENT_VARIABLES = new Set([...Object.keys(CLIENT_BUILTINS), 'host', 'ssl_server_name', 'content_length', 'request_method']);
const CLIENT_PREFIXES = ['http_', 'cookie_', 'arg_'];

/** Variables that always hold an IP address. */
const ADDRESS_VARIABLES = new Set(['remote_addr', 'server_addr', 'realip_remote_addr', 'proxy_protocol_addr', 'proxy_protocol_server_addr']);

/** Upper bound on the values followed through maps before giving up (opaque). */
const MAX_VALUES = 256;

interface Definitions {
  /**
   * Values written for each user variable (lower-cased name): map, geo and split_clients values
   * (server null), and `set` values with the server they are in (a request keeps its server).
   */
  readonly written: Map<string, { readonly value: string; readonly server: LintServer | null }[]>;
  /** Variables also defined where their value cannot be listed (auth_request_set …). */
  readonly opaque: Set<string>;
  /** map variables: their source and body, for evaluating a map at a given source value. */
  readonly maps: Map<string, { readonly source: string; readonly body: ReturnType<typeof checkMapBody> }>;
}

const definitionsCache = new WeakMap<LintModel, Definitions>();

function definitions(model: LintModel): Definitions {
  const cached = definitionsCache.get(model);
  if (cached) return cached;
  const written = new Map<string, { value: string; server: LintServer | null }[]>();
  const opaque = new Set<string>();
  const maps = new Map<string, { source: string; body: ReturnType<typeof checkMapBody> }>();
  const add = (name: string, value: string, server: LintServer | null = null): void => {
    const key = name.replace(/^\$/, '').toLowerCase();
    let list = written.get(key);
    if (!list) written.set(key, (list = []));
    list.push({ value, server });
  };
  const expand = (inc: Directive): readonly Statement[] => (model.checked.includes.get(inc) ?? []).flatMap((f) => f.statements);
  const http = model.http;
  if (http) {
    for (const d of http.conf.own('map')) {
      const target = (d.args[1]?.value ?? '').replace(/^\$/, '').toLowerCase();
      const body = checkMapBody(d.block ?? [], () => undefined, expand);
      if (!maps.has(target)) maps.set(target, { source: d.args[0]?.value ?? '', body });
      // Captures in a value are opaque (stringValues), named ones as variables nothing defines.
      for (const e of body.entries) add(target, e.value);
      add(target, body.defaultValue ?? '');
    }
    for (const d of http.conf.own('geo')) {
      const target = (d.args[d.args.length - 1]?.value ?? '').replace(/^\$/, '').toLowerCase();
      let hasDefault = false;
      for (const line of bodyLines(d.block ?? [], expand)) {
        const w = words(line);
        if (w.length !== 2 || w[0] === 'proxy' || w[0] === 'delete') continue;
        if (w[0] === 'default') hasDefault = true;
        add(target, w[1] ?? '');
      }
      if (!hasDefault) add(target, '');
    }
    for (const d of http.conf.own('split_clients')) {
      const target = (d.args[1]?.value ?? '').replace(/^\$/, '').toLowerCase();
      let star = false;
      for (const line of bodyLines(d.block ?? [], expand)) {
        const w = words(line);
        if (w[0] === '*') star = true;
        add(target, w[1] ?? '');
      }
      if (!star) add(target, '');
    }
  }
  for (const { directive, level } of model.directives('set')) add(directive.args[0]?.value ?? '', directive.args[1]?.value ?? '', level.server);
  for (const { directive } of model.directives('auth_request_set')) opaque.add((directive.args[0]?.value ?? '').replace(/^\$/, '').toLowerCase());
  const defs = { written, opaque, maps };
  definitionsCache.set(model, defs);
  return defs;
}

/**
 * What the variable `name` (without `$`) can hold. `server` is where it is read, for
 * `$server_name` and `$host`. A set variable read where no `set` ran is empty: the empty value is
 * included.
 */
export function variableValues(model: LintModel, name: string, server: LintServer | null, seen: ReadonlySet<string> = new Set()): Values {
  const key = name.toLowerCase();
  const defs = definitions(model);
  const values = new Set<string>();
  let client: string | null = null;
  let opaque = false;
  const unknown = (): void => {
    opaque = true;
    values.add(OPAQUE_MARK);
  };
  if (seen.has(key)) {
    unknown();
    return { values, client, opaque };
  }
  if (defs.opaque.has(key)) unknown();
  const written = defs.written.get(key);
  if (written) {
    const inner = new Set(seen).add(key);
    for (const w of written) {
      if (server !== null && w.server !== null && w.server !== server) continue;
      const v = stringValues(model, w.value, server, inner);
      for (const x of v.values) values.add(x);
      client ??= v.client;
      opaque ||= v.opaque;
    }
    if (!defs.maps.has(key)) values.add('');
  }
  if (isBuiltinVariable(key)) {
    const names = server ? server.level.conf.own('server_name').flatMap((d) => d.args.map((a) => a.value)) : [];
    if (key === 'host' && names.length > 0 && names.every((n) => model.upstreams.has(n.toLowerCase()))) {
      // Every name of the server is an upstream block: requests for them go to those upstreams.
      for (const n of names) values.add(n);
    } else if (CLIENT_VARIABLES.has(key) || CLIENT_PREFIXES.some((p) => key.startsWith(p))) {
      client ??= name;
      values.add(CLIENT_MARK);
    } else if (ADDRESS_VARIABLES.has(key)) values.add('0.0.0.0');
    else if (key === 'server_name' && names[0] !== undefined && !names[0].startsWith('~') && !names[0].includes('*')) values.add(names[0]);
    else unknown();
  } else if (!written) {
    // A named capture, or a definition ngts does not follow.
    unknown();
  }
  if (values.size > MAX_VALUES) {
    opaque = true;
    return { values: new Set([OPAQUE_MARK]), client, opaque };
  }
  return { values, client, opaque };
}

/** What a string with variables (a map value, a `set` value, part of a URL) can evaluate to. */
export function stringValues(model: LintModel, text: string, server: LintServer | null, seen: ReadonlySet<string> = new Set()): Values {
  const { refs } = scanVariables(text);
  let out: string[] = [''];
  let client: string | null = null;
  let opaque = false;
  let pos = 0;
  for (const ref of refs) {
    const lit = text.slice(pos, ref.offset);
    pos = ref.end;
    out = out.map((s) => s + lit);
    if (ref.capture) {
      opaque = true;
      out = out.map((s) => s + OPAQUE_MARK);
      continue;
    }
    const v = variableValues(model, ref.name, server, seen);
    client ??= v.client;
    opaque ||= v.opaque;
    const next = new Set<string>();
    for (const s of out) for (const x of v.values) next.add(s + x);
    if (next.size > MAX_VALUES) return { values: new Set([OPAQUE_MARK]), client, opaque: true };
    out = [...next];
  }
  const tail = text.slice(pos);
  return { values: new Set(out.map((s) => s + tail)), client, opaque };
}

/**
 * The value of the map that defines `$name` for a request whose source value is `source`
 * (ngx_http_map_find: exact key, then regexes on a non-empty value, then default), or null when
 * `name` is not a map variable or the answer depends on a hostname wildcard.
 */
export function mapValueFor(model: LintModel, name: string, source: string): { readonly source: string; readonly value: string } | null {
  const m = definitions(model).maps.get(name.toLowerCase());
  if (!m) return null;
  const low = source.toLowerCase();
  for (const e of m.body.entries) if (e.kind === 'exact' && e.key.toLowerCase() === low) return { source: m.source, value: e.value };
  if (m.body.hostnames && m.body.entries.some((e) => e.kind !== 'exact' && e.kind !== 'regex')) return null;
  if (source.length > 0) {
    for (const e of m.body.entries) {
      if (e.kind !== 'regex') continue;
      e.re.lastIndex = 0;
      if (e.re.test(source)) return { source: m.source, value: e.value };
    }
  }
  return { source: m.source, value: m.body.defaultValue ?? '' };
}

/** The source expression of the map that defines `$name`, or null. */
export function mapSource(model: LintModel, name: string): string | null {
  return definitions(model).maps.get(name.toLowerCase())?.source ?? null;
}

// ---------------------------------------------------------------------------------------------
// The host part of a pass URL with variables.

/** Variables whose value starts the URI part (so the host part ends before them). */
const PATH_VARIABLES = new Set(['request_uri', 'uri', 'document_uri', 'is_args', 'fastcgi_script_name', 'request_filename']);

/** What the host part of a `*_pass` URL evaluates to at run time. */
export interface HostValues extends Values {
  /** The default port of the URL's scheme (80, or 443 for https/grpcs). */
  readonly defaultPort: number;
}

/**
 * The values the host part (`host[:port]`, scheme and URI cut off) of a pass URL can take. For a
 * URL without variables this is the single host as written.
 */
export function passHostValues(model: LintModel, target: PassTarget): HostValues {
  const raw = target.directive.args[0]?.value ?? '';
  const server = target.level.server;
  const { refs } = scanVariables(raw);
  // Where the host part ends in the text as written: the first `/` or `?` after `scheme://`, or
  // a variable that starts the URI.
  const schemeAt = literalIndexOf(raw, refs, '://', 0);
  let end = raw.length;
  const from = schemeAt >= 0 ? schemeAt + 3 : 0;
  const slash = raw.toLowerCase().startsWith('unix:') ? -1 : literalSearch(raw, refs, /[/?]/, from);
  if (slash >= 0) end = slash;
  for (const r of refs) if (!r.capture && r.offset >= from && r.offset < end && PATH_VARIABLES.has(r.name.toLowerCase())) end = r.offset;
  // With a literal `://`, only the text after it is the host part (the scheme may be `$scheme`).
  const v = stringValues(model, raw.slice(schemeAt >= 0 ? from : 0, end), server);
  const hosts = new Set<string>();
  let defaultPort = /^(https|grpcs):\/\//i.test(raw) ? 443 : 80;
  for (const value of v.values) {
    const scheme = /^([a-z]+):\/\//i.exec(value);
    if (scheme) {
      if (/^(https|grpcs)$/i.test(scheme[1]!)) defaultPort = 443;
    }
    let rest = scheme ? value.slice(scheme[0].length) : value;
    if (!rest.toLowerCase().startsWith('unix:')) {
      const cut = rest.search(/[/?]/);
      if (cut >= 0) rest = rest.slice(0, cut);
    }
    hosts.add(rest);
  }
  return { values: hosts, client: v.client, opaque: v.opaque, defaultPort };
}

/** Index of `needle` in the literal (non-variable) text of `raw` from `from`, or -1. */
function literalIndexOf(raw: string, refs: readonly { offset: number; end: number }[], needle: string, from: number): number {
  let at = raw.indexOf(needle, from);
  while (at >= 0 && insideRef(refs, at)) at = raw.indexOf(needle, at + 1);
  return at;
}

function literalSearch(raw: string, refs: readonly { offset: number; end: number }[], re: RegExp, from: number): number {
  for (let i = from; i < raw.length; i++) if (re.test(raw[i]!) && !insideRef(refs, i)) return i;
  return -1;
}

function insideRef(refs: readonly { offset: number; end: number }[], i: number): boolean {
  return refs.some((r) => i >= r.offset && i < r.end);
}

/** How nginx finds the peer for one evaluated host: an upstream, an address, or a name to resolve. */
export type HostKind =
  | { readonly kind: 'upstream'; readonly name: string; readonly explicit: boolean }
  | { readonly kind: 'address' }
  | { readonly kind: 'name'; readonly host: string }
  /** The client chooses the host (CLIENT_MARK in it). */
  | { readonly kind: 'client' }
  /** The configuration does not tell (OPAQUE_MARK in it). */
  | { readonly kind: 'unknown' }
  | { readonly kind: 'empty' };

/** The implicit upstreams literal `*_pass host[:port]` lines create: `host:port`, lower-cased. */
function implicitUpstreams(model: LintModel): Set<string> {
  const out = new Set<string>();
  for (const t of passTargets(model)) {
    if (t.variables || t.upstream !== null) continue;
    const raw = (t.directive.args[0]?.value ?? '').replace(/^[a-z]+:\/\//i, '');
    const end = raw.search(/[/?]/);
    const hostport = end >= 0 ? raw.slice(0, end) : raw;
    if (hostport.toLowerCase().startsWith('unix:') || hostport.startsWith('[')) continue;
    const colon = hostport.lastIndexOf(':');
    const host = colon >= 0 ? hostport.slice(0, colon) : hostport;
    const port = colon >= 0 ? hostport.slice(colon + 1) : /^(https|grpcs):\/\//i.test(t.directive.args[0]?.value ?? '') ? '443' : '80';
    out.add(`${host.toLowerCase()}:${Number(port)}`);
  }
  return out;
}

const implicitCache = new WeakMap<LintModel, Set<string>>();

/**
 * What nginx does with one evaluated host part (ngx_http_upstream_init_request): an upstream
 * block (name without port, compared without case) or an implicit upstream of the same host and
 * port is used as is, an IP address or unix socket needs no lookup, any other name goes to the
 * resolver.
 */
export function classifyHost(model: LintModel, hostport: string, defaultPort: number): HostKind {
  if (hostport === '') return { kind: 'empty' };
  if (hostport.toLowerCase().startsWith('unix:') || hostport.startsWith('[')) return { kind: 'address' };
  const colon = hostport.lastIndexOf(':');
  const host = colon >= 0 ? hostport.slice(0, colon) : hostport;
  const port = colon >= 0 ? Number(hostport.slice(colon + 1)) : defaultPort;
  if (host === '') return { kind: 'empty' };
  if (host.includes(OPAQUE_MARK)) return { kind: 'unknown' };
  if (host.includes(CLIENT_MARK)) return { kind: 'client' };
  if (parseInetAddr(host) !== null) return { kind: 'address' };
  if (!Number.isInteger(port)) return { kind: 'unknown' };
  const lower = host.toLowerCase();
  if (colon < 0 && model.upstreams.has(lower)) return { kind: 'upstream', name: lower, explicit: true };
  let implicit = implicitCache.get(model);
  if (!implicit) implicitCache.set(model, (implicit = implicitUpstreams(model)));
  if (implicit.has(`${lower}:${port}`)) return { kind: 'upstream', name: `${lower}:${port}`, explicit: false };
  return { kind: 'name', host };
}

/**
 * The upstream blocks (lower-cased names) a pass may use: the one it names, or for a URL with
 * variables every block its host part can evaluate to.
 */
export function passUpstreams(model: LintModel, target: PassTarget): string[] {
  if (!target.variables) return target.upstream !== null ? [target.upstream] : [];
  const hv = passHostValues(model, target);
  const out = new Set<string>();
  for (const h of hv.values) {
    const k = classifyHost(model, h, hv.defaultPort);
    if (k.kind === 'upstream' && k.explicit) out.add(k.name);
  }
  return [...out];
}
