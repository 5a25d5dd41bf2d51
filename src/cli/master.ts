/**
 * The master process (ngx_master_process_cycle) of `worker_processes N` with `master_process on`:
 * it checks the configuration, starts N worker processes through node:cluster (which binds the
 * listening sockets here and shares them: each worker accepts on them, as nginx's workers do on
 * the sockets they inherit), writes the pid file once they all listen, and from then on:
 *
 * - owns what nginx keeps in shared memory (runtime/shared/zone-owner.ts): the workers' limit_req
 *   and limit_conn requests are decided here, shared peers' failures are applied here and told to
 *   every worker, and stub_status asks here for every worker's counters added up;
 * - acts on signals as nginx's master: SIGHUP reloads (check, start new workers, then stop the
 *   old ones gracefully; on any error the old workers stay and the error is logged at emerg),
 *   SIGQUIT quits gracefully, SIGTERM/SIGINT stop at once, SIGUSR1 reopens the logs everywhere;
 * - starts a new worker when one dies, with nginx's error-log lines.
 */
import cluster, { type Worker } from 'node:cluster';
import { unlinkSync, writeFileSync } from 'node:fs';
import { constants } from 'node:os';
import type { CompiledHttp } from '../compile/servers.js';
import type { UpstreamConf } from '../compile/upstreams.js';
import { errnoText, fullName } from '../config/source.js';
import { closeErrorLogs, ErrorLog, reopenErrorLogs } from '../runtime/error-log.js';
import { planBindings } from '../runtime/http-server.js';
import type { ConnectionCounters } from '../runtime/http/connection-stats.js';
import { reopenAccessLogs } from '../runtime/http/access-log.js';
import { setLimitZones } from '../runtime/http/limit-zones.js';
import { processLogEvent, setProcessLog } from '../runtime/http/process-log.js';
import { isNgtsMessage, Outbox, type ToMaster, type ToWorker } from '../runtime/shared/messages.js';
import { ZoneOwner } from '../runtime/shared/zone-owner.js';
import { StatusListener } from '../runtime/status-listener.js';
import { mergeStatusReports, type StatusReport } from '../runtime/upstream/peer-status.js';
import type { PeerList } from '../runtime/upstream/round-robin.js';
import { describeChanges } from './config-diff.js';
import { ConfigWatcher } from './config-watcher.js';
import { workerCount } from './processes.js';
import { prepare, prepareReload, refuseReload, refuseStatusListener, startupNote, startupNotes, type RunOptions } from './run.js';
import { WORKER_FATAL } from './worker.js';

/** One worker process as the master sees it (ngx_process_t). */
interface WorkerRecord {
  readonly worker: Worker;
  readonly pid: number;
  /** Its configuration: 1 at start-up, one more at each reload. */
  readonly gen: number;
  ready: boolean;
  /** Told to quit or stop (p->exiting): not started again when it exits. */
  exiting: boolean;
  /** Why it could not start (its `[emerg]` message). */
  failure: string | null;
  /** Its counters when last asked (or as it exited). */
  counters: ConnectionCounters;
  /** Settles the wait for its start: null when ready, else why not. */
  settle: ((failure: string | null) => void) | null;
  /** Its messages without a socket, sent once per turn of the event loop. */
  readonly outbox: Outbox<ToWorker>;
}

const ZERO: ConnectionCounters = { accepted: 0, handled: 0, active: 0, requests: 0, reading: 0, writing: 0, waiting: 0 };

/** How long the master waits for a worker's answer before using what it last knew. */
const ASK_TIMEOUT_MS = 1000;
/** How often the other workers' gauges are sent to each worker, for `$connections_*`. */
const GAUGES_INTERVAL_MS = 1000;
/** After SIGTERM, workers still alive then are killed (nginx: SIGKILL once its delay passes 1 s). */
const KILL_AFTER_MS = 1000;

/** The number of a signal name (`SIGKILL` → 9), for nginx's `exited on signal N`. */
function signalNumber(name: string): number {
  return (constants.signals as Record<string, number>)[name] ?? 0;
}

/** Runs the master and its `count` workers until a signal stops them; resolves to the exit code. */
export async function runMaster(opts: RunOptions, count: number): Promise<number> {
  const { checked, prefix } = opts;
  // Read the configuration as nginx's master does before forking: names resolved, logs opened.
  const prepared = await prepare(checked, prefix, opts.errorLog, opts.devCerts === true);
  if ('error' in prepared) {
    process.stderr.write(`nginx: [emerg] ${prepared.error}\n`);
    return 1;
  }
  let current: CompiledHttp = prepared.http;
  let errorLog: ErrorLog = prepared.errorLog;
  setProcessLog(opts.logFormat ?? 'off');
  startupNotes(checked, current);
  setLimitZones(current.limitZones.req, current.limitZones.conn);

  const owner = new ZoneOwner();
  const records = new Map<number, WorkerRecord>();
  /** The counters of workers that are gone (nginx's shared counters keep them). */
  const retired = { accepted: 0, handled: 0, requests: 0 };
  let gen = 1;
  let stopping = false;
  let nextId = 1;
  const pending = new Map<number, (value: unknown) => void>();
  let handoverNext = 0;

  // A worker that has just died: the message is lost, as a signal to a dead process would be.
  const swallow = (): void => undefined;
  const send = (rec: WorkerRecord, m: ToWorker, handle?: unknown): void => {
    if (!rec.worker.isConnected()) return;
    if (handle === undefined) rec.outbox.push(m);
    else rec.worker.send(m, handle as never, swallow);
  };

  const ask = <T>(rec: WorkerRecord, what: 'counters' | 'report'): Promise<T | null> =>
    new Promise((resolve) => {
      const id = nextId++;
      pending.set(id, resolve as (value: unknown) => void);
      send(rec, { ngts: 'ask', id, what });
      setTimeout(() => {
        if (pending.delete(id)) resolve(null);
      }, ASK_TIMEOUT_MS).unref();
    });

  /** Every worker's counters added up (nginx's shared ngx_stat_* counters); also tells the gauges. */
  const gather = async (): Promise<ConnectionCounters> => {
    const live = [...records.values()];
    const got = await Promise.all(live.map((r) => ask<ConnectionCounters>(r, 'counters')));
    live.forEach((r, i) => {
      const c = got[i];
      if (c) r.counters = c;
    });
    const total: ConnectionCounters = { ...ZERO, ...retired };
    for (const r of records.values()) {
      total.accepted += r.counters.accepted;
      total.handled += r.counters.handled;
      total.requests += r.counters.requests;
      total.active += r.counters.active;
      total.reading += r.counters.reading;
      total.writing += r.counters.writing;
      total.waiting += r.counters.waiting;
    }
    for (const r of records.values()) {
      const { active, reading, writing, waiting } = r.counters;
      send(r, { ngts: 'gauges', others: { active: total.active - active, reading: total.reading - reading, writing: total.writing - writing, waiting: total.waiting - waiting } });
    }
    return total;
  };

  /** The workers of the running configuration that serve (where handed-over connections go). */
  const serving = (): WorkerRecord[] => [...records.values()].filter((r) => r.gen === gen && r.ready && !r.exiting);

  const onMessage = (rec: WorkerRecord, m: unknown, handle: unknown): void => {
    if (!isNgtsMessage(m)) return;
    const msg = m as ToMaster;
    switch (msg.ngts) {
      case 'batch':
        for (const one of msg.messages) onMessage(rec, one, undefined);
        return;
      case 'ready':
        rec.ready = true;
        send(rec, { ngts: 'peers', states: owner.peerSnapshot(rec.gen) });
        rec.settle?.(null);
        rec.settle = null;
        return;
      case 'failed':
        rec.failure = msg.message;
        // A worker started again after one died: nobody waits for it, so its reason is logged here.
        if (rec.settle === null) errorLog.write('emerg', msg.message);
        rec.settle?.(msg.message);
        rec.settle = null;
        return;
      case 'limit_req':
        send(rec, { ngts: 'answer', id: msg.id, value: owner.limitReq(msg.asks, msg.now) });
        return;
      case 'limit_conn':
        send(rec, { ngts: 'answer', id: msg.id, value: owner.limitConn(rec.pid, msg.asks) });
        return;
      case 'limit_conn_release':
        owner.release(rec.pid, msg.zone, msg.key);
        return;
      case 'peer': {
        const state = owner.peerEvent(rec.gen, msg.sid, msg.event, msg.now, msg.failTimeout);
        for (const r of records.values()) if (r.gen === rec.gen) send(r, { ngts: 'peers', states: [state] });
        return;
      }
      case 'totals':
        void gather().then((value) => send(rec, { ngts: 'answer', id: msg.id, value }));
        return;
      case 'answer': {
        const resolve = pending.get(msg.id);
        pending.delete(msg.id);
        resolve?.(msg.value);
        return;
      }
      case 'handover': {
        const to = serving();
        const target = to.length ? to[handoverNext++ % to.length]! : null;
        if (target !== null && handle) send(target, { ngts: 'handover', key: msg.key, ip: msg.ip }, handle);
        else (handle as { destroy?: () => void } | undefined)?.destroy?.();
        return;
      }
      case 'exiting':
        rec.counters = msg.counters;
        return;
    }
  };

  /** ngx_spawn_process: one worker of configuration `g`. */
  const spawn = (g: number): WorkerRecord => {
    const worker = cluster.fork();
    const outbox = new Outbox<ToWorker>((m) => {
      if (worker.isConnected()) worker.send(m, swallow);
    });
    const rec: WorkerRecord = { worker, pid: worker.process.pid ?? 0, gen: g, ready: false, exiting: false, failure: null, counters: { ...ZERO }, settle: null, outbox };
    records.set(worker.id, rec);
    errorLog.write('notice', `start worker process ${rec.pid}`);
    worker.on('message', (m: unknown, handle: unknown) => onMessage(rec, m, handle));
    // A failed send or a closed channel is seen as the worker's exit.
    worker.on('error', () => undefined);
    return rec;
  };
  const started = (rec: WorkerRecord): Promise<string | null> =>
    rec.ready ? Promise.resolve(null) : rec.failure !== null ? Promise.resolve(rec.failure) : new Promise((resolve) => (rec.settle = resolve));
  /** ngx_start_worker_processes: resolves to the first worker's failure, or null when all listen. */
  const startWorkers = async (n: number, g: number): Promise<{ fresh: WorkerRecord[]; failure: string | null }> => {
    errorLog.write('notice', 'start worker processes');
    const fresh = Array.from({ length: n }, () => spawn(g));
    const results = await Promise.all(fresh.map(started));
    return { fresh, failure: results.find((r) => r !== null) ?? null };
  };
  const stopWorkers = (list: Iterable<WorkerRecord>, how: 'stop' | 'quit', handover = false): void => {
    for (const r of list) {
      r.exiting = true;
      send(r, how === 'stop' ? { ngts: 'stop' } : { ngts: 'quit', handover });
    }
  };

  if (!process.env.NODE_CLUSTER_SCHED_POLICY) {
    // Each worker accepts on the shared sockets itself, as nginx's workers do: the master stays
    // out of the connections' path (node's default, round robin, has the master accept them all).
    cluster.schedulingPolicy = cluster.SCHED_NONE;
  }
  cluster.setupPrimary({ silent: false });

  let finishResolve: (code: number) => void = () => undefined;
  const finished = new Promise<number>((resolve) => (finishResolve = resolve));
  let watcher: ConfigWatcher | null = null;
  let status: StatusListener | null = null;
  let pidFile: string | null = null;

  const finish = (code: number): void => {
    if (pidFile !== null) {
      try {
        unlinkSync(pidFile);
      } catch {
        // nginx ignores a pid file that is already gone.
      }
    }
    // The listening sockets were the master's: so are their unix socket files.
    for (const b of planBindings(current)) {
      if (b.family !== 'unix') continue;
      try {
        unlinkSync(b.host);
      } catch {
        // Already gone.
      }
    }
    watcher?.close();
    status?.close();
    errorLog.write('notice', 'exit');
    closeErrorLogs();
    finishResolve(code);
  };

  cluster.on('exit', (worker: Worker, code: number | null, signal: string | null) => {
    const rec = records.get(worker.id);
    if (rec === undefined) return;
    records.delete(worker.id);
    owner.workerGone(rec.pid);
    retired.accepted += rec.counters.accepted;
    retired.handled += rec.counters.handled;
    retired.requests += rec.counters.requests;
    if (rec.settle !== null) {
      rec.settle(rec.failure ?? `worker process ${rec.pid} exited before it listened`);
      rec.settle = null;
    }
    // A worker that could not start said why; its exit (code 2) needs no line of its own.
    if (rec.failure === null) {
      // ngx_process_get_status
      errorLog.write('notice', `signal 17 (SIGCHLD) received from ${rec.pid}`);
      if (signal !== null) errorLog.write('alert', `worker process ${rec.pid} exited on signal ${signalNumber(signal)}`);
      else if (code === WORKER_FATAL) errorLog.write('alert', `worker process ${rec.pid} exited with fatal code ${code} and cannot be respawned`);
      else errorLog.write('notice', `worker process ${rec.pid} exited with code ${code ?? 0}`);
    }
    // ngx_reap_children: a worker of the running configuration that died is started again.
    if (!stopping && !rec.exiting && rec.ready && rec.gen === gen && code !== WORKER_FATAL) spawn(gen);
    if (rec.gen !== gen && ![...records.values()].some((r) => r.gen === rec.gen)) owner.dropGeneration(rec.gen);
    if (stopping && records.size === 0) finish(0);
  });

  const first = await startWorkers(count, gen);
  if (first.failure !== null) {
    errorLog.write('emerg', first.failure);
    if (errorLog.path !== 'stderr') process.stderr.write(`nginx: [emerg] ${first.failure}\n`);
    stopping = true;
    stopWorkers(records.values(), 'stop');
    if (records.size === 0) finish(1);
    await finished;
    return 1;
  }

  /** The peers of the running configuration, as this process resolved them (for `--status`'s names). */
  let peersNow: ReadonlyMap<UpstreamConf, PeerList> = prepared.peers;
  if (opts.status !== undefined) {
    status = new StatusListener(async (): Promise<StatusReport> => {
      const connections = await gather();
      const mine = serving();
      const reports = (await Promise.all(mine.map((r) => ask<StatusReport>(r, 'report')))).filter((r): r is StatusReport => r !== null);
      // The report's shape when no worker answered: every upstream with nothing counted.
      if (reports.length === 0) reports.push((await import('../runtime/upstream/peer-status.js')).statusReport(peersNow));
      return mergeStatusReports(reports, process.pid, [...records.values()].map((r) => r.pid), connections);
    });
    try {
      await status.listen(opts.status.host, opts.status.port);
    } catch (e) {
      refuseStatusListener(errorLog, e);
      stopping = true;
      stopWorkers(records.values(), 'stop');
      await finished;
      return 1;
    }
    const h = opts.status.host.includes(':') ? `[${opts.status.host}]` : opts.status.host;
    startupNote('notice', `status: http://${h}:${status.port()}/status (JSON), /status.txt (text); ngts status --url http://${h}:${status.port()}`);
  }

  processLogEvent('info', 'listening', { listen: planBindings(current).map((b) => b.text), workers: [...records.values()].map((r) => r.pid) });
  // All workers listen: now the pid file (ngx_create_pidfile), the master's pid.
  pidFile = current.main.pid === null ? null : fullName(prefix, current.main.pid);
  if (pidFile !== null) {
    try {
      writeFileSync(pidFile, `${process.pid}\n`);
    } catch (e) {
      errorLog.write('emerg', `open() "${pidFile}" failed ${errnoText(e)}`);
      pidFile = null;
      stopping = true;
      stopWorkers(records.values(), 'stop');
      await finished;
      return 1;
    }
  }
  setInterval(() => void gather(), GAUGES_INTERVAL_MS).unref();

  watcher = opts.watch === true ? new ConfigWatcher(checked) : null;
  let reloading: Promise<void> = Promise.resolve();

  /**
   * ngx_reconfigure in the master: read and check the configuration; on any error keep the
   * running workers and log the error at emerg. Otherwise start the new configuration's workers
   * and, once they all listen on the shared sockets (so no connection is refused), tell the old
   * ones to quit gracefully: they finish their requests in flight and hand their idle
   * keep-alive connections to the new workers. Zones of the same name and size keep their state.
   */
  const reload = async (changed: string | null): Promise<void> => {
    errorLog.write('notice', changed === null ? 'signal 1 (SIGHUP) received, reconfiguring' : `"${changed}" changed, reconfiguring`);
    errorLog.write('notice', 'reconfiguring');
    const next = opts.reload?.();
    if (next === undefined) return;
    const refused = (message: string): void => refuseReload(errorLog, changed, message);
    const p = await prepareReload(next, opts);
    if ('error' in p) return refused(p.error);
    // The new workers' zones must be there when they serve; a failed start puts the old back.
    setLimitZones(p.http.limitZones.req, p.http.limitZones.conn);
    const old = [...records.values()].filter((r) => r.gen === gen);
    const g = gen + 1;
    const { fresh, failure } = await startWorkers(workerCount(next), g);
    if (failure !== null) {
      stopWorkers(fresh, 'stop');
      setLimitZones(current.limitZones.req, current.limitZones.conn);
      return refused(failure);
    }
    gen = g;
    const oldHttp = current;
    current = p.http;
    peersNow = p.peers;
    // A changed main error_log takes the master's lines from now on, as the workers' new ones.
    errorLog = p.errorLog;
    stopWorkers(old, 'quit', true);
    startupNotes(next, p.http);
    const changes = describeChanges(oldHttp, p.http);
    const listen = planBindings(p.http).map((b) => b.text);
    if (!processLogEvent('info', 'reloaded', { listen, changes, workers: fresh.map((r) => r.pid) }) && changed !== null) {
      startupNote('notice', `reloaded ("${changed}" changed)${changes.length ? ':\n  ' + changes.join('\n  ') : ', no server, location or upstream added or removed'}`);
    }
    if (watcher) watcher.follow(next);
  };

  const queueReload = (changed: string | null): void => {
    if (stopping) return;
    // One reload at a time, in the order the signals came.
    reloading = reloading.then(() => reload(changed)).catch((e: unknown) => errorLog.write('alert', `reload failed: ${(e as Error).message}`));
  };
  if (watcher) watcher.onChange = (file) => queueReload(file);

  const fast = (name: 'SIGTERM' | 'SIGINT'): void => {
    errorLog.write('notice', `signal ${signalNumber(name)} (${name}) received, exiting`);
    stopping = true;
    stopWorkers(records.values(), 'stop');
    if (records.size === 0) return finish(0);
    setTimeout(() => {
      for (const r of records.values()) r.worker.process.kill('SIGKILL');
    }, KILL_AFTER_MS).unref();
  };
  process.on('SIGTERM', () => fast('SIGTERM'));
  process.on('SIGINT', () => fast('SIGINT'));
  process.on('SIGQUIT', () => {
    if (stopping) return;
    errorLog.write('notice', 'signal 3 (SIGQUIT) received, shutting down');
    stopping = true;
    void reloading.then(() => {
      stopWorkers(records.values(), 'quit');
      if (records.size === 0) finish(0);
    });
  });
  process.on('SIGHUP', () => queueReload(null));
  process.on('SIGUSR1', () => {
    errorLog.write('notice', 'signal 10 (SIGUSR1) received, reopening logs');
    errorLog.write('notice', 'reopening logs');
    reopenErrorLogs();
    reopenAccessLogs();
    for (const r of records.values()) send(r, { ngts: 'reopen' });
  });
  return finished;
}
