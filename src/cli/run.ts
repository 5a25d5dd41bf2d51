/**
 * `ngts` / `ngts run`: the server in the foreground, as nginx with `daemon off;` and one process
 * (with `worker_processes` above 1 and `master_process on`, master.ts and its workers instead).
 * Reads and checks the configuration (refusing to start on any error, with nginx's message),
 * compiles it, binds every listener, then writes the pid file, and acts on signals as nginx does:
 * SIGTERM/SIGINT stop at once, SIGQUIT gracefully, SIGHUP reloads the configuration, SIGUSR1
 * reopens the log files.
 */
import cluster from 'node:cluster';
import { unlinkSync, writeFileSync } from 'node:fs';
import { compileHttp, type CompiledHttp } from '../compile/servers.js';
import type { UpstreamConf } from '../compile/upstreams.js';
import type { CheckedConfig, PreparedFindings } from '../config/validate.js';
import { closeErrorLogs, ErrorLog, errorLogPath, openErrorLog, reopenErrorLogs, setErrorLogPrefix } from '../runtime/error-log.js';
import { HttpServer } from '../runtime/http-server.js';
import { errnoText, fullName } from '../config/source.js';
import { nginxMessage } from './log-line.js';
import { evaluate, resolveBuiltin } from '../runtime/http/variables.js';
import { withProxyVariables } from '../runtime/proxy/proxy-variables.js';
import { closeUpstreamConnections, retireUpstreams, setPeerRegistry } from '../runtime/proxy/proxy-handler.js';
import { checkProxySslFiles } from '../runtime/upstream/upstream-ssl.js';
import { checkLimitZones, setLimitZones } from '../runtime/http/limit-zones.js';
import { flushAccessLogs, openAccessLog, reopenAccessLogs, setAccessLogErrorSink, setAccessLogPrefix } from '../runtime/http/access-log.js';
import { createPeers, HostNotFound, type PeerList } from '../runtime/upstream/round-robin.js';
import { EXECUTED_DIRECTIVES } from '../runtime/executed.js';
import { describeChanges } from './config-diff.js';
import { ConfigWatcher } from './config-watcher.js';
import { processLogEvent, setProcessLog, type ProcessLogFormat } from '../runtime/http/process-log.js';
import { directivesOf } from '../config/checks/expanded.js';
import type { Statement } from '../config/ast.js';
import { registry } from '../config/registry/index.js';
import { StatusListener } from '../runtime/status-listener.js';
import { applyHeapPolicy, type HeapPolicy } from '../runtime/heap-policy.js';
import { statusReport } from '../runtime/upstream/peer-status.js';
import { workerProcesses } from './processes.js';
import { loadSslContexts } from '../runtime/ssl/ssl-contexts.js';
import { withSslVariables } from '../runtime/ssl/ssl-variables.js';

export interface RunOptions {
  readonly checked: CheckedConfig;
  /** The prefix, with a trailing slash. */
  readonly prefix: string;
  /** -e: the error log that replaces the configuration's during start-up and after. */
  readonly errorLog: string | undefined;
  /** Reads and checks the configuration again (SIGHUP); without it, SIGHUP is ignored. */
  readonly reload?: () => CheckedConfig;
  /** ngts's own process log: a line per request, pretty or JSON (pino), or none. */
  readonly logFormat?: ProcessLogFormat;
  /** `--watch`: reload when the main file or any file it includes changes, and say what changed. */
  readonly watch?: boolean;
  /** `--status ADDR:PORT`: serve the upstream peer report there (a listener of ngts's own). */
  readonly status?: { readonly host: string; readonly port: number };
  /** `--dev-certs`: missing ssl_certificate/ssl_certificate_key files are made (self-signed). */
  readonly devCerts?: boolean;
  /** `--heap lean|node`: how the serving processes size V8's heap (heap-policy.ts); lean by default. */
  readonly heap?: HeapPolicy;
}

/** ngts's own start-up notes go to stderr, as nginx's configuration messages do, whatever the log level. */
export function startupNote(level: 'warn' | 'notice', message: string): void {
  if (processLogEvent(level === 'warn' ? 'warn' : 'info', message)) return;
  process.stderr.write(Buffer.from(`ngts: [${level}] ${message}\n`, 'latin1'));
}

/** A compiled configuration with what it needs at run time, ready to serve. */
export interface Prepared {
  readonly http: CompiledHttp;
  readonly peers: Map<UpstreamConf, PeerList>;
  /** The main context's error log (-e, else its error_log lines, else stderr). */
  readonly errorLog: ErrorLog;
}

/**
 * Why a configuration could not be prepared: nginx's `[emerg]` message, and whether nginx meets it
 * while reading the configuration (`config`: an upstream host not found, a certificate) or after
 * it has said `syntax is ok` (`files`: opening the error and access logs). `-t` prints the two in
 * those places.
 */
export interface PrepareFailure {
  readonly error: string;
  readonly stage: 'config' | 'files';
  /** For `config`: every failure of its kind, for the checker to place (-t). */
  readonly findings?: PreparedFindings;
}

/**
 * Compiles a checked configuration and does what nginx does while reading it (ngx_init_cycle, for
 * `-t` too): resolves upstream host names and loads the certificates, then opens the error and
 * access logs. Returns nginx's `[emerg]` message on failure. `quiet`: no start-up notes (a worker
 * process, whose master already printed them, or -t).
 */
export async function prepare(checked: CheckedConfig, prefix: string, errorLogOption: string | undefined, devCerts = false, quiet = false): Promise<Prepared | PrepareFailure> {
  const http = compileHttp(checked, {
    prefix,
    builtins: withSslVariables(withProxyVariables(resolveBuiltin)),
    mapRuntime: {
      evaluate,
      setCaptures: (r, m, names) => {
        r.captures = m;
        for (const n of names) r.values[n.index] = m.groups?.[n.name] ?? '';
      },
    },
  });
  // nginx resolves upstream host names while reading the configuration: a failure stops it.
  // Every upstream is tried, so that -t can name the first in the order nginx reads them.
  const peers = new Map<UpstreamConf, PeerList>();
  const notFound: HostNotFound[] = [];
  for (const u of new Set([...http.proxied.values(), ...http.upstreams.values()])) {
    try {
      peers.set(u, await createPeers(u));
    } catch (e) {
      if (!(e instanceof HostNotFound)) throw e;
      notFound.push(e);
    }
  }
  if (notFound.length > 0) {
    const hostNotFound = new Map(notFound.map((e) => [`${e.file}:${e.line}`, e.text]));
    return { error: notFound[0]!.message, stage: 'config', findings: { hostNotFound, mergeFailure: null } };
  }
  // ngx_http_ssl_merge_srv_conf loads every server's certificates (a missing file stops nginx),
  // and ngx_http_proxy_set_ssl reads the proxy_ssl_* files after them (the proxy module merges later).
  const confDir = checked.main.path.slice(0, checked.main.path.lastIndexOf('/') + 1);
  const sslError =
    loadSslContexts(http, { devCerts: devCerts ? { prefix, confDir } : null, warn: (m) => (quiet ? undefined : startupNote('warn', m)) }) ??
    checkProxySslFiles(http.proxySsl);
  if (sslError !== null) return { error: sslError, stage: 'config', findings: { hostNotFound: new Map(), mergeFailure: sslError } };
  // The configuration is read; ngx_init_cycle opens the log files next (ngx_open_files).
  setErrorLogPrefix(prefix);
  // -e replaces the main context's error_log (its level stays).
  const main = http.main.errorLogs;
  const mainTargets = errorLogOption === undefined ? main : [{ path: errorLogOption, level: main[0]?.level ?? 'error' }];
  setAccessLogPrefix(prefix);
  for (const [kind, path] of logFilesInOrder(checked, [...mainTargets.map((t) => t.path), ...http.errorLogPaths], [...http.logPaths])) {
    try {
      if (kind === 'error_log') openErrorLog(path);
      else openAccessLog(path, http.logBuffers.get(path) ?? null);
    } catch (e) {
      return { error: `open() "${kind === 'error_log' ? errorLogPath(path) : fullName(prefix, path)}" failed ${errnoText(e)}`, stage: 'files' };
    }
  }
  return { http, peers, errorLog: new ErrorLog(mainTargets) };
}

/** A log file to open: the directive that names it, and its path as written. */
type LogFile = readonly ['error_log' | 'access_log', string];

/**
 * The error and access logs to open, in the order ngx_open_files opens them: the order in which
 * their `error_log` and `access_log` lines were read (each file registers itself when its line is
 * read), so that of two files that cannot be opened nginx's message names the same one.
 */
function logFilesInOrder(checked: CheckedConfig, errorLogs: readonly string[], accessLogs: readonly string[]): LogFile[] {
  const files: LogFile[] = [...errorLogs.map((p): LogFile => ['error_log', p]), ...accessLogs.map((p): LogFile => ['access_log', p])];
  if (errorLogs.length === 0 || accessLogs.length === 0) return files;
  const read = new Map<string, number>();
  const walk = (statements: readonly Statement[]): void => {
    for (const d of directivesOf(statements, checked.includes)) {
      const path = d.args[0]?.value;
      if ((d.name === 'error_log' || d.name === 'access_log') && path !== undefined && !read.has(`${d.name} ${path}`)) read.set(`${d.name} ${path}`, read.size);
      if (d.block !== null) walk(d.block);
    }
  };
  walk(checked.main.statements);
  // -e's file is not a line of the configuration: nginx opened it first.
  const rank = ([kind, path]: LogFile): number => read.get(`${kind} ${path}`) ?? -1;
  return files.sort((a, b) => rank(a) - rank(b));
}

/**
 * A reload's configuration checked and prepared as nginx's master does before it switches:
 * the first fatal error, a failed preparation, or a zone whose key changed refuses it.
 */
export async function prepareReload(next: CheckedConfig, opts: RunOptions): Promise<Prepared | { error: string }> {
  const fatal = next.diagnostics.find((d) => d.fatal);
  if (fatal) return { error: nginxMessage(fatal) };
  const p = await prepare(next, opts.prefix, opts.errorLog, opts.devCerts === true);
  if ('error' in p) return p;
  const zones = checkLimitZones(p.http.limitZones.req, p.http.limitZones.conn);
  return zones === null ? p : { error: zones };
}

/** A refused reload: `[emerg]` in the error log, and a word to the terminal when a file changed. */
export function refuseReload(errorLog: ErrorLog, changed: string | null, message: string): void {
  errorLog.write('emerg', message);
  if (processLogEvent('error', 'reload refused, the running configuration stays', { error: message })) return;
  if (changed !== null) startupNote('warn', `reload refused, still serving the previous configuration: ${message}`);
}

/** The status listener (--status) could not listen: [emerg] in the error log, and on stderr too. */
export function refuseStatusListener(errorLog: ErrorLog, e: unknown): void {
  const msg = `--status: ${(e as Error).message}`;
  errorLog.write('emerg', msg);
  if (errorLog.path !== 'stderr') process.stderr.write(`ngts: [emerg] ${msg}\n`);
}

/** Runs the server until a signal stops it; resolves to the exit code. */
export async function runServer(opts: RunOptions): Promise<number> {
  // A worker process started by the master (master.ts) reads the same command line.
  if (cluster.isWorker) return (await import('./worker.js')).runWorker(opts);
  const { checked, prefix } = opts;
  const startup: string[] = [];
  for (const d of checked.diagnostics) {
    if (d.code.startsWith('ngts-')) continue;
    startup.push(`nginx: [${d.level}] ${nginxMessage(d)}`);
    if (d.fatal) {
      process.stderr.write(Buffer.from(startup.join('\n') + '\n', 'latin1'));
      return 1;
    }
  }
  if (startup.length) process.stderr.write(Buffer.from(startup.join('\n') + '\n', 'latin1'));
  // `master_process on` (nginx's default) with more than one worker: a master and its workers.
  const workers = workerProcesses(checked);
  if (workers > 1) return (await import('./master.js')).runMaster(opts, workers);

  const prepared = await prepare(checked, prefix, opts.errorLog, opts.devCerts === true);
  if ('error' in prepared) {
    process.stderr.write(`nginx: [emerg] ${prepared.error}\n`);
    return 1;
  }
  const { http } = prepared;
  let errorLog = prepared.errorLog;
  // Buffers flushed by their timer report write errors to the main log (the cycle's in nginx).
  setAccessLogErrorSink((level, message) => errorLog.write(level, message));
  setProcessLog(opts.logFormat ?? 'off');
  startupNotes(checked, http);
  setPeerRegistry(prepared.peers);
  setLimitZones(http.limitZones.req, http.limitZones.conn);
  let server = new HttpServer(http, errorLog);
  // Watching starts before the listeners open, so that a change made once a client can connect is
  // seen (one made meanwhile waits for the handler set below).
  const watcher = opts.watch === true ? new ConfigWatcher(checked) : null;
  try {
    await server.listen();
  } catch (e) {
    const msg = (e as Error).message;
    errorLog.write('emerg', msg);
    if (errorLog.path !== 'stderr') process.stderr.write(`nginx: [emerg] ${msg}\n`);
    server.stopFast();
    watcher?.close();
    return 1;
  }

  /** The peers of the running configuration, for the status listener. */
  let peersNow: ReadonlyMap<UpstreamConf, PeerList> = prepared.peers;
  let status: StatusListener | null = null;
  if (opts.status !== undefined) {
    status = new StatusListener(() => statusReport(peersNow));
    try {
      await status.listen(opts.status.host, opts.status.port);
    } catch (e) {
      refuseStatusListener(errorLog, e);
      server.stopFast();
      status.close();
      watcher?.close();
      return 1;
    }
    const h = opts.status.host.includes(':') ? `[${opts.status.host}]` : opts.status.host;
    startupNote('notice', `status: http://${h}:${status.port()}/status (JSON), /status.txt (text); ngts status --url http://${h}:${status.port()}`);
  }

  applyHeapPolicy(opts.heap ?? 'lean');
  processLogEvent('info', 'listening', { listen: [...server.boundPorts().keys()] });
  // All listeners are bound: now the pid file (ngx_create_pidfile).
  const pidFile = http.main.pid === null ? null : fullName(prefix, http.main.pid);
  if (pidFile !== null) {
    try {
      writeFileSync(pidFile, `${process.pid}\n`);
    } catch (e) {
      const msg = `open() "${pidFile}" failed ${errnoText(e)}`;
      errorLog.write('emerg', msg);
      server.stopFast();
      status?.close();
      watcher?.close();
      return 1;
    }
  }

  /** Configurations replaced by a reload whose requests are still finishing. */
  const retiring = new Set<HttpServer>();
  let current = http;
  let reloading: Promise<void> = Promise.resolve();

  /**
   * SIGHUP (ngx_reconfigure): read and check the configuration again. On any error the running
   * configuration stays and the error is logged at emerg, as nginx's master does; otherwise new
   * requests get the new one at once — sockets of unchanged addresses are handed over, not closed,
   * and so are their keep-alive connections — while requests in flight finish on the old one.
   * (nginx's old workers close their keep-alive connections instead; a client that sends on one
   * at that moment sees an error. Moving them costs nothing and fails no request.)
   */
  const reload = async (changed: string | null): Promise<void> => {
    errorLog.write('notice', changed === null ? 'signal 1 (SIGHUP) received, reconfiguring' : `"${changed}" changed, reconfiguring`);
    const next = opts.reload?.();
    if (next === undefined) return;
    const refused = (message: string): void => refuseReload(errorLog, changed, message);
    const p = await prepareReload(next, opts);
    if ('error' in p) return refused(p.error);
    const fresh = new HttpServer(p.http, p.errorLog);
    try {
      await fresh.listen(server);
    } catch (e) {
      return refused((e as Error).message);
    }
    setPeerRegistry(p.peers);
    peersNow = p.peers;
    // The new main error_log from now on; lines buffered so far go out before the switch.
    flushAccessLogs();
    errorLog = p.errorLog;
    setLimitZones(p.http.limitZones.req, p.http.limitZones.conn);
    fresh.adoptConnections(server);
    const old = server;
    const oldHttp = current;
    server = fresh;
    current = p.http;
    startupNotes(next, p.http);
    const changes = describeChanges(oldHttp, p.http);
    if (!processLogEvent('info', 'reloaded', { listen: [...server.boundPorts().keys()], changes }) && changed !== null) {
      startupNote('notice', `reloaded ("${changed}" changed)${changes.length ? ':\n  ' + changes.join('\n  ') : ', no server, location or upstream added or removed'}`);
    }
    if (watcher) watcher.follow(next);
    retiring.add(old);
    void old.stopGraceful().then(() => {
      retiring.delete(old);
      retireUpstreams([...oldHttp.proxied.values(), ...oldHttp.upstreams.values()]);
    });
  };

  return new Promise<number>((resolve) => {
    let stopping = false;
    let done = false;
    const finish = (): void => {
      if (done) return;
      done = true;
      if (pidFile !== null) {
        try {
          unlinkSync(pidFile);
        } catch {
          // nginx ignores a pid file that is already gone.
        }
      }
      watcher?.close();
      status?.close();
      closeUpstreamConnections();
      // ngx_conf_flush_files at exit: no buffered access log line is lost.
      flushAccessLogs();
      errorLog.write('notice', 'exit');
      closeErrorLogs();
      resolve(0);
    };
    const fast = (): void => {
      // Also ends a graceful stop that is still waiting for requests.
      stopping = true;
      errorLog.write('notice', 'signal received, exiting');
      for (const s of [server, ...retiring]) s.stopFast();
      finish();
    };
    process.on('SIGTERM', fast);
    process.on('SIGINT', fast);
    process.on('SIGQUIT', () => {
      if (stopping) return;
      stopping = true;
      errorLog.write('notice', 'gracefully shutting down');
      void reloading.then(() => Promise.all([server, ...retiring].map((s) => s.stopGraceful()))).then(finish);
    });
    process.on('SIGHUP', () => {
      if (stopping) return;
      // One reload at a time, in the order the signals came.
      reloading = reloading.then(() => reload(null)).catch((e: unknown) => errorLog.write('alert', `reload failed: ${(e as Error).message}`));
    });
    if (watcher) {
      watcher.onChange = (file) => {
        if (stopping) return;
        reloading = reloading.then(() => reload(file)).catch((e: unknown) => errorLog.write('alert', `reload failed: ${(e as Error).message}`));
      };
    }
    process.on('SIGUSR1', () => {
      reopenErrorLogs();
      reopenAccessLogs();
    });
  });
}

/** What ngts tells at start-up (and after a reload) about directives it does not execute. */
export function startupNotes(checked: CheckedConfig, http: CompiledHttp): void {
  if (checked.effectless.size) {
    const names = [...checked.effectless.values()].map((e) => `${e.spec.name} (${e.file}:${e.line})`);
    startupNote('notice', `accepted without effect: ${names.join(', ')}`);
  }
  const notYet = http.servers.flatMap((s) => s.unsupported);
  if (notYet.length) {
    const where = notYet.map((l) => `"${l.unsupported}" in ${l.label} (${l.file}:${l.line})`);
    startupNote('warn', `content handlers not executed by this version, requests reaching them get 500: ${where.join(', ')}`);
  }
  const ignored = notExecuted(checked);
  if (ignored.length) startupNote('warn', `accepted but not executed yet by ngts run: ${ignored.join(', ')}`);
}

/** In-scope directives of the configuration that `ngts run` does not execute yet, once each. */
function isDirectiveName(name: string): boolean {
  return registry.has(name);
}

function notExecuted(checked: CheckedConfig): string[] {
  const seen = new Map<string, string>();
  const walk = (statements: readonly Statement[]): void => {
    for (const d of directivesOf(statements, checked.includes)) {
      if (!EXECUTED_DIRECTIVES.has(d.name) && !checked.effectless.has(d.name) && !seen.has(d.name) && isDirectiveName(d.name)) {
        seen.set(d.name, `${d.name} (${d.span.file}:${d.terminator.line})`);
      }
      // Only directive blocks hold directives; map, types, upstream … bodies are data.
      if (d.block && BLOCKS_WITH_DIRECTIVES.has(d.name)) walk(d.block);
    }
  };
  const globals = checked.files.find((f) => f.path === 'command line');
  walk([...(globals?.statements ?? []), ...checked.main.statements]);
  return [...seen.values()];
}

const BLOCKS_WITH_DIRECTIVES = new Set(['http', 'server', 'location', 'if', 'limit_except', 'events', 'upstream']);
