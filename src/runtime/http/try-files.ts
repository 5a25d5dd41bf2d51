/**
 * ngx_http_try_files_module (the precontent phase): the first candidate that exists as a file (or
 * as a directory, for a candidate ending in `/`) becomes the URI, in the same location; when none
 * does, the fallback URI, named location or code.
 */
import { statSync } from 'node:fs';
import type { TryFilesConf } from '../../compile/http-loc-conf.js';
import { internalRedirect, uriExten } from './internal-redirect.js';
import { splitArgs } from './normalize-uri.js';
import { namedLocation } from './phases.js';
import type { HttpRequest } from './request.js';
import type { ResponseSink } from './response.js';
import { evaluate } from './variables.js';
import { documentRoot } from './document-root.js';

const DECLINED = -5;

// ngx_http_try_files_handler
/** DECLINED to go on to the content phase with the URI found, else what the fallback gives. */
export function tryFilesHandler(r: HttpRequest, sink: ResponseSink, tf: TryFilesConf): number | Promise<number> {
  const core = r.conf.core;
  const alias = core.alias ? core.aliasLength : 0;
  for (const c of tf.candidates) {
    let name = evaluate(r, c.name);
    // A candidate with variables under a prefix alias starts with the location name: cut it.
    if (alias > 0 && c.name.constant === null && name.startsWith(r.uri.slice(0, alias))) name = name.slice(alias);
    const path = documentRoot(r) + name;
    let isDir: boolean;
    try {
      isDir = statSync(Buffer.from(path, 'latin1')).isDirectory();
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code !== 'ENOENT' && code !== 'ENOTDIR' && code !== 'ENAMETOOLONG') sink.log('crit', `stat() "${path}" failed (${code})`);
      continue;
    }
    if (isDir !== c.testDir) continue;
    if (alias === 0) r.uri = name;
    else if (alias < 0) {
      if (!c.testDir) r.uri = name;
    } else r.uri = r.uri.slice(0, alias) + name;
    r.exten = uriExten(r.uri);
    return DECLINED;
  }
  const fb = tf.fallback;
  if ('code' in fb) return fb.code;
  const target = evaluate(r, fb.uri);
  if (target.startsWith('@')) return namedLocation(r, sink, target);
  const { uri, args } = splitArgs(target);
  return internalRedirect(r, sink, uri, args);
}
