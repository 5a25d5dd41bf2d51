/**
 * `ngts` / `ngts run`: the server in the foreground, as nginx with `daemon off;` and one process.
 * Reads and checks the configuration (refusing to start on any error, with nginx's message),
 * compiles it, binds every listener, then writes the pid file, and stops on signals as nginx does:
 * SIGTERM/SIGINT at once, SIGQUIT gracefully.
 */
import { unlinkSync, writeFileSync } from 'node:fs';
import { compileHttp } from '../compile/servers.js';
import type { CheckedConfig } from '../config/validate.js';
import { ErrorLog } from '../runtime/error-log.js';
import { HttpServer } from '../runtime/http-server.js';
import { errnoText, fullName } from '../config/source.js';
import type { LogLevel } from '../runtime/http/response.js';
import { nginxMessage } from './log-line.js';
import { evaluate, resolveBuiltin } from '../runtime/http/variables.js';
import { withProxyVariables } from '../runtime/proxy/proxy-variables.js';
import { closeUpstreamConnections, setPeerRegistry } from '../runtime/proxy/proxy-handler.js';
import { setLimitZones } from '../runtime/http/limit-zones.js';
import { openAccessLog, setAccessLogPrefix } from '../runtime/http/access-log.js';
import { createPeers, type PeerList } from '../runtime/upstream/round-robin.js';
import { EXECUTED_DIRECTIVES } from '../runtime/executed.js';
import { directivesOf } from '../config/checks/expanded.js';
import type { Statement } from '../config/ast.js';
import { registry } from '../config/registry/index.js';

export interface RunOptions {
  readonly checked: CheckedConfig;
  /** The prefix, with a trailing slash. */
  readonly prefix: string;
  /** -e: the error log that replaces the configuration's during start-up and after. */
  readonly errorLog: string | undefined;
}

/** ngts's own start-up notes go to stderr, as nginx's configuration messages do, whatever the log level. */
function startupNote(level: 'warn' | 'notice', message: string): void {
  process.stderr.write(Buffer.from(`ngts: [${level}] ${message}\n`, 'latin1'));
}

/** Runs the server until a signal stops it; resolves to the exit code. */
export async function runServer(opts: RunOptions): Promise<number> {
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

  const http = compileHttp(checked, {
    prefix,
    builtins: withProxyVariables(resolveBuiltin),
    mapRuntime: {
      evaluate,
      setCaptures: (r, m, names) => {
        r.captures = m;
        for (const n of names) r.values[n.index] = m.groups?.[n.name] ?? '';
      },
    },
  });
  const logPath = opts.errorLog ?? http.main.errorLog[0] ?? 'stderr';
  const level = (logLevelOf(checked) ?? 'error') as LogLevel;
  let errorLog: ErrorLog;
  try {
    errorLog = new ErrorLog(logPath === 'stderr' ? 'stderr' : fullName(prefix, logPath), level);
  } catch (e) {
    process.stderr.write(`nginx: [emerg] open() "${fullName(prefix, logPath)}" failed ${errnoText(e)}\n`);
    return 1;
  }
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
  // nginx resolves upstream host names while reading the configuration: a failure stops it.
  const peers = new Map<string, PeerList>();
  try {
    for (const [key, u] of http.proxied) peers.set(key, await createPeers(u));
    for (const [name, u] of http.upstreams) if (!peers.has(name)) peers.set(name, await createPeers(u));
  } catch (e) {
    process.stderr.write(`nginx: [emerg] ${(e as Error).message}\n`);
    return 1;
  }
  setAccessLogPrefix(prefix);
  for (const path of http.logPaths) {
    try {
      openAccessLog(path);
    } catch (e) {
      process.stderr.write(`nginx: [emerg] open() "${fullName(prefix, path)}" failed ${errnoText(e)}\n`);
      return 1;
    }
  }
  setPeerRegistry(peers);
  setLimitZones(http.limitZones.req, http.limitZones.conn);
  const server = new HttpServer(http, errorLog);
  try {
    await server.listen();
  } catch (e) {
    const msg = (e as Error).message;
    errorLog.write('emerg', msg);
    if (errorLog.path !== 'stderr') process.stderr.write(`nginx: [emerg] ${msg}\n`);
    server.stopFast();
    return 1;
  }

  // All listeners are bound: now the pid file (ngx_create_pidfile).
  const pidFile = http.main.pid === null ? null : fullName(prefix, http.main.pid);
  if (pidFile !== null) {
    try {
      writeFileSync(pidFile, `${process.pid}\n`);
    } catch (e) {
      const msg = `open() "${pidFile}" failed ${errnoText(e)}`;
      errorLog.write('emerg', msg);
      server.stopFast();
      return 1;
    }
  }

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
      closeUpstreamConnections();
      errorLog.write('notice', 'exit');
      errorLog.close();
      resolve(0);
    };
    const fast = (): void => {
      // Also ends a graceful stop that is still waiting for requests.
      stopping = true;
      errorLog.write('notice', 'signal received, exiting');
      server.stopFast();
      finish();
    };
    process.on('SIGTERM', fast);
    process.on('SIGINT', fast);
    process.on('SIGQUIT', () => {
      if (stopping) return;
      stopping = true;
      errorLog.write('notice', 'gracefully shutting down');
      void server.stopGraceful().then(finish);
    });
    process.on('SIGUSR1', () => errorLog.reopen());
  });
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

/** The level of the main `error_log` (its second argument), if any. */
function logLevelOf(checked: CheckedConfig): string | undefined {
  const globals = checked.files.find((f) => f.path === 'command line');
  for (const s of [...(globals?.statements ?? []), ...checked.main.statements]) {
    if (s.kind === 'directive' && s.name === 'error_log') return s.args[1]?.value;
  }
  return undefined;
}
