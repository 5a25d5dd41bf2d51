/**
 * ngx_http_stub_status_module: the `stub_status` content handler, over the process-wide counters
 * of connection-stats.ts (which also has the module's `$connections_*` variables).
 */
import { connectionCounters, type ConnectionCounters } from './connection-stats.js';
import type { HttpRequest } from './request.js';
import { sendWhole, type ResponseSink } from './response.js';

const DONE = -4;

/** With worker processes: the totals of every worker, which the master gathers. */
let totals: (() => Promise<ConnectionCounters>) | null = null;

/** A worker process: the page shows the totals `fetch` gives (all workers), not this process's. */
export function setStubStatusTotals(fetch: () => Promise<ConnectionCounters>): void {
  totals = fetch;
}

/** The page, byte for byte as nginx prints it (the spaces before each line feed included). */
export function stubStatusText(c: ConnectionCounters = connectionCounters): string {
  return (
    `Active connections: ${c.active} \n` +
    'server accepts handled requests\n' +
    ` ${c.accepted} ${c.handled} ${c.requests} \n` +
    `Reading: ${c.reading} Writing: ${c.writing} Waiting: ${c.waiting} \n`
  );
}

// ngx_http_stub_status_handler
/** Answers GET and HEAD with the status page (HEAD: the head with the page's length); else 405. */
export function stubStatusHandler(r: HttpRequest, sink: ResponseSink): number | Promise<number> {
  if (r.method !== 'GET' && r.method !== 'HEAD') return 405;
  const rc = sink.discardBody();
  if (rc !== 0) return rc;
  if (totals !== null) return totals().then((c) => send(r, sink, stubStatusText(c)));
  return send(r, sink, stubStatusText());
}

function send(r: HttpRequest, sink: ResponseSink, body: string): number {
  const out = r.headersOut;
  out.contentType = 'text/plain';
  out.status = 200;
  out.contentLength = body.length;
  sendWhole(r, sink, body);
  return DONE;
}
