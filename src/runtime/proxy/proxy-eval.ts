/**
 * Where one request goes (ngx_http_proxy_ctx_t.vars with u->schema and u->resolved): taken from a
 * constant proxy_pass URL, or made per request from a URL with variables (ngx_http_proxy_eval).
 */
import type { ProxyPass } from '../../compile/proxy-conf.js';
import type { UpstreamConf } from '../../compile/upstreams.js';
import { parseUrl } from '../../config/values.js';
import type { HttpRequest } from '../http/request.js';
import { evaluate } from '../http/variables.js';

/** u->resolved: the host ngx_http_upstream_init_request looks up among upstreams, then resolves. */
export interface ResolvedHost {
  /** url.host: a name, an IPv4 address, `[IPv6]`, or a unix socket path. */
  readonly host: string;
  /** The port written, else 80 or 443. */
  readonly port: number;
  readonly noPort: boolean;
  /** An address known from the URL itself (url.addrs: IPv6 and unix sockets). */
  readonly address: { readonly name: string; readonly host: string; readonly unix: boolean } | null;
}

export interface ProxyTarget {
  readonly https: boolean;
  /** `http://` or `https://` as written. */
  readonly schema: string;
  /** `$proxy_host` and the default Host header. */
  hostHeader: string;
  /** `$proxy_port`. */
  readonly port: string;
  /** The URI part (ctx->vars.uri), null when there is none or it came out empty. */
  readonly uri: string | null;
  /** The location name a constant URI part replaces. */
  readonly location: string;
  /** The URL had variables: a URI part goes as it is, without the location replaced. */
  readonly evaluated: boolean;
  /** The upstream of a constant URL. */
  readonly upstream: UpstreamConf | null;
  /** With variables: what is looked up at request time. */
  readonly resolved: ResolvedHost | null;
}

/** The target of a constant proxy_pass URL. */
export function constantTarget(pass: ProxyPass): ProxyTarget {
  return {
    https: pass.https,
    schema: pass.schema,
    hostHeader: pass.hostHeader,
    port: pass.port,
    uri: pass.uri,
    location: pass.location,
    evaluated: false,
    upstream: pass.upstream,
    resolved: null,
  };
}

// ngx_http_proxy_eval: the URL's value, its scheme (any case), then ngx_parse_url with a URI part
// and no resolving; ngx_http_proxy_set_vars for $proxy_host and $proxy_port. A string is the error
// to log (the request then ends with 500).
/** The target of a URL with variables for `r`, or the message nginx logs when it is unusable. */
export function evalTarget(r: HttpRequest, pass: ProxyPass): ProxyTarget | string {
  const proxy = evaluate(r, pass.variables!);
  const lower = proxy.slice(0, 8).toLowerCase();
  let add: number;
  let defaultPort: number;
  if (proxy.length > 7 && lower.startsWith('http://')) {
    add = 7;
    defaultPort = 80;
  } else if (proxy.length > 8 && lower === 'https://') {
    add = 8;
    defaultPort = 443;
  } else return `invalid URL prefix in "${proxy}"`;
  const rest = proxy.slice(add);
  const parsed = parseUrl(rest, { defaultPort, uriPart: true });
  if (!parsed.ok) return `${parsed.err} in upstream "${rest}"`;
  const u = parsed.url;
  const a = u.address;
  const unix = a.family === 'unix';
  let uri = u.uri;
  if (uri.startsWith('?')) uri = `/${uri}`;
  const standard = u.noPort || u.port === defaultPort;
  let address: ResolvedHost['address'] = null;
  if (unix) address = { name: `unix:${a.path}`, host: a.path, unix: true };
  else if (a.family === 'inet6') address = { name: `[${a.addr}]:${u.port}`, host: a.addr, unix: false };
  return {
    https: add === 8,
    schema: proxy.slice(0, add),
    hostHeader: unix ? 'localhost' : standard ? u.host : `${u.host}:${u.portText}`,
    port: unix ? '' : standard ? String(defaultPort) : u.portText,
    uri: uri === '' ? null : uri,
    location: '',
    evaluated: true,
    upstream: null,
    resolved: { host: u.host, port: u.port, noPort: u.noPort, address },
  };
}
