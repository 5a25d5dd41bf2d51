/**
 * The default content handlers: ngx_http_index_module (a URI ending in `/` is redirected
 * internally to its first existing index file), ngx_http_static_module (a file under root/alias),
 * and what ngx_http_core_content_phase answers when both decline (403 for a directory, else 404).
 */
import { stat } from 'node:fs/promises';
import { closeSync, fstatSync, openSync, read as readCb, readSync } from 'node:fs';
import { internalRedirect } from './internal-redirect.js';
import { notModified } from './not-modified.js';
import type { HttpRequest } from './request.js';
import { setContentType, type ResponseSink } from './response.js';
import { headerFilters, writeHead } from './header-filter.js';
import { escapeUri } from './normalize-uri.js';
import { mapUriToPath } from './document-root.js';
import { errnoText } from '../../config/source.js';

const DONE = -4;
/** Files up to this size are read whole and written with the head in one write. */
const WHOLE_FILE_LIMIT = 64 * 1024;

function errCode(e: unknown): string {
  return (e as NodeJS.ErrnoException).code ?? '';
}


/** Runs the content phase's default handlers for `r`. */
export function staticContent(r: HttpRequest, sink: ResponseSink): number | Promise<number> {
  const uri = r.uri;
  const method = r.method;
  const getHeadPost = method === 'GET' || method === 'HEAD' || method === 'POST';
  if (uri.endsWith('/')) {
    if (!getHeadPost) return 405;
    return indexHandler(r, sink);
  }
  if (!getHeadPost) return 405;
  return staticHandler(r, sink);
}

// ngx_http_index_handler, then ngx_http_core_content_phase for a directory URI.
async function indexHandler(r: HttpRequest, sink: ResponseSink): Promise<number> {
  const base = mapUriToPath(r);
  if (base === null) return aliasRewritten(r, sink);
  let dirTested = false;
  for (const name of r.conf.index) {
    if (name.startsWith('/')) return internalRedirect(r, sink, name, r.args);
    const path = base + name;
    try {
      await stat(Buffer.from(path, 'latin1'));
    } catch (e) {
      const code = errCode(e);
      if (code === 'ELOOP' || code === 'EMLINK') return 403;
      if (code === 'ENOTDIR' || code === 'ENAMETOOLONG' || code === 'EACCES') return indexError(r, sink, path, e);
      if (!dirTested) {
        const rc = await testDir(r, sink, base);
        if (rc !== 0) return rc;
        dirTested = true;
      }
      if (code === 'ENOENT') continue;
      sink.log('crit', `stat() "${path}" failed ${errnoText(e)}`);
      return 500;
    }
    return internalRedirect(r, sink, r.uri + name, r.args);
  }
  // ngx_http_core_content_phase: no handler took a directory URI.
  sink.log('error', `directory index of "${base}" is forbidden`);
  return 403;
}

function aliasRewritten(r: HttpRequest, sink: ResponseSink): number {
  sink.log('alert', `"alias" cannot be used in location "${r.loc?.label.replace(/^location (\S+ )?/, '') ?? ''}" where URI was rewritten`);
  return 500;
}

function indexError(r: HttpRequest, sink: ResponseSink, file: string, e: unknown): number {
  if (errCode(e) === 'EACCES') {
    sink.log('error', `"${file}" is forbidden ${errnoText(e)}`);
    return 403;
  }
  if (r.conf.core.logNotFound) sink.log('error', `"${file}" is not found ${errnoText(e)}`);
  return 404;
}

// ngx_http_index_test_dir: a missing index file in a missing directory is a 404, not a 403.
async function testDir(r: HttpRequest, sink: ResponseSink, dir: string): Promise<number> {
  const path = dir.length > 1 && dir.endsWith('/') ? dir.slice(0, -1) : dir;
  try {
    const st = await stat(Buffer.from(path, 'latin1'));
    if (st.isDirectory()) return 0;
    sink.log('alert', `"${path}" is not a directory`);
    return 500;
  } catch (e) {
    const code = errCode(e);
    if (code === 'ELOOP' || code === 'EMLINK') return 403;
    if (code === 'ENOENT') return indexError(r, sink, path, e);
    if (code === 'EACCES') return 0;
    sink.log('crit', `stat() "${path}" failed ${errnoText(e)}`);
    return 500;
  }
}

// ngx_http_static_handler
async function staticHandler(r: HttpRequest, sink: ResponseSink): Promise<number> {
  const path = mapUriToPath(r);
  if (path === null) return aliasRewritten(r, sink);
  // Opening, stat and small reads are synchronous, as nginx's are: for a file in the page cache
  // this costs far less than three trips through libuv's thread pool (bench/http.mjs).
  let fd: number;
  try {
    fd = openSync(Buffer.from(path, 'latin1'), 'r');
  } catch (e) {
    const code = errCode(e);
    if (code === 'ENOENT' || code === 'ENOTDIR' || code === 'ENAMETOOLONG') {
      if (r.conf.core.logNotFound) sink.log('error', `open() "${path}" failed ${errnoText(e)}`);
      return 404;
    }
    if (code === 'EACCES' || code === 'ELOOP' || code === 'EMLINK') {
      sink.log('error', `open() "${path}" failed ${errnoText(e)}`);
      return 403;
    }
    sink.log('crit', `open() "${path}" failed ${errnoText(e)}`);
    return 500;
  }
  let handedOver = false;
  try {
    const st = fstatSync(fd);
    if (st.isDirectory()) {
      // A directory without its slash: redirect to it, escaped, with the arguments.
      const escaped = escapeUri(r.uri, 'uri');
      r.headersOut.location = r.args.length ? escaped + '/?' + r.args : escaped + '/';
      return 301;
    }
    if (!st.isFile()) {
      sink.log('crit', `"${path}" is not a regular file`);
      return 404;
    }
    if (r.method === 'POST') return 405;
    const rc = sink.discardBody();
    if (rc !== 0) return rc;
    const out = r.headersOut;
    out.status = 200;
    out.contentLength = st.size;
    out.lastModified = Math.floor(st.mtimeMs / 1000);
    if (r.conf.core.etag) out.headers.push(['ETag', `"${out.lastModified.toString(16)}-${st.size.toString(16)}"`]);
    setContentType(r);
    const status = notModified(r);
    if (status === 412) {
      // ngx_http_filter_finalize_request cleans the headers before the error response.
      out.headers.length = 0;
      out.lastModified = -1;
      out.contentType = '';
      return 412;
    }
    r.allowRanges = true;
    // ngx_http_range_filter: a range that cannot be satisfied is an error response.
    if (headerFilters(r) === 416) return 416;
    const head = writeHead(r);
    if (r.headerOnly || out.contentLength === 0 || out.status === 304) {
      if (head) sink.write(head);
      sink.end();
      return DONE;
    }
    const plan = r.rangePlan;
    const segments: Segment[] =
      plan === null
        ? [{ start: 0, end: st.size }]
        : plan.kind === 'single'
          ? [{ start: plan.start, end: plan.end }]
          : [...plan.parts.flatMap((p) => [p.head, { start: p.start, end: p.end }]), plan.tail];
    handedOver = true;
    await sendSegments(fd, segments, head, path, sink);
    return DONE;
  } finally {
    if (!handedOver) closeSync(fd);
  }
}

/** A piece of the body: literal bytes (multipart boundaries) or a byte range of the file. */
type Segment = string | { readonly start: number; readonly end: number };

/**
 * Sends the head and the body's segments. Bodies up to 64 KiB go out in one write with the head;
 * larger ones in 256 KiB reads, waiting for the socket to drain, so a slow client holds no more.
 */
async function sendSegments(fd: number, segments: readonly Segment[], head: string, path: string, sink: ResponseSink): Promise<void> {
  const total = segments.reduce((n, s) => n + (typeof s === 'string' ? s.length : s.end - s.start), 0);
  try {
    if (total <= WHOLE_FILE_LIMIT) {
      const parts: Buffer[] = head ? [Buffer.from(head, 'latin1')] : [];
      for (const seg of segments) {
        if (typeof seg === 'string') {
          parts.push(Buffer.from(seg, 'latin1'));
          continue;
        }
        const buf = Buffer.allocUnsafe(seg.end - seg.start);
        const bytesRead = readSync(fd, buf, 0, buf.length, seg.start);
        if (bytesRead < buf.length) return shrank(sink, path, bytesRead, buf.length);
        parts.push(buf);
      }
      sink.write(parts.length === 1 ? parts[0]! : Buffer.concat(parts));
      sink.end();
      return;
    }
    if (head) sink.write(head);
    for (const seg of segments) {
      if (typeof seg === 'string') {
        if (!sink.write(seg)) await new Promise<void>((resolve) => sink.onDrain(resolve));
        continue;
      }
      for (let pos = seg.start; pos < seg.end; ) {
        if (sink.aborted) return;
        const len = Math.min(256 * 1024, seg.end - pos);
        const buf = Buffer.allocUnsafe(len);
        const bytesRead = await new Promise<number>((resolve, reject) => readCb(fd, buf, 0, len, pos, (e, n) => (e ? reject(e) : resolve(n))));
        if (bytesRead === 0) return shrank(sink, path, pos, seg.end);
        pos += bytesRead;
        if (!sink.write(bytesRead === len ? buf : buf.subarray(0, bytesRead))) await new Promise<void>((resolve) => sink.onDrain(resolve));
      }
    }
    sink.end();
  } catch (e) {
    sink.log('crit', `pread() "${path}" failed ${errnoText(e)}`);
    sink.terminate();
  } finally {
    closeSync(fd);
  }
}

// The file shrank while it was sent: nginx logs and cuts the connection.
function shrank(sink: ResponseSink, path: string, got: number, want: number): void {
  sink.log('alert', `read only ${got} of ${want} from "${path}"`);
  sink.terminate();
}
