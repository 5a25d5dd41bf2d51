/**
 * Request-level fixtures (fixtures/http/<name>/): an nginx.conf with placeholders, cases.json (the
 * requests) and expect.json (real nginx's answers, written by record-nginx.ts). A FixtureRun is one
 * server (nginx or ngts) serving one fixture, with its own ports, run directory and echo backends.
 *
 * Placeholders, in nginx.conf and in a case's raw bytes:
 *   {{port}}, {{port2}}…     a free port on 127.0.0.1 (each `listen 127.0.0.1:{{portN}};`)
 *   {{backend}}, {{backend2}}… `127.0.0.1:<port>` of an echo backend named after the placeholder
 *   {{tls}}, {{tls2}}…        the same, speaking TLS with a certificate signed by tls/ca.crt
 *   {{tlsself}}               the same, with a self-signed certificate (see tls-certs.ts); and
 *   {{tlschain}}, {{tlsdeep}}, {{tlsrevoked}}: under one or two intermediate CAs, or revoked
 *   {{backend.port}}…         the port alone of a backend
 *   {{dns}}                   `127.0.0.1:<port>` of a name server (dns-server.ts), for `resolver`
 *   {{prefix}}                the run directory (no trailing slash); with TLS backends its tls/
 *                             directory holds the certificates
 * In observations the same values are turned back into their placeholders, so answers from different
 * runs (and the recording) compare.
 */
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_FIELDS, observeResponse, type CompareSpec, type Field, type Observation } from './compare.js';
import { startDnsServer, type DnsServer } from './dns-server.js';
import { byArrival, startEchoBackend, type BackendRequest, type EchoBackend } from './echo-backend.js';
import { freePort } from './ports.js';
import { exchange, type ExchangeResult, type TlsClientOptions } from './raw-client.js';
import { h2Exchange, type H2Request } from './h2-client.js';
import { REPO, startServer, type RunningServer, type ServerKind } from './server.js';
import { backendCertificate, tlsCertificates } from './tls-certs.js';

/** Where the request-level fixtures live. */
export const HTTP_FIXTURES = join(REPO, 'fixtures/http');

/** The convenience form of a request: HTTP/1.1, `Host: localhost` and `Connection: close` unless given. */
export interface RequestForm {
  readonly method?: string;
  readonly target: string;
  readonly version?: string;
  /** Replaces the default headers entirely; pairs keep order and allow repeats. */
  readonly headers?: Readonly<Record<string, string>> | readonly (readonly [string, string])[];
  /** Sent after the head; a Content-Length is added unless a length or Transfer-Encoding is given. */
  readonly body?: string;
}

/** One request case of cases.json. */
export interface HttpCase {
  readonly name: string;
  readonly note?: string;
  /** Exact request bytes (latin1; JSON escapes give \r\n); an array is sent as several writes. */
  readonly raw?: string | readonly string[];
  readonly request?: RequestForm;
  /**
   * An HTTP/2 request instead of raw or request (h2-client.ts): over TLS with ALPN h2 unless
   * `cleartext` (prior knowledge); the response's status line reads `HTTP/2 200`.
   */
  readonly h2?: H2Request & { readonly cleartext?: boolean };
  /**
   * Send `raw`/`request` over TLS (no certificate verified), with this SNI name and ALPN list;
   * for `h2`, `servername` is its SNI name. The certificate's CN and key type, the TLS version and
   * the ALPN protocol the server chose are compared too.
   */
  readonly tls?: TlsClientOptions;
  /** Which port placeholder to connect to; `port` by default. */
  readonly port?: string;
  /** Fields to compare; status, headers, body and backend by default. */
  readonly expect?: readonly Field[];
  /** More response headers to compare than the default ones. */
  readonly headers?: readonly string[];
  /** Final responses to wait for (pipelining); 1 by default. */
  readonly responses?: number;
  /** The responses answer HEAD requests (no body). */
  readonly head?: boolean;
  /** Send FIN after the last write. */
  readonly halfClose?: boolean;
  /** With halfClose: wait this long after the last write before the FIN. */
  readonly halfCloseDelayMs?: number;
  /**
   * Wait this long after the answer before taking what the backends received: a request cut off
   * is recorded only when the proxy closes the upstream connection, which may come after.
   */
  readonly settleMs?: number;
  readonly timeoutMs?: number;
  readonly writeDelayMs?: number;
  /**
   * Send the request this many times, each on a new connection once the last has been answered;
   * the responses and backend requests of all of them are observed together (balancer order).
   */
  readonly repeat?: number;
  /** Pause between repeats (fail_timeout), 0 by default. */
  readonly repeatDelayMs?: number;
  /**
   * Compare the lines the case adds to {{prefix}}/error.log (the fixture must log there), without
   * their time, pid and connection number: `[error] no resolver defined to resolve x, client: …`.
   */
  readonly errorLog?: boolean;
  /**
   * Requests in flight while the case's own is sent (limit_conn): each on its own connection, one at
   * a time, each once the one before has reached an echo backend (`be=hold` keeps it there
   * unanswered) or been answered. After the case's request is answered the held ones are released.
   * Observed: their responses in order, then the case's; what the backends received, by arrival.
   */
  readonly inFlight?: readonly InFlightRequest[];
  /**
   * The case changes state that later requests see (balancer weights, failed peers): record-nginx
   * sends it once instead of twice, and it should use an upstream no other case uses.
   */
  readonly stateful?: boolean;
  /**
   * Features the case needs beyond request routing (`proxy`): while ngts lacks one, the case is
   * reported as waiting for it (see NOT_BUILT in test/http/differential.test.ts), not as agreeing.
   */
  readonly requires?: readonly string[];
}

/**
 * A request of `inFlight`: the convenience form, the port placeholder to connect to, how many
 * requests it makes to the backends before it is held (1; an auth_request subrequest makes one
 * more), and `abort`: once held, the client closes the connection and the case goes on when the
 * server has closed the held request's upstream connection (the request is over).
 */
export type InFlightRequest = RequestForm & { readonly port?: string; readonly backendRequests?: number; readonly abort?: boolean };

export interface Fixture {
  readonly name: string;
  readonly dir: string;
  readonly template: string;
  readonly note?: string;
  readonly cases: readonly HttpCase[];
  /** Placeholder names used in the config: ports (`port`, `port2`…) and backends. */
  readonly ports: readonly string[];
  readonly backends: readonly string[];
  /** The config uses {{dns}}. */
  readonly dns: boolean;
}

/** expect.json: what real nginx answered to each case. */
export interface Recording {
  readonly recordedWith: string;
  readonly note: string;
  readonly cases: Readonly<Record<string, Observation>>;
}

const PLACEHOLDER = /\{\{(port\d*|(?:backend|tls|tlsself|tlschain|tlsdeep|tlsrevoked)\d*(?:\.port)?|dns|prefix)\}\}/g;

/** Whether a placeholder names an echo backend (`backend2`, `tls`, `tlsself`…), its port aside. */
function isBackend(name: string): boolean {
  return /^(backend|tls)/.test(name);
}

/** The fixtures under fixtures/http, sorted; with `only`, those whose name contains one of the words. */
export function loadFixtures(only: readonly string[] = []): Fixture[] {
  if (!existsSync(HTTP_FIXTURES)) return [];
  return readdirSync(HTTP_FIXTURES)
    .filter((n) => statSync(join(HTTP_FIXTURES, n)).isDirectory() && existsSync(join(HTTP_FIXTURES, n, 'nginx.conf')))
    .filter((n) => only.length === 0 || only.some((w) => n.includes(w)))
    .sort()
    .map(loadFixture);
}

function loadFixture(name: string): Fixture {
  const dir = join(HTTP_FIXTURES, name);
  const template = readFileSync(join(dir, 'nginx.conf'), 'utf8');
  const parsed = JSON.parse(readFileSync(join(dir, 'cases.json'), 'utf8')) as
    | HttpCase[]
    | { note?: string; cases: HttpCase[] };
  const cases = Array.isArray(parsed) ? parsed : parsed.cases;
  const note = Array.isArray(parsed) ? undefined : parsed.note;
  const names = new Set<string>();
  const used = new Set([...template.matchAll(PLACEHOLDER)].map((m) => m[1]!));
  for (const c of cases) {
    if (names.has(c.name)) throw new Error(`${name}/cases.json: two cases are named "${c.name}"`);
    names.add(c.name);
    if ([c.raw, c.request, c.h2].filter((x) => x !== undefined).length !== 1) throw new Error(`${name}/cases.json: "${c.name}" needs one of raw, request or h2`);
    if (!used.has(c.port ?? 'port')) throw new Error(`${name}/cases.json: "${c.name}" uses {{${c.port ?? 'port'}}}, which nginx.conf does not listen on`);
    for (const h of c.inFlight ?? []) {
      if (!used.has(h.port ?? 'port')) throw new Error(`${name}/cases.json: "${c.name}" holds a request on {{${h.port ?? 'port'}}}, which nginx.conf does not listen on`);
    }
  }
  const byNumber = (a: string, b: string) => a.length - b.length || a.localeCompare(b);
  return {
    name,
    dir,
    template,
    ...(note === undefined ? {} : { note }),
    cases,
    ports: [...used].filter((u) => u.startsWith('port')).sort(byNumber),
    backends: [...new Set([...used].filter(isBackend).map((u) => u.replace(/\.port$/, '')))].sort(byNumber),
    dns: used.has('dns'),
  };
}

/** expect.json of `fx`, or null when it was never recorded. */
export function loadRecording(fx: Fixture): Recording | null {
  const file = join(fx.dir, 'expect.json');
  return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as Recording) : null;
}

/** Writes expect.json of `fx`. */
export function saveRecording(fx: Fixture, recording: Recording): void {
  const text = JSON.stringify(recording, null, 2)
    // one header per line: ["Name", "value"]
    .replace(/\[\s*("(?:[^"\\]|\\.)*"),\s*("(?:[^"\\]|\\.)*")\s*\]/g, '[$1, $2]');
  writeFileSync(join(fx.dir, 'expect.json'), text + '\n');
}

/** The request bytes of a case (placeholders not yet filled in), one string per write. */
export function requestBytes(c: HttpCase): readonly string[] {
  if (c.raw !== undefined) return typeof c.raw === 'string' ? [c.raw] : c.raw;
  const r = c.request!;
  const headers: (readonly [string, string])[] =
    r.headers === undefined
      ? [
          ['Host', 'localhost'],
          ['Connection', 'close'],
        ]
      : Array.isArray(r.headers)
        ? [...(r.headers as readonly (readonly [string, string])[])]
        : Object.entries(r.headers);
  const body = r.body ?? '';
  const framed = headers.some(([k]) => /^(content-length|transfer-encoding)$/i.test(k));
  if (body !== '' && !framed) headers.push(['Content-Length', String(Buffer.byteLength(body, 'latin1'))]);
  const head = `${r.method ?? 'GET'} ${r.target} ${r.version ?? 'HTTP/1.1'}\r\n` + headers.map(([k, v]) => `${k}: ${v}\r\n`).join('');
  return [head + '\r\n' + body];
}

/** The compare spec of a case. */
export function compareSpec(c: HttpCase): CompareSpec {
  const fields = c.errorLog === true ? [...(c.expect ?? DEFAULT_FIELDS), 'errorLog' as const] : c.expect;
  return { ...(fields === undefined ? {} : { fields }), ...(c.headers === undefined ? {} : { headers: c.headers }) };
}

/** The value of placeholder `name` in a run. */
function fillIn(name: string, run: { readonly dir: string; readonly ports: ReadonlyMap<string, number>; readonly backends: ReadonlyMap<string, EchoBackend>; readonly dns: DnsServer | null }): string {
  if (name === 'prefix') return run.dir;
  if (name === 'dns') return run.dns?.address ?? '{{dns}}';
  if (isBackend(name)) {
    const b = run.backends.get(name.replace(/\.port$/, ''));
    if (b === undefined) return `{{${name}}}`;
    return name.endsWith('.port') ? String(b.port) : b.address;
  }
  return String(run.ports.get(name) ?? `{{${name}}}`);
}

/** One server serving one fixture, with its backends; see the file comment. */
export class FixtureRun {
  private constructor(
    readonly kind: ServerKind,
    readonly fixture: Fixture,
    readonly dir: string,
    readonly ports: ReadonlyMap<string, number>,
    readonly backends: ReadonlyMap<string, EchoBackend>,
    readonly server: RunningServer,
    readonly dns: DnsServer | null,
  ) {}

  /** Starts `kind` on `fx`; rejects (having cleaned up) when it does not come up. */
  static async start(kind: ServerKind, fx: Fixture): Promise<FixtureRun> {
    const dir = mkdtempSync(join(tmpdir(), `ngts-http-${fx.name}-${kind}-`));
    const ports = new Map<string, number>();
    const backends = new Map<string, EchoBackend>();
    let dns: DnsServer | null = null;
    try {
      for (const p of fx.ports) ports.set(p, await freePort());
      for (const b of fx.backends) backends.set(b, await startEchoBackend(b, b.startsWith('tls') ? backendCertificate(b) : undefined));
      if (fx.dns) dns = await startDnsServer();
      const values = { dir, ports, backends, dns };
      writeFileSync(join(dir, 'nginx.conf'), fx.template.replace(PLACEHOLDER, (_, n: string) => fillIn(n, values)));
      // A fixture's `files/` directory is the run directory's content (document roots, index files).
      const files = join(fx.dir, 'files');
      if (existsSync(files)) cpSync(files, dir, { recursive: true });
      if (fx.backends.some((b) => b.startsWith('tls')) || fx.template.includes('{{prefix}}/tls/')) cpSync(tlsCertificates(), join(dir, 'tls'), { recursive: true });
      const server = await startServer(kind, dir, { ports: [...ports.values()] });
      return new FixtureRun(kind, fx, dir, ports, backends, server, dns);
    } catch (e) {
      for (const b of backends.values()) await b.close();
      await dns?.close();
      rmSync(dir, { recursive: true, force: true });
      throw e;
    }
  }

  /** Fills the placeholders of a case's bytes with this run's values. */
  private fill(text: string): string {
    return text.replace(PLACEHOLDER, (_, n: string) => fillIn(n, this));
  }

  /** Turns this run's values back into placeholders (log lines too). */
  clean(text: string): string {
    let s = text.split(this.dir).join('{{prefix}}');
    if (this.dns !== null) s = s.split(this.dns.address).join('{{dns}}');
    for (const [name, b] of this.backends) s = s.split(b.address).join(`{{${name}}}`);
    for (const [name, b] of this.backends) s = s.replace(new RegExp(`(?<!\\d)${b.port}(?!\\d)`, 'g'), `{{${name}.port}}`);
    for (const [name, port] of this.ports) s = s.replace(new RegExp(`(?<!\\d)${port}(?!\\d)`, 'g'), `{{${name}}}`);
    return s;
  }

  /** Sends one case (`repeat` times) and observes the answers and what the backends received. */
  async run(c: HttpCase): Promise<Observation> {
    for (const b of this.backends.values()) b.take();
    if (c.inFlight !== undefined) return this.runInFlight(c, c.inFlight);
    const port = this.ports.get(c.port ?? 'port')!;
    const clean = (s: string) => this.clean(s);
    const observations: Observation[] = [];
    for (let i = 0; i < (c.repeat ?? 1); i++) {
      if (i > 0 && c.repeatDelayMs) await new Promise((res) => setTimeout(res, c.repeatDelayMs));
      const logFrom = c.errorLog === true ? this.errorLogSize() : 0;
      const r = c.h2 !== undefined ? await this.h2(port, c) : await exchange(
        port,
        requestBytes(c).map((w) => this.fill(w)),
        {
          ...(c.responses === undefined ? {} : { responses: c.responses }),
          ...(c.head === undefined ? {} : { head: c.head }),
          ...(c.halfClose === undefined ? {} : { halfClose: c.halfClose }),
          ...(c.halfCloseDelayMs === undefined ? {} : { halfCloseDelayMs: c.halfCloseDelayMs }),
          ...(c.timeoutMs === undefined ? {} : { timeoutMs: c.timeoutMs }),
          ...(c.writeDelayMs === undefined ? {} : { writeDelayMs: c.writeDelayMs }),
          ...(c.tls === undefined ? {} : { tls: c.tls }),
        },
      );
      if (c.settleMs) await new Promise((res) => setTimeout(res, c.settleMs));
      const errorLog = c.errorLog === true ? this.errorLogLines(logFrom) : undefined;
      const received: BackendRequest[] = [];
      for (const b of this.backends.values()) received.push(...b.take());
      const backend = byArrival(received).map((q) => ({
        ...q,
        target: clean(q.target),
        headers: q.headers.map(([k, v]) => [k, clean(v)] as const),
        body: clean(q.body),
        ...(q.tunnel === undefined ? {} : { tunnel: clean(q.tunnel) }),
      }));
      observations.push({
        outcome: r.outcome,
        closed: r.closed,
        responses: r.responses.map((x) => observeResponse(x, clean)),
        backend,
        ...(r.tunnel === undefined ? {} : { tunnel: clean(r.tunnel) }),
        ...(errorLog === undefined ? {} : { errorLog }),
        ...(r.peer === undefined ? {} : { peer: r.peer }),
        ...(r.error === undefined ? {} : { error: r.error }),
      });
    }
    if (observations.length === 1) return observations[0]!;
    const last = observations[observations.length - 1]!;
    const errors = observations.flatMap((o) => (o.error === undefined ? [] : [o.error]));
    return {
      outcome: observations.find((o) => o.outcome !== 'complete')?.outcome ?? last.outcome,
      closed: last.closed,
      responses: observations.flatMap((o) => o.responses),
      backend: observations.flatMap((o) => o.backend),
      ...(last.tunnel === undefined ? {} : { tunnel: last.tunnel }),
      ...(c.errorLog === true ? { errorLog: observations.flatMap((o) => o.errorLog ?? []) } : {}),
      ...(errors.length === 0 ? {} : { error: errors.join('; ') }),
    };
  }

  /** An `h2` case's request, placeholders filled in. */
  private h2(port: number, c: HttpCase): Promise<ExchangeResult> {
    const q = c.h2!;
    const req: H2Request = {
      ...q,
      path: this.fill(q.path),
      ...(q.authority === undefined || q.authority === null ? {} : { authority: this.fill(q.authority) }),
      ...(q.headers === undefined ? {} : { headers: q.headers.map(([k, v]) => [k, this.fill(v)] as const) }),
      ...(q.body === undefined ? {} : { body: this.fill(q.body) }),
    };
    return h2Exchange(port, req, {
      tls: q.cleartext !== true,
      ...(c.tls?.servername === undefined ? {} : { servername: c.tls.servername }),
      ...(c.timeoutMs === undefined ? {} : { timeoutMs: c.timeoutMs }),
    });
  }

  /** The size of {{prefix}}/error.log now (0 while it does not exist). */
  private errorLogSize(): number {
    const file = join(this.dir, 'error.log');
    return existsSync(file) ? statSync(file).size : 0;
  }

  /** The lines error.log gained since `from`, without time, pid and connection number. */
  private errorLogLines(from: number): string[] {
    const file = join(this.dir, 'error.log');
    if (!existsSync(file)) return [];
    const text = readFileSync(file).subarray(from).toString('latin1');
    return text
      .split('\n')
      .filter((l) => l.length > 0)
      .map((l) => this.clean(l.replace(/^\d{4}\/\d\d\/\d\d \d\d:\d\d:\d\d (\[\w+\]) \d+#\d+: (?:\*\d+ )?/, '$1 ')));
  }

  /** A case with `inFlight` (see HttpCase). */
  private async runInFlight(c: HttpCase, held: readonly InFlightRequest[]): Promise<Observation> {
    const arrived = (): number => [...this.backends.values()].reduce((n, b) => n + b.received.length, 0);
    const heldOpen = (): number => [...this.backends.values()].reduce((n, b) => n + b.heldOpen(), 0);
    // Deterministic, not timed: each step waits for what the server did, 5 s at most; a step that
    // never happens makes the case's outcome a timeout.
    const stalled: string[] = [];
    const until = async (done: () => boolean, what: string): Promise<void> => {
      const deadline = Date.now() + 5000;
      while (!done() && Date.now() < deadline) await new Promise((res) => setTimeout(res, 5));
      if (!done()) stalled.push(what);
    };
    const pending: Promise<ExchangeResult>[] = [];
    for (const h of held) {
      const want = arrived() + (h.backendRequests ?? 1);
      let answered = false;
      const port = this.ports.get(h.port ?? 'port')!;
      const writes = requestBytes({ name: '', request: h }).map((w) => this.fill(w));
      if (h.abort === true) {
        const socket = net.connect(port, '127.0.0.1', () => socket.write(Buffer.from(writes.join(''), 'latin1')));
        socket.on('error', () => undefined);
        socket.on('close', () => (answered = true));
        await until(() => answered || arrived() >= want, `${h.target} neither reached a backend nor was answered`);
        const open = heldOpen();
        socket.destroy();
        await until(() => heldOpen() < open, `the client of ${h.target} went away and the server kept its upstream connection`);
        continue;
      }
      // Long enough for every other request of the case; the server answers it once released.
      const p = exchange(port, writes, { timeoutMs: 10_000 });
      void p.then(() => (answered = true));
      pending.push(p);
      // The next request goes once this one is counted by the server (reached a backend) or answered.
      await until(() => answered || arrived() >= want, `${h.target} neither reached a backend nor was answered`);
    }
    const own = await exchange(
      this.ports.get(c.port ?? 'port')!,
      requestBytes(c).map((w) => this.fill(w)),
      {
        ...(c.responses === undefined ? {} : { responses: c.responses }),
        ...(c.head === undefined ? {} : { head: c.head }),
        ...(c.timeoutMs === undefined ? {} : { timeoutMs: c.timeoutMs }),
      },
    );
    for (const b of this.backends.values()) b.release();
    const all = [...(await Promise.all(pending)), own];
    const clean = (s: string) => this.clean(s);
    const received: BackendRequest[] = [];
    for (const b of this.backends.values()) received.push(...b.take());
    const errors = [...stalled, ...all.flatMap((r) => (r.error === undefined ? [] : [r.error]))];
    return {
      outcome: stalled.length ? 'timeout' : (all.find((r) => r.outcome !== 'complete')?.outcome ?? 'complete'),
      closed: own.closed,
      responses: all.flatMap((r) => r.responses.map((x) => observeResponse(x, clean))),
      backend: byArrival(received).map((q) => ({ ...q, target: clean(q.target), headers: q.headers.map(([k, v]) => [k, clean(v)] as const), body: clean(q.body) })),
      ...(errors.length === 0 ? {} : { error: errors.join('; ') }),
    };
  }

  /** A one-line account of the server process when it has died, else null. */
  died(): string | null {
    const status = this.server.exitStatus();
    if (status === null) return null;
    const tail = this.server.stderr().trim().split('\n').slice(-5).join('\n');
    return `${this.kind} ${status}${tail === '' ? '' : `; stderr:\n${tail}`}`;
  }

  /** Stops the server and the backends and removes the run directory. */
  async stop(): Promise<void> {
    await this.server.stop();
    for (const b of this.backends.values()) await b.close();
    await this.dns?.close();
    rmSync(this.dir, { recursive: true, force: true });
  }
}
