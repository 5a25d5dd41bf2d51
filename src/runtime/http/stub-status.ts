/**
 * ngx_http_stub_status_module: the `stub_status` content handler, over the process-wide counters
 * of connection-stats.ts (which also has the module's `$connections_*` variables).
 */
import { connectionCounters } from './connection-stats.js';
import type { HttpRequest } from './request.js';
import { sendWhole, type ResponseSink } from './response.js';

const DONE = -4;

/** The page, byte for byte as nginx prints it (the spaces before each line feed included). */
export function stubStatusText(): string {
  const c = connectionCounters;
  return (
    `Active connections: ${c.active} \n` +
    'server accepts handled requests\n' +
    ` ${c.accepted} ${c.handled} ${c.requests} \n` +
    `Reading: ${c.reading} Writing: ${c.writing} Waiting: ${c.waiting} \n`
  );
}

// ngx_http_stub_status_handler
/** Answers GET and HEAD with the status page (HEAD: the head with the page's length); else 405. */
export function stubStatusHandler(r: HttpRequest, sink: ResponseSink): number {
  if (r.method !== 'GET' && r.method !== 'HEAD') return 405;
  const rc = sink.discardBody();
  if (rc !== 0) return rc;
  const body = stubStatusText();
  const out = r.headersOut;
  out.contentType = 'text/plain';
  out.status = 200;
  out.contentLength = body.length;
  sendWhole(r, sink, body);
  return DONE;
}
