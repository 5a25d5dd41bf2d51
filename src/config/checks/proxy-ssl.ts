/**
 * `no proxy_ssl_trusted_certificate for proxy_ssl_verify`: ngx_http_proxy_merge_loc_conf runs
 * ngx_http_proxy_set_ssl for a level whose proxy_pass may need TLS (an https:// URL, or one with
 * variables), and that refuses proxy_ssl_verify on without a trusted certificate. nginx prints it
 * while merging, without a file:line.
 */
import type { Directive } from '../ast.js';
import { countVariables } from '../values.js';
import { directivesOf } from './expanded.js';
import type { PostCheckContext } from './post-check.js';

/** Set in the check's global state by a `proxy_ssl_verify on` line. */
export const PROXY_SSL_VERIFY_ON = 'ngx_http_proxy_module:ssl_verify_on';

interface Inherited {
  readonly verify: boolean;
  readonly trusted: boolean;
}

const NESTED = new Set(['server', 'location', 'if', 'limit_except']);

/** Checks every level of an http block; false once an error was reported. */
export function checkProxySsl(http: Directive, cx: PostCheckContext): boolean {
  // Without any proxy_ssl_verify on there is nothing to refuse: no walk over every level.
  if (cx.global.get(PROXY_SSL_VERIFY_ON) !== true) return true;
  return checkLevel(http, { verify: false, trusted: false }, cx);
}

function checkLevel(level: Directive, outer: Inherited, cx: PostCheckContext): boolean {
  const own = directivesOf(level.block ?? [], cx.includes);
  const verify = own.find((d) => d.name === 'proxy_ssl_verify');
  const trusted = own.find((d) => d.name === 'proxy_ssl_trusted_certificate');
  const pass = own.find((d) => d.name === 'proxy_pass');
  const here: Inherited = {
    verify: verify === undefined ? outer.verify : verify.args[0]?.value.toLowerCase() === 'on',
    trusted: trusted === undefined ? outer.trusted : true,
  };
  const url = pass?.args[0]?.value ?? '';
  if (pass !== undefined && (url.slice(0, 8).toLowerCase() === 'https://' || countVariables(url) > 0) && here.verify && !here.trusted) {
    cx.report('emerg', 'no proxy_ssl_trusted_certificate for proxy_ssl_verify', pass.span.file, pass.terminator, 'proxy-ssl-no-trusted', {
      unlocated: true,
      hint: 'add proxy_ssl_trusted_certificate with the CA certificates to verify the upstream against',
    });
    return false;
  }
  // Indexed, not for-of: this runs cold in ngts -t, where V8's interpreter makes an object for
  // each step of a for-of loop.
  for (let i = 0; i < own.length; i++) {
    const d = own[i]!;
    if (NESTED.has(d.name) && d.block !== null && !checkLevel(d, here, cx)) return false;
  }
  return true;
}
