/**
 * `ngts -t`: prints what `nginx -t` prints for the same configuration — the messages nginx would
 * log up to and including the first fatal one, then `test failed`, or `syntax is ok` and
 * `test is successful` — and exits as nginx does.
 */
import { appendFileSync } from 'node:fs';
import type { CheckedConfig } from '../config/validate.js';
import { logTime, nginxMessage } from './log-line.js';
import type { PrepareFailure } from './run.js';

export interface TestOutput {
  /** Lines for standard error, in order. */
  readonly stderr: string[];
  readonly exitCode: number;
}

/**
 * Formats the result of checking `confFile`, and of preparing it when the check passed (`failure`:
 * what stopped the preparation, or null). With an error log file (-e), messages go there in log
 * format and stderr gets nginx's short `nginx: [level] …` form, as nginx does.
 */
export function formatTest(checked: CheckedConfig, confFile: string, opts: { quiet: boolean; errorLog?: string | undefined }, failure: PrepareFailure | null = null): TestOutput {
  const stderr: string[] = [];
  const logLines: string[] = [];
  const toStderrLog = opts.errorLog === undefined || opts.errorLog === 'stderr';
  const log = (level: string, message: string): void => {
    const line = `${logTime()} [${level}] ${process.pid}#${process.pid}: ${message}`;
    if (toStderrLog) stderr.push(line);
    else {
      logLines.push(line);
      stderr.push(`nginx: [${level}] ${message}`);
    }
  };
  let failed = false;
  for (const d of checked.diagnostics) {
    // nginx logs warnings and errors that it meets before it stops; our own hints stay out.
    if (d.code.startsWith('ngts-')) continue;
    log(d.level, nginxMessage(d));
    if (d.fatal) {
      failed = true;
      break;
    }
  }
  if (!failed && failure?.stage === 'config') {
    log('emerg', failure.error);
    failed = true;
  }
  if (!failed && !opts.quiet) stderr.push(`nginx: the configuration file ${confFile} syntax is ok`);
  if (!failed && failure?.stage === 'files') {
    log('emerg', failure.error);
    failed = true;
  }
  if (!toStderrLog && opts.errorLog && logLines.length) {
    try {
      appendFileSync(opts.errorLog, logLines.map((l) => l + '\n').join(''));
    } catch {
      // nginx reports an unopenable -e log as an alert and goes on writing to stderr.
    }
  }
  if (failed) {
    stderr.push(`nginx: configuration file ${confFile} test failed`);
    return { stderr, exitCode: 1 };
  }
  if (!opts.quiet) stderr.push(`nginx: configuration file ${confFile} test is successful`);
  return { stderr, exitCode: 0 };
}
