/**
 * ngx_crypt (src/core/ngx_crypt.c): the password hashes of htpasswd files that nginx checks
 * itself — `$apr1$` (MD5 crypt), `{PLAIN}`, `{SSHA}`, `{SHA}` — plus libc crypt's `$1$` (the same
 * MD5 crypt). Other libc schemes (DES, `$5$`, `$6$`, `$2y$`) are not available in Node: null.
 * Strings are latin1 bytes; the key ends at a NUL as in C.
 */
import { createHash } from 'node:crypto';

const ITOA64 = './0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

// ngx_crypt_to64
function to64(v: number, n: number): string {
  let out = '';
  while (n-- > 0) {
    out += ITOA64[v & 0x3f];
    v >>>= 6;
  }
  return out;
}

function md5(...parts: Buffer[]): Buffer {
  const h = createHash('md5');
  for (const p of parts) h.update(p);
  return h.digest();
}

// ngx_crypt_apr1 (Poul-Henning Kamp's MD5 crypt; glibc's `$1$` is the same with its own magic).
function md5Crypt(key: Buffer, salt: string, magic: string): string {
  const s = salt.slice(magic.length);
  let end = 0;
  while (end < s.length && end < 8 && s[end] !== '$') end++;
  const saltBytes = Buffer.from(s.slice(0, end), 'latin1');
  const magicBytes = Buffer.from(magic, 'latin1');
  const parts: Buffer[] = [key, magicBytes, saltBytes];
  let final = md5(key, saltBytes, key);
  for (let n = key.length; n > 0; n -= 16) parts.push(final.subarray(0, n > 16 ? 16 : n));
  const zero = Buffer.alloc(1);
  for (let i = key.length; i; i >>= 1) parts.push(i & 1 ? zero : key.subarray(0, 1));
  final = md5(...parts);
  for (let i = 0; i < 1000; i++) {
    const p: Buffer[] = [];
    p.push(i & 1 ? key : final);
    if (i % 3) p.push(saltBytes);
    if (i % 7) p.push(key);
    p.push(i & 1 ? final : key);
    final = md5(...p);
  }
  const f = final;
  return (
    magic +
    saltBytes.toString('latin1') +
    '$' +
    to64((f[0]! << 16) | (f[6]! << 8) | f[12]!, 4) +
    to64((f[1]! << 16) | (f[7]! << 8) | f[13]!, 4) +
    to64((f[2]! << 16) | (f[8]! << 8) | f[14]!, 4) +
    to64((f[3]! << 16) | (f[9]! << 8) | f[15]!, 4) +
    to64((f[4]! << 16) | (f[10]! << 8) | f[5]!, 4) +
    to64(f[11]!, 2)
  );
}

/** ngx_crypt: `key` hashed the way `salt` (the stored hash) says, or null when not supported. */
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
  if (salt.startsWith('$1$')) return md5Crypt(key, salt, '$1$');
  return null;
}
