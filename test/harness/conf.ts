/** The frame every generated test config shares, so that nginx and ngts run without root. */

export interface ConfOptions {
  /** error_log level; nginx's default (`error`) when absent. */
  readonly errorLogLevel?: string;
}

/**
 * A whole nginx.conf around `http` (the http block's contents): foreground, one process, logs and
 * pid in `dir`, no access log, and every temp path in `dir` (nginx needs them writable).
 */
export function nginxConf(dir: string, http: string | readonly string[], options: ConfOptions = {}): string {
  const d = dir.endsWith('/') ? dir.slice(0, -1) : dir;
  const level = options.errorLogLevel === undefined ? '' : ` ${options.errorLogLevel}`;
  return [
    'daemon off;',
    'master_process off;',
    `error_log ${d}/error.log${level};`,
    `pid ${d}/nginx.pid;`,
    'events { worker_connections 64; }',
    'http {',
    '  access_log off;',
    ...['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map((t) => `  ${t}_temp_path ${d}/${t};`),
    ...(typeof http === 'string' ? [http] : http),
    '}',
    '',
  ].join('\n');
}
