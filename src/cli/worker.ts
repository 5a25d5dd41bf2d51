/**
 * A worker process (ngx_worker_process_cycle): started by the master (master.ts) through
 * node:cluster, it reads the configuration the master checked, binds the listeners (node:cluster
 * shares the master's sockets, so every worker accepts on the same ones) and serves. What nginx
 * keeps in shared memory it asks the master for (runtime/shared/). It tells the master when it is
 * ready or why it could not start, and obeys it: quit (gracefully), stop, reopen. The OS signals
 * act as on nginx's workers: SIGTERM/SIGINT stop, SIGQUIT quits, SIGUSR1 reopens, SIGHUP is ignored.
 */
import type { Socket } from 'node:net';
import { closeErrorLogs, ErrorLog, reopenErrorLogs } from '../runtime/error-log.js';
import { HttpServer } from '../runtime/http-server.js';
import { nginxMessage } from './log-line.js';
import { closeUpstreamConnections, setPeerRegistry } from '../runtime/proxy/proxy-handler.js';
import { setLimitZones } from '../runtime/http/limit-zones.js';
import { reopenAccessLogs } from '../runtime/http/access-log.js';
import { setProcessLog } from '../runtime/http/process-log.js';
import { connectionCounters } from '../runtime/http/connection-stats.js';
import { statusReport } from '../runtime/upstream/peer-status.js';
import { WorkerChannel } from '../runtime/shared/worker-channel.js';
import { applyHeapPolicy } from '../runtime/heap-policy.js';
import { prepare, type RunOptions } from './run.js';

/** Exit code of a worker that cannot start: nginx's master does not respawn it (fatal code 2). */
export const WORKER_FATAL = 2;

/** Serves as one of the master's workers until told to stop; resolves to the exit code. */
export async function runWorker(opts: RunOptions): Promise<number> {
  const { checked, prefix } = opts;
  let server: HttpServer | null = null;
  let errorLog: ErrorLog | null = null;
  let stopping = false;
  let resolveExit: (code: number) => void = () => undefined;
  const exited = new Promise<number>((resolve) => (resolveExit = resolve));

  const finish = (): void => {
    closeUpstreamConnections();
    // ngx_worker_process_exit
    errorLog?.write('notice', 'exit');
    closeErrorLogs();
    resolveExit(0);
  };
  const stop = (): void => {
    if (server === null) return resolveExit(0);
    stopping = true;
    errorLog?.write('notice', 'exiting');
    server.stopFast();
    finish();
  };
  const quit = (handover: boolean): void => {
    if (stopping || server === null) return;
    stopping = true;
    errorLog?.write('notice', 'gracefully shutting down');
    const s = server;
    void s
      .stopGraceful(handover ? (socket, key, ip) => channel.send({ ngts: 'handover', key, ip }, socket) : undefined)
      .then(() => channel.flushed())
      .then(() => {
        errorLog?.write('notice', 'exiting');
        return channel.sendNow({ ngts: 'exiting', counters: { ...connectionCounters } });
      })
      .then(finish);
  };
  const reopen = (): void => {
    errorLog?.write('notice', 'reopening logs');
    reopenErrorLogs();
    reopenAccessLogs();
  };
  let peers: Parameters<typeof statusReport>[0] = new Map();
  const channel = new WorkerChannel({
    quit,
    stop,
    reopen,
    adopt: (socket: Socket, key: string, ip: string) => {
      if (server === null || stopping) socket.destroy();
      else server.adopt(socket, key, ip);
    },
    report: () => statusReport(peers),
  });
  const failed = async (message: string): Promise<number> => {
    await channel.sendNow({ ngts: 'failed', message });
    return WORKER_FATAL;
  };

  // The master checked this configuration; the files may have changed since.
  const fatal = checked.diagnostics.find((d) => d.fatal);
  if (fatal) return failed(nginxMessage(fatal));
  const prepared = await prepare(checked, prefix, opts.errorLog, opts.devCerts === true, true);
  if ('error' in prepared) return failed(prepared.error);
  const { http } = prepared;
  errorLog = prepared.errorLog;
  setProcessLog(opts.logFormat ?? 'off');
  channel.install();
  peers = prepared.peers;
  channel.sharePeers(prepared.peers);
  setPeerRegistry(prepared.peers);
  // The zones' state is the master's; this process keeps their keys to evaluate.
  setLimitZones(http.limitZones.req, http.limitZones.conn);
  server = new HttpServer(http, errorLog);
  // The listening sockets are the master's (node:cluster): unix socket files stay for the others.
  server.unlinkUnixSockets = false;
  try {
    await server.listen();
  } catch (e) {
    server.stopFast();
    return failed((e as Error).message);
  }
  applyHeapPolicy(opts.heap ?? 'lean');

  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  process.on('SIGQUIT', () => quit(false));
  process.on('SIGHUP', () => undefined);
  process.on('SIGUSR1', reopen);
  // The master is gone (killed): nothing would answer the zones; stop as nginx's workers do
  // when their channel closes.
  process.on('disconnect', stop);
  channel.send({ ngts: 'ready' });
  return exited;
}
