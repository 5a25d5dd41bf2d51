/**
 * Log lines as nginx writes them: fixtures/http/log-lines is served by real nginx and by ngts, the
 * same requests are sent to each in the same order, and once both have stopped every access log
 * and error log file of the run directory must hold the same lines. Masked where the two
 * legitimately differ:
 *   - times and durations ($time_local, $time_iso8601, $msec, $request_time, $upstream_*_time,
 *     the error log's date) and the error log's `pid#tid`;
 *   - connection numbers (`*N`, $connection): the harness's readiness probes take numbers from
 *     the same counter, as many as the server needed to start, so they are renumbered by first
 *     appearance in each file — which lines share a connection is still compared (the numbers
 *     themselves, upstream connections included, are compared in connection-numbers.test.ts);
 *   - ngts names itself `ngts` where nginx says `nginx` (server_tokens off): its own `Server`
 *     header and the signature of its error pages are one byte shorter each, so ngts's
 *     $bytes_sent/$body_bytes_sent are compared after adding those bytes back.
 * The gzip'ed log is compared member by member (one gzip member per buffer flush, as nginx writes).
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FixtureRun, loadFixtures } from '../harness/fixtures.js';
import { logLines } from '../harness/log-files.js';
import { requireNginx } from '../harness/nginx.js';

const live = requireNginx('the log line comparison');
const fixture = loadFixtures(['log-lines']).find((f) => f.name === 'log-lines');

/** Every log file the fixture writes (logs/noroot-3.log must stay absent: its root does not exist). */
const ACCESS = ['combined.log', 'full.log', 'json.log', 'raw.log', 'buffered.log', 'cond.log', 'own.log', 'logs/localhost-1.log', 'logs/localhost-2.log', 'logs/noroot-3.log'];
const ERRORS = ['http-error.log', 'server-error.log', 'server-info.log', 'location-error.log', 'crit-error.log'];
const GZIP = 'gz.log';

type Kind = 'nginx' | 'ngts';

/** The gzip members of a file, each decompressed into its lines. */
function gzipMembers(dir: string, name: string): { header: string; lines: string[] }[] {
  const path = join(dir, name);
  if (!existsSync(path)) return [];
  const data = readFileSync(path);
  // A member starts with zlib's gzip header (no name, mtime 0, OS 3): find each, inflate each.
  const starts: number[] = [];
  for (let i = data.indexOf(0x1f); i >= 0 && i + 10 <= data.length; i = data.indexOf(0x1f, i + 1)) {
    if (data[i + 1] === 0x8b && data[i + 2] === 8 && data[i + 3] === 0 && data.readUInt32LE(i + 4) === 0 && data[i + 9] === 3) starts.push(i);
  }
  const members: { header: string; lines: string[] }[] = [];
  for (let k = 0; k < starts.length; k++) {
    const slice = data.subarray(starts[k], starts[k + 1] ?? data.length);
    let text: string;
    try {
      text = gunzipSync(slice).toString('latin1');
    } catch {
      continue; // a false header inside compressed data: part of the previous member
    }
    members.push({ header: slice.subarray(0, 10).toString('hex'), lines: text.split('\n').filter((l) => l.length > 0) });
  }
  return members;
}

/** Renumbers `*N` / `c=N` by first appearance. */
function renumber(lines: string[], pattern: RegExp): string[] {
  const seen = new Map<string, number>();
  return lines.map((l) =>
    l.replace(pattern, (_m, pre: string, n: string) => {
      if (!seen.has(n)) seen.set(n, seen.size + 1);
      return `${pre}${seen.get(n)}`;
    }),
  );
}

/** Access log masks: times, durations; ngts's sizes corrected for its shorter product name. */
function maskAccess(line: string, kind: Kind, file: string): string {
  let l = line
    .replace(/\d\d\/\w{3}\/\d{4}:\d\d:\d\d:\d\d [+-]\d{4}/g, 'TIME_LOCAL')
    .replace(/\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d/g, 'TIME_ISO8601')
    .replace(/\b\d+\.\d{3}\b/g, 'SEC');
  if (kind === 'ngts') l = correctSizes(l, file);
  return l;
}

/**
 * ngts's `Server: ngts` is one byte shorter than `Server: nginx` (only when the response carries
 * ngts's own Server header: `srv=-`), and so is the `<center>ngts</center>` of its error pages
 * (ct=text/html). Lines without those fields are from formats that do not log sizes, or
 * `combined`, where a special response shows as a status of 300 or more with a body.
 */
function correctSizes(l: string, file: string): string {
  // A head went out (not HTTP/0.9, not a client gone before the answer): bytes_sent > body_bytes_sent.
  const sizes = / bs=(\d+) bbs=(\d+)/.exec(l);
  const own = / srv=- /.test(l) && sizes !== null && Number(sizes[1]) > Number(sizes[2]);
  const page = / ct=text\/html(?: |$)/.test(l);
  if (/ srv=/.test(l)) {
    l = l.replace(/ bs=(\d+)/, (_m, n: string) => ` bs=${Number(n) + (own ? 1 : 0) + (page ? 1 : 0)}`);
    l = l.replace(/ bbs=(\d+)/, (_m, n: string) => ` bbs=${Number(n) + (page ? 1 : 0)}`);
    return l;
  }
  // short: '$request $status $bytes_sent $body_bytes_sent $sent_http_server $sent_http_content_type'
  const short = file === 'combined.log' ? null : /^(.*) (\d{3}) (\d+) (\d+) (\S+) (\S+)$/.exec(l);
  if (short) {
    const [, req, status, bs, bbs, srv, ct] = short as unknown as [string, string, string, string, string, string, string];
    const page = ct === 'text/html' ? 1 : 0;
    const add = (srv === '-' && Number(bs) > Number(bbs) ? 1 : 0) + page;
    return `${req} ${status} ${Number(bs) + add} ${Number(bbs) + page} ${srv} ${ct}`;
  }
  // combined: '... "$request" $status $body_bytes_sent "$http_referer" "$http_user_agent"'
  return l.replace(/" (\d{3}) (\d+) "/, (m, status: string, n: string) => (Number(status) >= 300 && n !== '0' ? `" ${status} ${Number(n) + 1} "` : m));
}

/** Error log masks: the date and pid#tid; `*N` renumbered. */
function maskErrors(lines: string[]): string[] {
  return renumber(
    lines.map((l) => l.replace(/^\d{4}\/\d\d\/\d\d \d\d:\d\d:\d\d (\[\w+\]) \d+#\d+: /, '$1 ')),
    /(\*)(\d+)(?= )/g,
  );
}

describe.skipIf(!live || fixture === undefined)('access_log and error_log lines agree with nginx', () => {
  const got = new Map<string, Record<Kind, string[]>>();
  const gz: Record<Kind, { header: string; lines: string[] }[]> = { nginx: [], ngts: [] };
  let identical = 0;
  let total = 0;

  beforeAll(async () => {
    for (const kind of ['nginx', 'ngts'] as const) {
      const run = await FixtureRun.start(kind, fixture!);
      try {
        for (const c of fixture!.cases) await run.run(c);
        // Stopping flushes the buffered logs; then every file is complete.
        await run.server.stop();
        const clean = (l: string) => run.clean(l);
        for (const name of ACCESS) {
          const lines = renumber(logLines(run.dir, name).map(clean), /( c=)(\d+)/g).map((l) => maskAccess(l, kind, name));
          (got.get(name) ?? got.set(name, { nginx: [], ngts: [] }).get(name)!)[kind] = lines;
        }
        for (const name of ERRORS) {
          (got.get(name) ?? got.set(name, { nginx: [], ngts: [] }).get(name)!)[kind] = maskErrors(logLines(run.dir, name).map(clean));
        }
        // The main error log gets no request's lines here: the http level has its own.
        const main = logLines(run.dir, 'error.log').filter((l) => l.includes(', client: '));
        (got.get('error.log') ?? got.set('error.log', { nginx: [], ngts: [] }).get('error.log')!)[kind] = maskErrors(main.map(clean));
        gz[kind] = gzipMembers(run.dir, GZIP).map((m) => ({ header: m.header, lines: m.lines.map((l) => maskAccess(clean(l), kind, GZIP)) }));
        const logs = join(run.dir, 'logs');
        const files = existsSync(logs) ? readdirSync(logs).filter((f) => f !== '.keep').sort() : [];
        got.set(`logs/ (${kind})`, { nginx: files, ngts: files });
      } finally {
        await run.stop();
      }
    }
  }, 120_000);

  afterAll(() => {
    console.info(`log lines identical to nginx's: ${identical}/${total}`);
  });

  for (const name of [...ACCESS, ...ERRORS, 'error.log']) {
    it(`${name} has nginx's lines`, () => {
      const pair = got.get(name)!;
      const same = pair.ngts.filter((l, i) => l === pair.nginx[i]).length;
      identical += same;
      total += pair.nginx.length;
      expect(pair.ngts).toEqual(pair.nginx);
    });
  }

  it('the files named by a variable path are the same', () => {
    expect(got.get('logs/ (ngts)')!.ngts).toEqual(got.get('logs/ (nginx)')!.nginx);
  });

  it("gz.log has nginx's gzip members", () => {
    expect(gz.nginx.length).toBeGreaterThan(1);
    identical += gz.ngts.flatMap((m) => m.lines).filter((l, i) => l === gz.nginx.flatMap((m) => m.lines)[i]).length;
    total += gz.nginx.flatMap((m) => m.lines).length;
    expect(gz.ngts).toEqual(gz.nginx);
  });
});
