/**
 * ngts's entry point: nginx's own command line (`ngts -t -c FILE`, `ngts -p PREFIX`, …) and the
 * subcommands `check`, `parse`, `run`, `route`, `status`.
 */
import { readFileSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { checkConfig, type CheckedConfig, type PreparedFindings } from '../config/validate.js';
import { formatJson, formatText, reportItems } from './check-report.js';
import { toCrossplane } from './crossplane.js';
import { OptionError, parseNginxOptions, resolveConf, resolvePrefix, type NginxOptions } from './options.js';
import { formatTest } from './test-config.js';
import type { PrepareFailure } from './run.js';
import { nginxMessage } from './log-line.js';
import { errnoText, fullName } from '../config/source.js';

/** The version nginx -v would print for the nginx ngts follows. */
export const NGINX_VERSION = '1.22.1';

function packageVersion(): string {
  try {
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
    return pkg.version;
  } catch {
    return '0.0.0';
  }
}

const USAGE = `Usage: ngts [-?hvVtTq] [-s signal] [-p prefix] [-e filename] [-c filename] [-g directives]
       ngts check [FILE] [--format text|json|sarif] [--severity info|warning|error]
                  [--max-warnings N] [--config FILE | --no-config] [--no-rules] [-p prefix]
       ngts check --explain RULE | --list-rules
       ngts parse [FILE] [--json] [--include-comments]
       ngts run [-c FILE] [-p prefix] [-g directives] [--log-format pretty|json|off] [--watch]
                [--status [ADDR:]PORT] [--dev-certs] [--heap lean|node]
       ngts status [--url http://ADDR:PORT] [--json]
       ngts route [-c FILE] [--host H] [--method M] [--json] URI

Options (as nginx):
  -?,-h         : this help
  -v            : show version and exit
  -V            : show version and configure options then exit
  -t            : test configuration and exit
  -T            : test configuration, dump it and exit
  -q            : suppress non-error messages during configuration testing
  -s signal     : send signal to a master process: stop, quit, reopen, reload
  -p prefix     : set prefix path (default: the current directory)
  -e filename   : set error log file (default: stderr)
  -c filename   : set configuration file (default: nginx.conf in the prefix)
  -g directives : set global directives out of configuration file
`;

/** Runs the command line; resolves to the exit code. */
export async function main(argv: readonly string[]): Promise<number> {
  const sub = argv[0];
  try {
    switch (sub) {
      case 'check':
        return await commandCheck(argv.slice(1));
      case 'parse':
        return commandParse(argv.slice(1));
      case 'route':
        return await commandRoute(argv.slice(1));
      case 'status': {
        const args = [...argv.slice(1)];
        const url = takeValue(args, '--url');
        const json = takeFlag(args, '--json');
        if (args.length) throw new OptionError(`unexpected argument "${args[0]}"`);
        const { DEFAULT_STATUS_URL, commandStatus } = await import('./status.js');
        return await commandStatus(url ?? DEFAULT_STATUS_URL, json, (t) => process.stdout.write(t), (t) => process.stderr.write(t));
      }
      case 'help':
      case '--help':
        process.stdout.write(USAGE);
        return 0;
      default:
        return await commandNginx(argv);
    }
  } catch (e) {
    if (e instanceof OptionError) {
      process.stderr.write(`ngts: ${e.message}\n`);
      return 1;
    }
    throw e;
  }
}

function load(opts: NginxOptions, fileArg?: string, prepared?: PreparedFindings): { checked: CheckedConfig; file: string } {
  const prefix = resolvePrefix(opts.prefix);
  const { file, confPrefix } = resolveConf(prefix, fileArg ?? opts.conf);
  const checked = checkConfig({ file, prefix, confPrefix, ...(opts.globals ? { globals: opts.globals } : {}), ...(prepared ? { prepared } : {}) });
  return { checked, file };
}

/** nginx's form: `-t`, `-T`, `-v`, `-V`, `-s`, or running the server. */
async function commandNginx(argv: readonly string[]): Promise<number> {
  // ngts's own option (not nginx's): the process log's format, wherever it is on the line.
  const args = [...argv];
  const logFormat = takeValue(args, '--log-format');
  const watchFiles = takeFlag(args, '--watch');
  const devCerts = takeFlag(args, '--dev-certs');
  const statusArg = takeValue(args, '--status');
  const heapArg = takeValue(args, '--heap');
  const opts = parseNginxOptions(args);
  if (opts.help) {
    process.stderr.write(`ngts version: ngts/${packageVersion()} (nginx/${NGINX_VERSION} semantics)\n${USAGE}`);
    return 0;
  }
  if (opts.version) {
    process.stderr.write(`nginx version: ngts/${packageVersion()} (nginx/${NGINX_VERSION})\n`);
    if (opts.versionFull) process.stderr.write(`built with Node.js ${process.version}\nconfigure arguments: none (TypeScript)\n`);
    if (!opts.test) return 0;
  }
  if (opts.test) {
    let { checked, file } = load(opts);
    // nginx -t goes on where the check ends, as far as a start does before it binds: it resolves
    // the upstreams, loads the certificates and opens the logs (ngx_init_cycle).
    let failure: PrepareFailure | null = null;
    if (!checked.diagnostics.some((d) => d.fatal)) {
      const { prepare } = await import('./run.js');
      const prepared = await prepare(checked, resolvePrefix(opts.prefix), opts.errorLog, devCerts, true);
      if ('error' in prepared) failure = prepared;
    }
    // nginx meets a host it cannot resolve or a certificate it cannot load while it reads the
    // configuration: read it again with them, so that they come in nginx's place among the rest.
    if (failure?.findings !== undefined) {
      ({ checked } = load(opts, undefined, failure.findings));
      if (checked.diagnostics.some((d) => d.fatal)) failure = null;
    }
    const out = formatTest(checked, file, { quiet: opts.quiet, errorLog: opts.errorLog }, failure);
    if (out.exitCode === 0 && opts.dump) process.stdout.write(dumpConfig(checked));
    if (out.stderr.length) process.stderr.write(Buffer.from(out.stderr.join('\n') + '\n', 'latin1'));
    return out.exitCode;
  }
  if (opts.signal !== undefined) return sendSignal(opts, opts.signal);
  if (opts.rest[0] === 'run' || opts.rest.length === 0) {
    if (opts.rest.length > 1) throw new OptionError(`unexpected argument "${opts.rest[1]}"`);
    const prefix = resolvePrefix(opts.prefix);
    const { checked } = load(opts);
    // Loaded only here: `-t` and `check` never pay for the runtime's modules at start-up.
    const { runServer } = await import('./run.js');
    const { PROCESS_LOG_FORMATS } = await import('../runtime/http/process-log.js');
    // A line per request on a terminal by default; scripts and pipes get nginx's logs only.
    const format = logFormat ?? (process.stdout.isTTY === true ? 'pretty' : 'off');
    if (!(PROCESS_LOG_FORMATS as readonly string[]).includes(format)) throw new OptionError(`unknown --log-format "${format}" (${PROCESS_LOG_FORMATS.join(', ')})`);
    const { parseStatusAddress } = await import('../runtime/status-listener.js');
    const status = statusArg === undefined ? undefined : parseStatusAddress(statusArg);
    if (status === null) throw new OptionError(`--status needs [ADDR:]PORT, not "${statusArg}"`);
    const { HEAP_POLICIES } = await import('../runtime/heap-policy.js');
    const heap = HEAP_POLICIES.find((p) => p === (heapArg ?? 'lean'));
    if (heap === undefined) throw new OptionError(`unknown --heap "${heapArg}" (${HEAP_POLICIES.join(', ')})`);
    const code = await runServer({
      checked,
      prefix,
      errorLog: opts.errorLog === undefined ? undefined : opts.errorLog,
      reload: () => load(opts).checked,
      logFormat: format as 'pretty' | 'json' | 'off',
      watch: watchFiles,
      devCerts,
      heap,
      ...(status === undefined ? {} : { status }),
    });
    // Like nginx, a stopped server exits at once, whatever timers or streams are left.
    process.exit(code);
  }
  process.stderr.write(`ngts: unknown command "${opts.rest[0]}"\n${USAGE}`);
  return 1;
}

/** The signals of `-s`, as ngx_signal_process sends them. */
const SIGNALS: Readonly<Record<string, { name: NodeJS.Signals; number: number }>> = {
  stop: { name: 'SIGTERM', number: 15 },
  quit: { name: 'SIGQUIT', number: 3 },
  reopen: { name: 'SIGUSR1', number: 10 },
  reload: { name: 'SIGHUP', number: 1 },
};

/**
 * `-s stop|quit|reopen|reload` (ngx_signal_process): reads the configuration for its pid file, reads
 * the pid and signals that process, with nginx's messages for each failure.
 */
function sendSignal(opts: NginxOptions, signal: string): number {
  const sig = SIGNALS[signal]!;
  const { checked } = load(opts);
  const fatal = checked.diagnostics.find((d) => d.fatal);
  if (fatal) {
    process.stderr.write(Buffer.from(`nginx: [${fatal.level}] ${nginxMessage(fatal)}\n`, 'latin1'));
    return 1;
  }
  const pidValue = pidOf(checked);
  if (pidValue === null) {
    // nginx falls back to its compiled-in path; ngts writes a pid file only when asked to.
    process.stderr.write('ngts: [error] the configuration has no "pid" directive, so there is no pid file to find the process by\n');
    return 1;
  }
  const pidFile = fullName(resolvePrefix(opts.prefix), pidValue);
  let text: string;
  try {
    text = readFileSync(pidFile, 'latin1');
  } catch (e) {
    process.stderr.write(`nginx: [error] open() "${pidFile}" failed ${errnoText(e)}\n`);
    return 1;
  }
  const trimmed = text.replace(/[\r\n]+$/, '');
  const pid = /^\d+$/.test(trimmed) ? Number(trimmed) : NaN;
  if (!Number.isSafeInteger(pid) || pid <= 0) {
    process.stderr.write(Buffer.from(`nginx: [error] invalid PID number "${trimmed}" in "${pidFile}"\n`, 'latin1'));
    return 1;
  }
  try {
    process.kill(pid, sig.name);
  } catch (e) {
    process.stderr.write(`nginx: [alert] kill(${pid}, ${sig.number}) failed ${errnoText(e)}\n`);
    return 1;
  }
  return 0;
}

/** The `pid` directive of the main context (-g first, as nginx reads it), or null. */
function pidOf(checked: CheckedConfig): string | null {
  const globals = checked.files.find((f) => f.path === 'command line');
  for (const s of [...(globals?.statements ?? []), ...checked.main.statements]) {
    if (s.kind === 'directive' && s.name === 'pid') return s.args[0]?.value ?? null;
  }
  return null;
}

/** nginx -T: every file read, each after a `# configuration file NAME:` line. */
export function dumpConfig(checked: CheckedConfig): string {
  const seen = new Set<string>();
  const parts: string[] = [];
  for (const f of checked.files) {
    if (f.path === 'command line' || seen.has(f.path)) continue;
    seen.add(f.path);
    let text = '';
    try {
      text = readFileSync(f.path).toString('latin1');
    } catch {
      continue;
    }
    // nginx.c writes the header, the file as read, then one line feed, whatever the file ends with.
    parts.push(`# configuration file ${f.path}:\n${text}\n`);
  }
  return parts.join('');
}

function takeFlag(args: string[], name: string): boolean {
  const i = args.indexOf(name);
  if (i < 0) return false;
  args.splice(i, 1);
  return true;
}

function takeValue(args: string[], name: string): string | undefined {
  const i = args.indexOf(name);
  if (i < 0) return undefined;
  const v = args[i + 1];
  if (v === undefined) throw new OptionError(`option "${name}" requires a value`);
  args.splice(i, 2);
  return v;
}

/** `ngts check [FILE]`: nginx's checks and the lint rules, every finding at once. */
async function commandCheck(argv: readonly string[]): Promise<number> {
  const args = [...argv];
  const explain = takeValue(args, '--explain');
  const listRules = takeFlag(args, '--list-rules');
  if (explain !== undefined || listRules) {
    const { explainRule, listAllRules } = await import('./explain.js');
    if (listRules) {
      process.stdout.write(listAllRules());
      return 0;
    }
    const text = explainRule(explain!);
    if (text === null) throw new OptionError(`unknown rule "${explain}" (ngts check --list-rules)`);
    process.stdout.write(text);
    return 0;
  }
  const formatArg = takeValue(args, '--format');
  const severityArg = takeValue(args, '--severity');
  const maxWarningsArg = takeValue(args, '--max-warnings');
  const configArg = takeValue(args, '--config');
  const noConfig = takeFlag(args, '--no-config');
  const noRules = takeFlag(args, '--no-rules');
  const prefix = takeValue(args, '-p');
  const globals = takeValue(args, '-g');
  const conf = takeValue(args, '-c');
  if (args.length > 1 || (args[0] ?? '').startsWith('-')) throw new OptionError(`unexpected argument "${args[0]}"`);
  const file = args[0] ?? conf ?? 'nginx.conf';
  const prefixDir = resolvePrefix(prefix);
  // `check FILE` reads FILE as a linter reads its argument: relative to the working directory.
  const abs = isAbsolute(file) ? file : resolve(process.cwd(), file);
  const confPrefix = abs.slice(0, abs.lastIndexOf('/') + 1);

  const { FORMATS, ProjectConfigError, findProjectConfig, loadProjectConfig } = await import('../lint/project-config.js');
  let project;
  try {
    project = noConfig ? null : configArg !== undefined ? loadProjectConfig(resolve(process.cwd(), configArg)) : findProjectConfig(confPrefix);
  } catch (e) {
    if (e instanceof ProjectConfigError) throw new OptionError(e.message);
    throw e;
  }
  const format = formatArg ?? project?.format ?? 'text';
  if (!(FORMATS as readonly string[]).includes(format)) throw new OptionError(`unknown format "${format}" (${FORMATS.join(', ')})`);
  const severity = severityArg ?? project?.severity ?? 'info';
  if (severity !== 'info' && severity !== 'warning' && severity !== 'error') throw new OptionError(`unknown severity "${severity}" (info, warning, error)`);
  let maxWarnings = project?.maxWarnings;
  if (maxWarningsArg !== undefined) {
    if (!/^\d+$/.test(maxWarningsArg)) throw new OptionError(`--max-warnings needs a whole number, not "${maxWarningsArg}"`);
    maxWarnings = Number(maxWarningsArg);
  }

  const checked = checkConfig({ file: abs, prefix: prefixDir, confPrefix, ...(globals ? { globals } : {}) });
  let findings: readonly import('../lint/run-rules.js').LintFinding[] = [];
  let suppressed = 0;
  let rulesSkipped: string | undefined;
  if (noRules) {
    rulesSkipped = '--no-rules';
  } else if (checked.diagnostics.some((d) => d.fatal)) {
    // The rules read the compiled configuration, which nginx would not build: fix the errors first.
    rulesSkipped = 'the configuration has errors';
  } else {
    const { runRules } = await import('../lint/run-rules.js');
    const lint = runRules(checked, { prefix: prefixDir, ...(project ? { rules: project.rules } : {}) });
    findings = [...lint.findings, ...lint.notes];
    suppressed = lint.suppressed;
  }
  const items = reportItems(checked, findings, severity);
  if (format === 'json') process.stdout.write(formatJson(checked, items, { suppressed, ...(rulesSkipped ? { rulesSkipped } : {}) }));
  else if (format === 'sarif') {
    const { formatSarif } = await import('./sarif.js');
    process.stdout.write(formatSarif(items, { version: packageVersion() }));
  } else {
    const text = formatText(checked, items, { color: process.stdout.isTTY === true, suppressed, ...(rulesSkipped ? { rulesSkipped } : {}) });
    process.stdout.write(Buffer.from(text, 'latin1'));
  }
  if (items.some((i) => i.severity === 'error')) return 1;
  const warnings = items.filter((i) => i.severity === 'warning').length;
  if (maxWarnings !== undefined && warnings > maxWarnings) {
    process.stderr.write(`ngts: ${warnings} warning(s), more than --max-warnings ${maxWarnings}\n`);
    return 1;
  }
  return 0;
}

/** `ngts parse [FILE] --json`: crossplane's JSON form. */
function commandParse(argv: readonly string[]): number {
  const args = [...argv];
  takeFlag(args, '--json');
  const comments = takeFlag(args, '--include-comments');
  const prefix = takeValue(args, '-p');
  const file = args[0] ?? 'nginx.conf';
  const prefixDir = resolvePrefix(prefix);
  const abs = isAbsolute(file) ? file : resolve(process.cwd(), file);
  const checked = checkConfig({ file: abs, prefix: prefixDir, confPrefix: abs.slice(0, abs.lastIndexOf('/') + 1) });
  process.stdout.write(JSON.stringify(toCrossplane(checked, { comments })) + '\n');
  return checked.diagnostics.some((d) => d.fatal) ? 1 : 0;
}

/**
 * `ngts route [-c FILE] [--host H] [--method M] [--listen ADDR] [--json] URI`: the listener, server
 * and location a request reaches, each location candidate in nginx's order, and the handler.
 */
async function commandRoute(argv: readonly string[]): Promise<number> {
  const { compileHttp } = await import('../compile/servers.js');
  const { normalizeUri } = await import('../runtime/http/normalize-uri.js');
  const { formatRoute, route } = await import('./route.js');
  const args = [...argv];
  const json = takeFlag(args, '--json');
  const host = takeValue(args, '--host') ?? '';
  const method = takeValue(args, '--method') ?? 'GET';
  const listen = takeValue(args, '--listen');
  const conf = takeValue(args, '-c');
  const prefix = takeValue(args, '-p');
  const uri = args[0];
  if (uri === undefined || args.length > 1) throw new OptionError('usage: ngts route [-c FILE] [--host H] [--method M] [--listen ADDR] [--json] URI');
  const prefixDir = resolvePrefix(prefix);
  const { file, confPrefix } = resolveConf(prefixDir, conf);
  const checked = checkConfig({ file, prefix: prefixDir, confPrefix });
  if (checked.diagnostics.some((d) => d.fatal)) {
    process.stderr.write(Buffer.from(formatText(checked, reportItems(checked, [], 'info'), { color: process.stderr.isTTY === true }), 'latin1'));
    return 1;
  }
  const raw = Buffer.from(uri, 'utf8').toString('latin1');
  const norm = normalizeUri(raw, { mergeSlashes: true });
  if (!norm.ok) {
    process.stdout.write(json ? JSON.stringify({ status: 400, reason: 'invalid URI' }) + '\n' : `${uri}: nginx answers 400 (the URI does not normalise)\n`);
    return 0;
  }
  const http = compileHttp(checked);
  const q = { uri, host, method, listen };
  const answer = route(http, q, norm.uri);
  if ('error' in answer) {
    process.stderr.write(`ngts: ${answer.error}\n`);
    return 1;
  }
  process.stdout.write(json ? JSON.stringify(answer, null, 2) + '\n' : formatRoute(q, answer));
  return 0;
}
