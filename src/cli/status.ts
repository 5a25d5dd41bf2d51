/**
 * `ngts status [--url URL] [--json]`: fetches the report of a server started with
 * `ngts run --status ADDR:PORT` and prints its upstream peers as a table (or the JSON as is).
 */
import { formatStatusReport, type StatusReport } from '../runtime/upstream/peer-status.js';

/** Where `ngts status` looks without `--url`. */
export const DEFAULT_STATUS_URL = 'http://127.0.0.1:9099';

/** The report's URL: a bare origin (or `/`) means its `/status`. */
export function statusUrl(base: string): URL {
  const url = new URL(/^[a-z][a-z0-9+.-]*:\/\//i.test(base) ? base : `http://${base}`);
  if (url.pathname === '/' || url.pathname === '') url.pathname = '/status';
  return url;
}

/** Fetches and prints the report; resolves to the exit code (1 when unreachable or not a report). */
export async function commandStatus(base: string, json: boolean, out: (s: string) => void, err: (s: string) => void): Promise<number> {
  let url: URL;
  try {
    url = statusUrl(base);
  } catch {
    err(`ngts: invalid --url "${base}"\n`);
    return 1;
  }
  url.searchParams.delete('format');
  let text: string;
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(5000) });
    text = await res.text();
    if (!res.ok) {
      err(`ngts: ${url.href} answered ${res.status}: ${text.trim()}\n`);
      return 1;
    }
  } catch (e) {
    const cause = (e as { cause?: { code?: string } }).cause?.code ?? (e as Error).message;
    err(`ngts: cannot reach ${url.href} (${cause}); is a server running with "ngts run --status ADDR:PORT"?\n`);
    return 1;
  }
  let report: StatusReport;
  try {
    report = JSON.parse(text) as StatusReport;
    if (!Array.isArray(report.upstreams) || typeof report.connections !== 'object') throw new Error('not a report');
  } catch {
    err(`ngts: ${url.href} did not answer with an ngts status report\n`);
    return 1;
  }
  out(json ? JSON.stringify(report, null, 2) + '\n' : formatStatusReport(report));
  return 0;
}
