/**
 * The messages between the master process and its worker processes (`worker_processes N` with
 * `master_process on`), over node:cluster's IPC channel. nginx's workers share memory zones; a
 * Node process cannot map another's memory, so the master owns what nginx keeps in shared memory
 * (limit_req and limit_conn zones, the peers of upstreams with `zone`, the stub_status counters'
 * totals) and the workers ask it. Every message carries `ngts` (its kind), apart from cluster's own.
 */
import type { LimitConnAsk, LimitConnDecision } from '../http/limit-conn.js';
import type { LimitReqAsk, LimitReqDecision } from '../http/limit-req.js';
import type { ConnectionCounters } from '../http/connection-stats.js';
import type { StatusReport } from '../upstream/peer-status.js';

/** The failure state of one shared peer (the zone's copy), as the master tells the workers. */
export interface SharedPeerState {
  readonly sid: string;
  readonly fails: number;
  readonly accessed: number;
  readonly checked: number;
}

/** What a worker sends. Those with `id` get an `answer` with the same id. */
export type ToMaster =
  /** All listeners bound: the worker serves. */
  | { readonly ngts: 'ready' }
  /** The worker could not start (its `[emerg]` message); it exits with code 2. */
  | { readonly ngts: 'failed'; readonly message: string }
  | { readonly ngts: 'limit_req'; readonly id: number; readonly asks: readonly LimitReqAsk[]; readonly now: number }
  | { readonly ngts: 'limit_conn'; readonly id: number; readonly asks: readonly LimitConnAsk[] }
  | { readonly ngts: 'limit_conn_release'; readonly zone: string; readonly key: string }
  /** A shared peer's failure (`fail`), success (`ok`) or new `checked` time, with its parameters. */
  | {
      readonly ngts: 'peer';
      readonly sid: string;
      readonly event: 'fail' | 'ok' | 'checked';
      readonly now: number;
      readonly ms: number;
      readonly failTimeout: number;
    }
  /** stub_status: every worker's counters added up. */
  | { readonly ngts: 'totals'; readonly id: number }
  /** The answer to the master's `ask`. */
  | { readonly ngts: 'answer'; readonly id: number; readonly value: ConnectionCounters | StatusReport }
  /** An idle keep-alive connection of an exiting worker (its socket sent along), for a new worker. */
  | { readonly ngts: 'handover'; readonly key: string; readonly ip: string }
  /** The last counters of a worker that exits by itself (quit, or the end of a reload). */
  | { readonly ngts: 'exiting'; readonly counters: ConnectionCounters }
  /** Messages of one turn of the event loop, sent as one (see Outbox). */
  | { readonly ngts: 'batch'; readonly messages: readonly ToMaster[] };

/** What the master sends. */
export type ToWorker =
  | { readonly ngts: 'answer'; readonly id: number; readonly value: LimitReqDecision | LimitConnDecision | ConnectionCounters }
  | { readonly ngts: 'ask'; readonly id: number; readonly what: 'counters' | 'report' }
  /** The zone's state of shared peers (all of them when the worker starts, then each change). */
  | { readonly ngts: 'peers'; readonly states: readonly SharedPeerState[] }
  /** The other workers' gauges, for `$connections_*`. */
  | { readonly ngts: 'gauges'; readonly others: Pick<ConnectionCounters, 'active' | 'reading' | 'writing' | 'waiting'> }
  /** Stop gracefully; with `handover`, idle keep-alive connections go to the new workers. */
  | { readonly ngts: 'quit'; readonly handover: boolean }
  | { readonly ngts: 'stop' }
  | { readonly ngts: 'reopen' }
  /** A connection handed over by an exiting worker (its socket sent along). */
  | { readonly ngts: 'handover'; readonly key: string; readonly ip: string }
  | { readonly ngts: 'batch'; readonly messages: readonly ToWorker[] };

/**
 * Messages without a socket wait for the end of the current turn of the event loop and go as
 * one: under load a worker asks for many requests per turn, and each IPC message costs a write,
 * a read and a wake-up on both sides (bench/workers.mjs measures it). One message alone goes as
 * it is, so a request on an idle server waits no longer.
 */
export class Outbox<M extends { readonly ngts: string }> {
  private queue: M[] = [];

  constructor(private readonly write: (m: M | { readonly ngts: 'batch'; readonly messages: readonly M[] }) => void) {}

  push(m: M): void {
    if (this.queue.push(m) === 1) queueMicrotask(() => this.flush());
  }

  private flush(): void {
    const q = this.queue;
    this.queue = [];
    if (q.length === 1) this.write(q[0]!);
    else if (q.length > 1) this.write({ ngts: 'batch', messages: q });
  }
}

/** Whether `m` is one of ours (cluster sends its own messages on the same channel). */
export function isNgtsMessage(m: unknown): m is { readonly ngts: string } {
  return typeof m === 'object' && m !== null && typeof (m as { ngts?: unknown }).ngts === 'string';
}
