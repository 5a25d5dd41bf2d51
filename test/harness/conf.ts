/** The frame every generated test config shares, so that nginx and ngts run without root. */

export interface ConfOptions {
  /** error_log level; nginx's default (`error`) when absent. */
  readonly errorLogLevel?: string;
  /** The error log's file name in `dir` (error.log). */
  readonly errorLog?: string;
  /** The pid file's name in `dir` (nginx.pid). */
  readonly pid?: string;
  /** Leave out `access_log off;`, for a config that logs at the http level itself. */
  readonly accessLog?: boolean;
}

/**
 * A whole nginx.conf around `http` (the http block's contents): foreground, one process, logs and
 * pid in `dir`, no access log (unless `accessLog`), and every temp path in `dir` (nginx needs them
 * writable).
 */
export function nginxConf(dir: string, http: string | readonly string[], options: ConfOptions = {}): string {
  const d = dir.endsWith('/') ? dir.slice(0, -1) : dir;
  const level = options.errorLogLevel === undefined ? '' : ` ${options.errorLogLevel}`;
  return [
    'daemon off;',
    'master_process off;',
    `error_log ${d}/${options.errorLog ?? 'error.log'}${level};`,
    `pid ${d}/${options.pid ?? 'nginx.pid'};`,
    'events { worker_connections 64; }',
    'http {',
    ...(options.accessLog === true ? [] : ['  access_log off;']),
    ...['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map((t) => `  ${t}_temp_path ${d}/${t};`),
    ...(typeof http === 'string' ? [http] : http),
    '}',
    '',
  ].join('\n');
}
