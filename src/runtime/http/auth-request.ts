/**
 * ngx_http_auth_request_module in the access phase: a subrequest to the configured URI; 2xx
 * allows, 401 (with the subrequest's WWW-Authenticate) and 403 are answered to the client, any
 * other status is a 500. `auth_request_set` copies values from the subrequest.
 */
import type { AuthRequestConf } from '../../compile/auth-request-conf.js';
import type { HttpRequest } from './request.js';
import type { ResponseSink } from './response.js';
import { subrequest } from './subrequest.js';
import { evaluate } from './variables.js';

const OK = 0;

// ngx_http_auth_request_handler (both passes: the subrequest, then its outcome)
/** Resolves to OK, 401, 403 or 500. */
export async function authRequestHandler(r: HttpRequest, sink: ResponseSink, conf: AuthRequestConf): Promise<number> {
  const { request: sr, status } = await subrequest(r, sink, conf.uri);
  // ngx_http_auth_request_set_variables: evaluated in the subrequest, kept in the (shared) slots.
  for (const s of conf.set) r.values[s.index] = evaluate(sr, s.value);
  if (status === 403) return 403;
  if (status === 401) {
    const own = sr.headersOut.headers.find(([n]) => n.toLowerCase() === 'www-authenticate');
    const upstream = sr.proxy?.responseHeaders.find(([n]) => n.toLowerCase() === 'www-authenticate');
    const h = own ?? upstream;
    if (h) r.headersOut.headers.push([h[0], h[1]]);
    return 401;
  }
  if (status >= 200 && status < 300) return OK;
  sink.log('error', `auth request unexpected status: ${status}`);
  return 500;
}
