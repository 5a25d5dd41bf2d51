/**
 * A worker process's side of the shared zones (see messages.ts): limit_req and limit_conn ask
 * the master, shared peers send their failures to it and take the zone's state from it, and
 * stub_status shows the totals it gathers. Also carries the master's commands (quit, stop,
 * reopen) and its questions (this worker's counters, its upstream report).
 */
import type { Socket } from 'node:net';
import type { UpstreamConf } from '../../compile/upstreams.js';
import { connectionCounters, setOtherWorkersGauges, type ConnectionCounters } from '../http/connection-stats.js';
import type { LimitConnAsk, LimitConnDecision } from '../http/limit-conn.js';
import type { LimitReqAsk, LimitReqDecision } from '../http/limit-req.js';
import { setRemoteLimitZones } from '../http/limit-zones.js';
import { setStubStatusTotals } from '../http/stub-status.js';
import type { StatusReport } from '../upstream/peer-status.js';
import { setPeerSync, type Peer, type PeerList } from '../upstream/round-robin.js';
import { isNgtsMessage, Outbox, type ToMaster, type ToWorker } from './messages.js';

/** What the worker does on the master's commands. */
export interface WorkerCommands {
  quit(handover: boolean): void;
  stop(): void;
  reopen(): void;
  /** A connection an exiting worker handed over, on the socket bound to `key`, local address `ip`. */
  adopt(socket: Socket, key: string, ip: string): void;
  /** This worker's upstream report (`--status`). */
  report(): StatusReport;
}

export class WorkerChannel {
  private nextId = 1;
  private readonly waiting = new Map<number, (value: unknown) => void>();
  /** The shared peers of the running configuration, by their name in the zone. */
  private readonly shared = new Map<string, Peer>();

  constructor(private readonly commands: WorkerCommands) {
    process.on('message', (m: unknown, handle: unknown) => this.receive(m, handle));
  }

  /** Handed-over sockets not yet written to the channel (node sends one handle at a time). */
  private handles = 0;
  private flushedResolve: (() => void) | null = null;

  private readonly outbox = new Outbox<ToMaster>((m) => {
    if (process.connected && process.send !== undefined) process.send(m);
  });

  /** Sends `m` to the master (dropped when the channel is closed: the worker is going away). */
  send(m: ToMaster, handle?: Socket): void {
    if (!process.connected || process.send === undefined) {
      handle?.destroy();
      return;
    }
    if (handle === undefined) {
      this.outbox.push(m);
      return;
    }
    this.handles++;
    process.send(m, handle as never, { keepOpen: false }, () => {
      if (--this.handles === 0) this.flushedResolve?.();
    });
  }

  /** Sends `m` at once; resolves when it is written (a worker about to exit says why first). */
  sendNow(m: ToMaster): Promise<void> {
    return new Promise((resolve) => {
      if (!process.connected || process.send === undefined) return resolve();
      process.send(m, undefined, {}, () => resolve());
    });
  }

  /** Resolves once every handed-over socket has gone to the master: then the worker may exit. */
  flushed(): Promise<void> {
    if (this.handles === 0) return Promise.resolve();
    return new Promise((resolve) => (this.flushedResolve = resolve));
  }

  /** Asks the master; resolves with its answer. */
  private ask<T>(make: (id: number) => ToMaster): Promise<T> {
    const id = this.nextId++;
    return new Promise<T>((resolve) => {
      this.waiting.set(id, resolve as (value: unknown) => void);
      this.send(make(id));
    });
  }

  /** From now on the zones, shared peers and stub_status of this process are the master's. */
  install(): void {
    setRemoteLimitZones({
      req: { decide: (asks: readonly LimitReqAsk[], now: number) => this.ask<LimitReqDecision>((id) => ({ ngts: 'limit_req', id, asks, now })) },
      conn: {
        acquire: (asks: readonly LimitConnAsk[]) => this.ask<LimitConnDecision>((id) => ({ ngts: 'limit_conn', id, asks })),
        release: (zone: string, key: string) => this.send({ ngts: 'limit_conn_release', zone, key }),
      },
    });
    setPeerSync({
      changed: (peer, event, now) => this.send({ ngts: 'peer', sid: peer.shared!, event, now, ms: Date.now(), failTimeout: peer.failTimeout }),
    });
    setStubStatusTotals(() => this.ask<ConnectionCounters>((id) => ({ ngts: 'totals', id })));
  }

  /** The peers of the running configuration whose upstream has `zone`. */
  sharePeers(peers: ReadonlyMap<UpstreamConf, PeerList>): void {
    this.shared.clear();
    for (const list of peers.values()) {
      for (const p of [...list.peers, ...(list.backup?.peers ?? [])]) if (p.shared !== null) this.shared.set(p.shared, p);
    }
  }

  private receive(m: unknown, handle: unknown): void {
    if (!isNgtsMessage(m)) return;
    const msg = m as ToWorker;
    switch (msg.ngts) {
      case 'batch':
        for (const one of msg.messages) this.receive(one, undefined);
        return;
      case 'answer': {
        const resolve = this.waiting.get(msg.id);
        this.waiting.delete(msg.id);
        resolve?.(msg.value);
        return;
      }
      case 'ask':
        this.send({ ngts: 'answer', id: msg.id, value: msg.what === 'counters' ? { ...connectionCounters } : this.commands.report() });
        return;
      case 'peers':
        for (const s of msg.states) {
          const p = this.shared.get(s.sid);
          if (p === undefined) continue;
          p.fails = s.fails;
          p.accessed = s.accessed;
          p.checked = s.checked;
        }
        return;
      case 'gauges':
        setOtherWorkersGauges(msg.others);
        return;
      case 'quit':
        this.commands.quit(msg.handover);
        return;
      case 'stop':
        this.commands.stop();
        return;
      case 'reopen':
        this.commands.reopen();
        return;
      case 'handover':
        if (handle !== undefined && handle !== null) this.commands.adopt(handle as Socket, msg.key, msg.ip);
        return;
    }
  }
}
