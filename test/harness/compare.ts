/**
 * What a request case observed, and the part of it that is compared. nginx's answer and ngts's are
 * each turned into an Observation (ports and the run directory replaced by their placeholders, so
 * answers from different runs compare), then projected onto the fields a case asks for.
 */
import { isDeepStrictEqual } from 'node:util';
import type { BackendRequest } from './echo-backend.js';
import type { Outcome, RawResponse, TlsPeer } from './raw-client.js';

/** A response as recorded: the status line, every header in order with raw names, the body. */
export interface ObservedResponse {
  readonly statusLine: string;
  readonly headers: readonly (readonly [string, string])[];
  readonly body: string;
  /** Present (false) only when the response was cut off. */
  readonly complete?: false;
}

/** Everything one case saw: the client's side and what reached the echo backends. */
export interface Observation {
  readonly outcome: Outcome;
  readonly closed: boolean;
  readonly responses: readonly ObservedResponse[];
  readonly backend: readonly BackendRequest[];
  /** After a 101 response: the bytes the client received through the tunnel. */
  readonly tunnel?: string;
  /** With a case's `errorLog`: the lines the server's error.log gained, as `[level] message`. */
  readonly errorLog?: readonly string[];
  /** Over TLS: the certificate, protocol and ALPN the server's handshake gave. */
  readonly peer?: TlsPeer;
  readonly error?: string;
}

/**
 * What a case can ask to compare. `closed`: whether the server closed the connection; `errorLog`:
 * the error log lines the case caused.
 */
export type Field = 'status' | 'headers' | 'body' | 'backend' | 'closed' | 'errorLog';

export const DEFAULT_FIELDS: readonly Field[] = ['status', 'headers', 'body', 'backend'];

/** Response headers compared by default, besides every `X-*`. Date, Server, ETag, Last-Modified are not. */
export const DEFAULT_HEADERS: readonly string[] = ['Content-Type', 'Content-Length', 'Location', 'Connection', 'Transfer-Encoding'];

export interface CompareSpec {
  readonly fields?: readonly Field[];
  /** More response headers to compare (e.g. `Server`, `ETag`). */
  readonly headers?: readonly string[];
}

/** The compared view of an Observation. */
export interface Projection {
  outcome: Outcome;
  responses: { status?: string; headers?: [string, string][]; body?: string; complete?: false }[];
  closed?: boolean;
  backend?: BackendRequest[];
  /** Compared with `body`: what came through a tunnel after a 101. */
  tunnel?: string;
  errorLog?: string[];
  /** Compared whenever the case spoke TLS: the server's certificate, protocol and ALPN. */
  tls?: TlsPeer;
}

/**
 * The signature in nginx's built-in error pages (`<hr><center>nginx/1.22.1</center>`, or
 * `<center>nginx</center>` with server_tokens off) legitimately differs between builds and products,
 * so it is compared as a placeholder; Content-Length is corrected by the same difference so that the
 * rest of the page still counts byte for byte. The Server header is not compared by default either.
 * A HEAD response carries the page's Content-Length without the page: there the signature is the
 * Server header's value (both come from server_tokens), so the correction is taken from it.
 */
const SIGNATURE = /<hr><center>[^<\r\n]*<\/center>/g;
const SIGNATURE_PLACEHOLDER = '<hr><center>SIGNATURE</center>';

/** The body with the error-page signature normalised. */
export function normaliseBody(body: string): string {
  return body.replace(SIGNATURE, SIGNATURE_PLACEHOLDER);
}

/** Projects `o` onto the fields and headers `spec` names. */
export function project(o: Observation, spec: CompareSpec = {}): Projection {
  const fields = new Set(spec.fields ?? DEFAULT_FIELDS);
  const wanted = new Set([...DEFAULT_HEADERS, ...(spec.headers ?? [])].map((h) => h.toLowerCase()));
  const p: Projection = {
    outcome: o.outcome,
    responses: o.responses.map((r) => {
      const body = normaliseBody(r.body);
      let delta = body.length - r.body.length;
      if (r.body.length === 0 && /^HTTP\/\S+ [345]/.test(r.statusLine)) {
        const type = r.headers.find(([n]) => n.toLowerCase() === 'content-type')?.[1];
        const server = r.headers.find(([n]) => n.toLowerCase() === 'server')?.[1];
        if (type === 'text/html' && server !== undefined) delta = 'SIGNATURE'.length - server.length;
      }
      const out: Projection['responses'][number] = {};
      if (fields.has('status')) out.status = r.statusLine;
      if (fields.has('headers')) {
        out.headers = r.headers
          .filter(([name]) => wanted.has(name.toLowerCase()) || /^x-/i.test(name))
          .map(([name, value]): [string, string] =>
            name.toLowerCase() === 'content-length' && /^\d+$/.test(value) && delta !== 0 ? [name, String(Number(value) + delta)] : [name, value],
          );
      }
      if (fields.has('body')) out.body = body;
      if (r.complete === false) out.complete = false;
      return out;
    }),
  };
  if (fields.has('body') && o.tunnel !== undefined) p.tunnel = o.tunnel;
  if (o.peer !== undefined) p.tls = { ...o.peer };
  if (fields.has('closed')) p.closed = o.closed;
  if (fields.has('errorLog')) p.errorLog = [...(o.errorLog ?? [])];
  if (fields.has('backend')) p.backend = o.backend.map((b) => ({ ...b, headers: b.headers.map(([k, v]) => [k, v] as const) }));
  return p;
}

/** Turns a raw client response into its recorded form; `clean` templates ports and paths. */
export function observeResponse(r: RawResponse, clean: (s: string) => string): ObservedResponse {
  return {
    statusLine: r.statusLine,
        // Date changes every second; Content-Length is a number that must not be mistaken for a port.
    headers: r.headers.map(([k, v]) => {
      const name = k.toLowerCase();
      return [k, name === 'date' ? '<date>' : name === 'content-length' ? v : clean(v)] as const;
    }),
    body: clean(r.body),
    ...(r.complete ? {} : { complete: false as const }),
  };
}

/** Whether two projections agree (what toEqual would say). */
export function sameProjection(a: Projection, b: Projection): boolean {
  return isDeepStrictEqual(JSON.parse(JSON.stringify(a)), JSON.parse(JSON.stringify(b)));
}
