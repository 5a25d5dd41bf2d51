/**
 * The variables of ngx_http_proxy_module and ngx_http_upstream_module: $proxy_host, $proxy_port,
 * $proxy_add_x_forwarded_for, the internal body length and chunked markers nginx's default
 * proxy_set_header entries use, and $upstream_addr / $upstream_status / $upstream_*_time /
 * $upstream_http_*.
 */
import type { BuiltinResolver, VariableGetter } from '../../compile/variable-table.js';
import type { HttpRequest } from '../http/request.js';

/** What a proxied request keeps for these variables (the proxy module's request context). */
export interface ProxyRequestState {
  hostHeader: string;
  port: string;
  /** The upstream request's method (proxy_method); HEAD means no response body is read. */
  method: string;
  /** -1 when the body goes chunked. */
  bodyLength: number;
  chunked: boolean;
  /** The client's body as read, kept for a proxy_pass after an internal redirect. */
  requestBody: Buffer | null;
  /** One entry per upstream tried (`$upstream_addr` lists them with ", "). */
  readonly tries: UpstreamTry[];
  /** The headers of the response being passed on. */
  responseHeaders: readonly [string, string][];
}

export interface UpstreamTry {
  addr: string;
  status: string;
  connectTime: number;
  headerTime: number;
  responseTime: number;
  start: number;
}

function secs(ms: number): string {
  return ms < 0 ? '-' : (ms / 1000).toFixed(3);
}

function list(get: (t: UpstreamTry) => string): VariableGetter {
  return (r) => {
    const p = r.proxy;
    if (p === null || p.tries.length === 0) return undefined;
    return p.tries.map(get).join(', ');
  };
}

const PROXY: Record<string, VariableGetter> = {
  proxy_host: (r) => r.proxy?.hostHeader,
  proxy_port: (r) => r.proxy?.port,
  proxy_internal_body_length: (r) => (r.proxy === null || r.proxy.bodyLength < 0 ? undefined : String(r.proxy.bodyLength)),
  proxy_internal_chunked: (r) => (r.proxy?.chunked ? 'chunked' : undefined),
  // ngx_http_proxy_add_x_forwarded_for_variable: the client's X-Forwarded-For headers, then its address.
  proxy_add_x_forwarded_for: (r) => {
    const xff = r.head.headers.filter((h) => h.name.toLowerCase() === 'x-forwarded-for').map((h) => h.value);
    return xff.length ? `${xff.join(', ')}, ${r.remoteAddress}` : r.remoteAddress;
  },
  upstream_addr: list((t) => t.addr),
  upstream_status: list((t) => t.status),
  upstream_connect_time: list((t) => secs(t.connectTime)),
  upstream_header_time: list((t) => secs(t.headerTime)),
  upstream_response_time: list((t) => secs(t.responseTime)),
};

/** Getters for the proxy and upstream variables; the rest falls to `next`. */
export function withProxyVariables(next: BuiltinResolver): BuiltinResolver {
  return (name) => {
    const get = PROXY[name];
    if (get) return { get, noCache: true };
    if (name.startsWith('upstream_http_')) {
      const header = name.slice(14);
      return {
        get: (r: HttpRequest) => {
          for (const [n, v] of r.proxy?.responseHeaders ?? []) if (n.toLowerCase().replace(/-/g, '_') === header) return v;
          return undefined;
        },
        noCache: true,
      };
    }
    return next(name);
  };
}
