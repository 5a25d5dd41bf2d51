/**
 * `no "ssl_certificate" is defined for the "listen ... ssl" directive in FILE:LINE`:
 * ngx_http_ssl_init (the ssl module's postconfiguration) looks at every address some `listen … ssl`
 * made an ssl address. Its default server must have a certificate; if it has none but
 * `ssl_reject_handshake on`, every other server of the address must have one or reject handshakes.
 * The place named is the server block's (cscf->file_name, cscf->line), printed as part of the
 * message, not as nginx's usual ` in FILE:LINE` of the directive being read.
 */
import type { Directive } from '../ast.js';
import { listenAddrText, parseFlag, parseListen } from '../values.js';
import { directivesOf } from './expanded.js';
import type { PostCheckContext } from './post-check.js';

interface ServerTls {
  readonly server: Directive;
  readonly certificates: boolean;
  readonly rejectHandshake: boolean;
}

interface Address {
  ssl: boolean;
  servers: ServerTls[];
  defaultServer: ServerTls | null;
}

/** False once the error was reported (nginx stops there). */
export function checkSslCertificates(http: Directive, cx: PostCheckContext): boolean {
  const top = directivesOf(http.block ?? [], cx.includes);
  const httpCerts = top.some((d) => d.name === 'ssl_certificate');
  const httpReject = flagOf(top, 'ssl_reject_handshake') ?? false;
  const addresses = new Map<string, Address>();
  for (const server of top) {
    if (server.name !== 'server' || server.block === null) continue;
    const own = directivesOf(server.block, cx.includes);
    const tls: ServerTls = {
      server,
      certificates: own.some((d) => d.name === 'ssl_certificate') || httpCerts,
      rejectHandshake: flagOf(own, 'ssl_reject_handshake') ?? httpReject,
    };
    let listened = false;
    for (const l of own) {
      if (l.name !== 'listen') continue;
      const r = parseListen(l.args.map((a) => a.value));
      if (!r.ok) continue;
      listened = true;
      const key = listenAddrText(r.listen.url);
      let a = addresses.get(key);
      if (a === undefined) {
        a = { ssl: false, servers: [], defaultServer: null };
        addresses.set(key, a);
      }
      a.ssl ||= r.listen.options.ssl;
      if (!a.servers.includes(tls)) a.servers.push(tls);
      if (r.listen.options.defaultServer && a.defaultServer === null) a.defaultServer = tls;
    }
    // A server without listen is on *:80, which no `listen … ssl` can make an ssl address unless
    // another server says `listen 80 ssl`: count it there.
    if (!listened) {
      const a = addresses.get('0.0.0.0:80');
      if (a !== undefined && !a.servers.includes(tls)) a.servers.push(tls);
    }
  }
  for (const a of addresses.values()) {
    if (!a.ssl) continue;
    const dflt = a.defaultServer ?? a.servers[0];
    if (dflt === undefined || dflt.certificates) continue;
    if (!dflt.rejectHandshake) return report(dflt, cx);
    for (const s of a.servers) {
      if (!s.certificates && !s.rejectHandshake) return report(s, cx);
    }
  }
  return true;
}

function report(s: ServerTls, cx: PostCheckContext): false {
  const file = s.server.span.file;
  const line = s.server.terminator.line;
  cx.report('emerg', `no "ssl_certificate" is defined for the "listen ... ssl" directive in ${file}:${line}`, file, s.server.terminator, 'ssl-no-certificate', {
    unlocated: true,
    hint: 'add ssl_certificate and ssl_certificate_key to this server or to the http block',
  });
  return false;
}

/** The last `NAME on|off` among `directives`, or undefined. */
function flagOf(directives: readonly Directive[], name: string): boolean | undefined {
  let v: boolean | undefined;
  for (const d of directives) if (d.name === name) v = parseFlag(d.args[0]?.value ?? '') ?? v;
  return v;
}
