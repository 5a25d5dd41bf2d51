/**
 * ngx_http_upstream_module (src/http/ngx_http_upstream.c): `upstream` blocks and their `server`s.
 * Upstream names are global (cx.global), shared with proxy_pass, which declares implicit upstreams.
 */
import type { DirectiveSpec, ModuleSpec, Setter, SetterContext } from '../registry/types.js';
import { parseNumber, parseTime, parseUrl } from '../values.js';

const M = 'ngx_http_upstream_module';

/** One entry of nginx's umcf->upstreams: an `upstream` block or a proxy_pass target. */
interface UpstreamEntry {
  /** As written; compared case-insensitively. */
  readonly host: string;
  port: number;
  readonly noPort: boolean;
  /** Declared by an `upstream` block (NGX_HTTP_UPSTREAM_CREATE). */
  created: boolean;
}

const UPSTREAMS = 'ngx_http_upstream_module:upstreams';

function upstreams(cx: SetterContext): UpstreamEntry[] {
  let list = cx.global.get(UPSTREAMS) as UpstreamEntry[] | undefined;
  if (list === undefined) {
    list = [];
    cx.global.set(UPSTREAMS, list);
  }
  return list;
}

/**
 * ngx_http_upstream_add: records an upstream block (`create`) or a reference to `host[:port]`
 * (proxy_pass). Returns false after reporting nginx's error. The reverse order (a proxy_pass with
 * a port before the `upstream` block) is reported by nginx with the proxy_pass's location and is
 * not modelled.
 */
export function upstreamAdd(
  cx: SetterContext,
  u: { readonly host: string; readonly port: number; readonly noPort: boolean },
  create: boolean,
): boolean {
  const list = upstreams(cx);
  const host = u.host.toLowerCase();
  for (const e of list) {
    if (e.host.toLowerCase() !== host) continue;
    if (create && e.created) {
      cx.error(`duplicate upstream "${u.host}"`);
      return false;
    }
    if (e.created && !u.noPort) {
      cx.error(`upstream "${u.host}" may not have port ${u.port}`);
      return false;
    }
    if (create && !e.noPort) return true;
    if (e.port && u.port && e.port !== u.port) continue;
    if (create) {
      e.created = true;
      e.port = 0;
    }
    return true;
  }
  list.push({ host: u.host, port: u.port, noPort: u.noPort, created: create });
  return true;
}

/** The server parameters a balancing method allows (nginx's uscf->flags). */
const FLAGS = 'ngx_http_upstream_module:flags';
/** Set once a balancing method (or keepalive) has replaced the default (uscf->peer.init_upstream). */
const BALANCER = 'ngx_http_upstream_module:balancer';

/** Every parameter: round robin, the default, and least_conn. */
export const ALL_SERVER_PARAMS: readonly string[] = ['weight', 'max_conns', 'max_fails', 'fail_timeout', 'down', 'backup'];
/** hash, ip_hash and random refuse `backup`. */
export const NO_BACKUP_PARAMS: readonly string[] = ['weight', 'max_conns', 'max_fails', 'fail_timeout', 'down'];

/**
 * What hash, ip_hash, least_conn and random do first: warn when a method was already chosen, then
 * set the parameters their servers may have.
 */
export function setBalancer(cx: SetterContext, params: readonly string[]): void {
  if (cx.level.get(BALANCER) === true) cx.error('load balancing method redefined', 'warn');
  cx.level.set(BALANCER, true);
  cx.level.set(FLAGS, params);
}

/** What keepalive does to the upstream: it wraps the method, so a later method warns. */
export function wrapBalancer(cx: SetterContext): void {
  cx.level.set(BALANCER, true);
}

/**
 * ngx_http_upstream: declares the upstream. "no servers are inside upstream" (checked by nginx when
 * the block closes) is not modelled here.
 */
const upstreamBlock: Setter = (cx, args) => {
  upstreamAdd(cx, { host: args[0]?.value ?? '', port: 0, noPort: true }, true);
};

/**
 * ngx_http_upstream_server: parameters first, then the address. Host names are resolved when the
 * configuration is prepared, for `-t` as for a start (`host not found in upstream "%V"`,
 * createPeers), not by the check: `ngts check` lints a file for a machine it may not run on.
 */
const upstreamServer: Setter = (cx, args) => {
  const allowed = (cx.level.get(FLAGS) as readonly string[] | undefined) ?? ALL_SERVER_PARAMS;
  for (const a of args.slice(1)) {
    const v = a.value;
    const eq = v.indexOf('=');
    const param = eq === -1 ? v : v.slice(0, eq);
    const text = v.slice(eq + 1);
    let ok: boolean;
    switch (eq === -1 ? `${param}` : `${param}=`) {
      case 'weight=':
        ok = (parseNumber(text) ?? 0) !== 0;
        break;
      case 'max_conns=':
      case 'max_fails=':
        ok = parseNumber(text) !== null;
        break;
      case 'fail_timeout=':
        ok = parseTime(text, true) !== null;
        break;
      case 'backup':
      case 'down':
        ok = true;
        break;
      default:
        cx.error(`invalid parameter "${v}"`);
        return;
    }
    if (!allowed.includes(param)) {
      cx.error(`balancing method does not support parameter "${v}"`);
      return;
    }
    if (!ok) {
      cx.error(`invalid parameter "${v}"`);
      return;
    }
  }
  const url = args[0]?.value ?? '';
  const u = parseUrl(url, { defaultPort: 80 });
  if (!u.ok) cx.error(`${u.err} in upstream "${url}"`);
};

const directives: readonly DirectiveSpec[] = [
  {
    name: 'upstream',
    module: M,
    contexts: ['HTTP_MAIN'],
    args: [1],
    block: { kind: 'directives', context: 'HTTP_UPS' },
    slot: { kind: 'none' },
    set: upstreamBlock,
    effect: 'runtime',
  },
  { name: 'server', module: M, contexts: ['HTTP_UPS'], args: '1MORE', slot: { kind: 'none' }, set: upstreamServer, effect: 'runtime' },
];

export const ngxHttpUpstreamModule: ModuleSpec = { name: M, directives };
