/**
 * The connection counters nginx keeps with NGX_STAT_STUB (ngx_stat_accepted … ngx_stat_waiting in
 * src/event/ngx_event.c), which stub_status prints and `$connections_*` read. They belong to the
 * process, not to a configuration: a reload moves connections to a new HttpServer and the
 * counts go on.
 *
 * Each client connection is in at most one of reading, writing and waiting (ConnectionStat):
 * - waiting: accepted and nothing read yet, or idle between keep-alive requests
 *   (ngx_reusable_connection(c, 1));
 * - reading: a request exists and its head is being read (ngx_http_alloc_request to
 *   ngx_http_process_request; a head refused with an error stays here until the request is freed);
 * - writing: the head was read, until the request is freed (ngx_http_free_request), which
 *   includes reading or discarding its body, a WebSocket tunnel and a lingering close.
 */

/** Where one connection counts. */
export type ConnectionStat = 'none' | 'reading' | 'writing' | 'waiting';

export interface ConnectionCounters {
  /** ngx_stat_accepted: connections accepted from a listening socket. */
  accepted: number;
  /** ngx_stat_handled: accepted connections that were served (not dropped at once). */
  handled: number;
  /** ngx_stat_active: client connections open now. */
  active: number;
  /** ngx_stat_requests: requests created (the first byte of a head; not subrequests). */
  requests: number;
  reading: number;
  writing: number;
  waiting: number;
}

/** The process-wide counters. */
export const connectionCounters: ConnectionCounters = {
  accepted: 0,
  handled: 0,
  active: 0,
  requests: 0,
  reading: 0,
  writing: 0,
  waiting: 0,
};

/**
 * ngx_connection_counter: the number (c->number, `*N` in the error log, $connection) of every
 * connection the process opens, accepted from a client (ngx_event_accept) or made to an upstream
 * (ngx_event_connect_peer), from 1 on. Client numbers therefore skip those upstream connections took.
 */
let connectionNumber = 1;

/** The next connection number (a client connection keeps it; an upstream connection uses one up). */
export function takeConnectionNumber(): number {
  return connectionNumber++;
}

/** Moves one connection from `from` to `to`; returns `to` for the caller to keep. */
export function moveStat(from: ConnectionStat, to: ConnectionStat): ConnectionStat {
  if (from === to) return to;
  if (from !== 'none') connectionCounters[from]--;
  if (to !== 'none') connectionCounters[to]++;
  return to;
}

/**
 * With worker processes: the other workers' gauges as the master last gathered them (nginx's
 * counters are in shared memory; here a variable cannot wait for the other processes).
 */
const others = { active: 0, reading: 0, writing: 0, waiting: 0 };

/** Sets the other workers' active/reading/writing/waiting (a worker process, from the master). */
export function setOtherWorkersGauges(c: Pick<ConnectionCounters, 'active' | 'reading' | 'writing' | 'waiting'>): void {
  others.active = c.active;
  others.reading = c.reading;
  others.writing = c.writing;
  others.waiting = c.waiting;
}

// ngx_http_stub_status_variable
/** The getter of `$connections_active`, `_reading`, `_writing` or `_waiting`. */
export function connectionsVariable(which: 'active' | 'reading' | 'writing' | 'waiting'): () => string {
  return () => String(connectionCounters[which] + others[which]);
}
