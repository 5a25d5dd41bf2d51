/**
 * The variables of ngx_http_proxy_module and ngx_http_upstream_module: $proxy_host, $proxy_port,
 * $proxy_add_x_forwarded_for, the internal body length and chunked markers nginx's default
 * proxy_set_header entries use, and $upstream_addr / $upstream_status / $upstream_*_time /
 * $upstream_bytes_sent / $upstream_bytes_received / $upstream_http_*.
 */
import type { BuiltinResolver, VariableGetter } from '../../compile/variable-table.js';
import type { HttpRequest } from '../http/request.js';

/** What a proxied request keeps for these variables (the proxy module's request context). */
export interface ProxyRequestState {
  hostHeader: string;
  port: string;
  /**
   * r->uri_changes when the proxy module's context was made: internal redirects and named
   * locations clear r->ctx, so $proxy_host and $proxy_port are not found after one.
   */
  readonly generation: number;
  /** The upstream request's method (proxy_method); HEAD means no response body is read. */
  method: string;
  /** -1 when the body goes chunked. */
  bodyLength: number;
  chunked: boolean;
  /** The client's body as read, kept for a proxy_pass after an internal redirect. */
  requestBody: Buffer | null;
  /**
   * r->upstream_states: one entry per upstream tried, kept across internal redirects, where each
   * further proxy_pass adds an empty entry first (`$upstream_addr` lists them with ", ", and " : "
   * between the upstreams of successive redirects).
   */
  readonly tries: UpstreamTry[];
  /** The URI the upstream request carries (u->uri), for error log lines. */
  uri: string;
  /**
   * `upstream: "…"` of error log lines (ngx_http_log_error_handler): scheme, peer and u->uri once a
   * peer is chosen, null before.
   */
  logUpstream: string | null;
  /** The headers of the response being passed on. */
  responseHeaders: readonly [string, string][];
}

export interface UpstreamTry {
  /** The peer's name; null in the empty entry a later proxy_pass adds after an internal redirect. */
  addr: string | null;
  status: string;
  connectTime: number;
  headerTime: number;
  responseTime: number;
  start: number;
  /** Bytes written to and read from the upstream connection in this try (u->state->bytes_*). */
  bytesSent: number;
  bytesReceived: number;
}

function secs(ms: number): string {
  return ms < 0 ? '-' : (ms / 1000).toFixed(3);
}

// ngx_http_upstream_addr_variable and its siblings: entries joined with ", ", except that an empty
// entry (the start of a later upstream) puts " : " and is itself skipped — unless it comes first.
function list(get: (t: UpstreamTry) => string): VariableGetter {
  return (r) => {
    const states = r.proxy?.tries;
    if (states === undefined || states.length === 0) return undefined;
    let out = '';
    for (let i = 0; ; ) {
      out += get(states[i]!);
      if (++i === states.length) break;
      if (states[i]!.addr !== null) out += ', ';
      else {
        out += ' : ';
        if (++i === states.length) break;
      }
    }
    return out;
  };
}

const PROXY: Record<string, VariableGetter> = {
  proxy_host: (r) => (r.proxy?.generation === r.uriChanges ? r.proxy.hostHeader : undefined),
  proxy_port: (r) => (r.proxy?.generation === r.uriChanges ? r.proxy.port : undefined),
  proxy_internal_body_length: (r) => (r.proxy === null || r.proxy.bodyLength < 0 ? undefined : String(r.proxy.bodyLength)),
  proxy_internal_chunked: (r) => (r.proxy?.chunked ? 'chunked' : undefined),
  // ngx_http_proxy_add_x_forwarded_for_variable: the client's X-Forwarded-For headers, then its address.
  proxy_add_x_forwarded_for: (r) => {
    const xff = r.head.headers.filter((h) => h.name.toLowerCase() === 'x-forwarded-for').map((h) => h.value);
    return xff.length ? `${xff.join(', ')}, ${r.remoteAddress}` : r.remoteAddress;
  },
  upstream_addr: list((t) => t.addr ?? ''),
  upstream_status: list((t) => (t.status === '' ? '-' : t.status)),
  upstream_connect_time: list((t) => secs(t.connectTime)),
  upstream_header_time: list((t) => secs(t.headerTime)),
  upstream_response_time: list((t) => secs(t.responseTime)),
  upstream_bytes_sent: list((t) => String(t.bytesSent)),
  upstream_bytes_received: list((t) => String(t.bytesReceived)),
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
