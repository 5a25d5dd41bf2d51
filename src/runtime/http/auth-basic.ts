/**
 * ngx_http_auth_basic_module in the access phase: the credentials of `Authorization: Basic`
 * checked against the user file (htpasswd lines `user:hash[:comment]`); 401 with
 * `WWW-Authenticate: Basic realm="…"` when they are missing or wrong.
 */
import { readFileSync } from 'node:fs';
import type { AuthBasicConf } from '../../compile/auth-basic-conf.js';
import { ngxCrypt } from './crypt.js';
import { errnoText, fullName } from '../../config/source.js';
import type { HttpRequest } from './request.js';
import type { ResponseSink } from './response.js';
import { evaluate } from './variables.js';

const DECLINED = -5;
const OK = 0;

// ngx_http_auth_basic_user
/** The user and password of `Authorization: Basic …`, or null (nginx's NGX_DECLINED). */
export function basicCredentials(r: HttpRequest): { user: string; passwd: string } | null {
  const h = r.header('Authorization');
  if (h === undefined || h.length < 6 || h.slice(0, 6).toLowerCase() !== 'basic ') return null;
  const encoded = h.slice(6).replace(/^ +/, '');
  if (encoded.length === 0) return null;
  // ngx_decode_base64: the standard alphabet, padding optional; anything else is invalid.
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(encoded) || encoded.replace(/=+$/, '').length % 4 === 1) return null;
  const auth = Buffer.from(encoded, 'base64').toString('latin1');
  const colon = auth.indexOf(':');
  if (colon <= 0) return null;
  return { user: auth.slice(0, colon), passwd: auth.slice(colon + 1) };
}

function setRealm(r: HttpRequest, realm: string): number {
  r.headersOut.headers.push(['WWW-Authenticate', `Basic realm="${realm}"`]);
  return 401;
}

// ngx_http_auth_basic_handler
/** OK, DECLINED (no auth_basic here), 401, 403 (no user file) or 500. */
export function authBasicHandler(r: HttpRequest, sink: ResponseSink, conf: AuthBasicConf): number {
  const realm = evaluate(r, conf.realm);
  if (realm === 'off') return DECLINED;
  const cred = basicCredentials(r);
  if (cred === null) {
    sink.log('info', 'no user/password was provided for basic authentication');
    return setRealm(r, realm);
  }
  const file = evaluate(r, conf.userFile);
  const path = fullName(conf.prefix, file);
  let text: string;
  try {
    text = readFileSync(Buffer.from(path, 'latin1')).toString('latin1');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    sink.log(code === 'ENOENT' ? 'error' : 'crit', `open() "${path}" failed ${errnoText(e)}`);
    return code === 'ENOENT' ? 403 : 500;
  }
  for (const raw of text.split('\n')) {
    const line = raw;
    if (line.startsWith('#') || line.startsWith('\r')) continue;
    if (!line.startsWith(cred.user + ':')) continue;
    const rest = line.slice(cred.user.length + 1);
    let end = 0;
    while (end < rest.length && rest[end] !== '\r' && rest[end] !== ':') end++;
    const hash = rest.slice(0, end);
    const encrypted = ngxCrypt(cred.passwd, hash);
    if (encrypted === null) {
      sink.log('error', `ngts: the password hash of user "${cred.user}" in "${path}" uses a libc crypt() scheme ngts does not compute (yescrypt, gost-yescrypt, scrypt, sha1crypt, SunMD5 or NT)`);
      return 500;
    }
    if (encrypted === hash) return OK;
    sink.log('error', `user "${cred.user}": password mismatch`);
    return setRealm(r, realm);
  }
  sink.log('error', `user "${cred.user}" was not found in "${path}"`);
  return setRealm(r, realm);
}
