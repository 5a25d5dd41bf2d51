/**
 * MD5 crypt (Poul-Henning Kamp's): nginx's own `$apr1$` (ngx_crypt_apr1, src/core/ngx_crypt.c) and
 * libc's `$1$` (libxcrypt's crypt_md5crypt_rn) are the same algorithm with different magic.
 */
import { createHash } from 'node:crypto';
import { cryptTo64 } from './crypt-base64.js';

function md5(...parts: Buffer[]): Buffer {
  const h = createHash('md5');
  for (const p of parts) h.update(p);
  return h.digest();
}

/**
 * The MD5 crypt of `key` with the salt of `setting` (after `magic`, up to the next `$`, at most
 * 8 bytes), as `magic salt $ hash`.
 */
export function md5Crypt(key: Buffer, setting: string, magic: string): string {
  const s = setting.slice(magic.length);
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
    cryptTo64((f[0]! << 16) | (f[6]! << 8) | f[12]!, 4) +
    cryptTo64((f[1]! << 16) | (f[7]! << 8) | f[13]!, 4) +
    cryptTo64((f[2]! << 16) | (f[8]! << 8) | f[14]!, 4) +
    cryptTo64((f[3]! << 16) | (f[9]! << 8) | f[15]!, 4) +
    cryptTo64((f[4]! << 16) | (f[10]! << 8) | f[5]!, 4) +
    cryptTo64(f[11]!, 2)
  );
}
