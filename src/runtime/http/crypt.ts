/**
 * ngx_crypt (src/core/ngx_crypt.c): the password hashes of htpasswd files that nginx checks
 * itself — `$apr1$` (MD5 crypt), `{PLAIN}`, `{SSHA}`, `{SHA}` — and libc crypt() for the rest
 * (libc-crypt.ts). Strings are latin1 bytes; the key ends at a NUL as in C.
 */
import { createHash } from 'node:crypto';
import { libcCrypt } from './libc-crypt.js';
import { md5Crypt } from './md5-crypt.js';

/**
 * ngx_crypt: `key` hashed the way `salt` (the stored hash) says — equal to `salt` when the
 * password is right — or null for a libc scheme ngts does not compute.
 */
export function ngxCrypt(keyText: string, salt: string): string | null {
  const nul = keyText.indexOf('\0');
  const key = Buffer.from(nul < 0 ? keyText : keyText.slice(0, nul), 'latin1');
  if (salt.startsWith('$apr1$')) return md5Crypt(key, salt, '$apr1$');
  if (salt.startsWith('{PLAIN}')) return '{PLAIN}' + key.toString('latin1');
  if (salt.startsWith('{SSHA}')) {
    // base64(SHA1(key salt) salt): the salt is what follows the 20-byte digest.
    let decoded = Buffer.from(salt.slice(6), 'base64');
    if (decoded.length < 20) decoded = Buffer.concat([decoded, Buffer.alloc(20 - decoded.length)]).subarray(0, 20);
    const digest = createHash('sha1').update(key).update(decoded.subarray(20)).digest();
    return '{SSHA}' + Buffer.concat([digest, decoded.subarray(20)]).toString('base64');
  }
  if (salt.startsWith('{SHA}')) return '{SHA}' + createHash('sha1').update(key).digest('base64');
  return libcCrypt(key, salt);
}
