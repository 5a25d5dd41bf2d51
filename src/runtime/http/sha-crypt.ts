/**
 * SHA-256-crypt (`$5$`) and SHA-512-crypt (`$6$`), Ulrich Drepper's algorithm
 * (https://www.akkadia.org/drepper/SHA-crypt.txt) with the setting rules of libxcrypt 4.4
 * (crypt_sha256crypt_rn, crypt_sha512crypt_rn), the libcrypt that Debian's nginx calls:
 * `rounds=N$` must be 1000..999999999 without a leading zero (glibc clamped; libxcrypt refuses),
 * the salt ends at `$` or the end and is cut to 16 bytes.
 */
import { createHash } from 'node:crypto';
import { cryptTo64 } from './crypt-base64.js';

const ROUNDS_DEFAULT = 5000;
const ROUNDS_MIN = 1000;
const ROUNDS_MAX = 999_999_999;
const SALT_LEN_MAX = 16;

interface ShaCryptKind {
  readonly prefix: '$5$' | '$6$';
  readonly hash: 'sha256' | 'sha512';
  readonly size: 32 | 64;
  /** The digest bytes of each 4-character group of the result, most significant first. */
  readonly order: readonly (readonly [number, number, number])[];
  /** The last, shorter group: its bytes and character count. */
  readonly tail: readonly [number, number, number, number];
}

const SHA256: ShaCryptKind = {
  prefix: '$5$',
  hash: 'sha256',
  size: 32,
  order: [
    [0, 10, 20], [21, 1, 11], [12, 22, 2], [3, 13, 23], [24, 4, 14],
    [15, 25, 5], [6, 16, 26], [27, 7, 17], [18, 28, 8], [9, 19, 29],
  ],
  tail: [-1, 31, 30, 3],
};

const SHA512: ShaCryptKind = {
  prefix: '$6$',
  hash: 'sha512',
  size: 64,
  order: [
    [0, 21, 42], [22, 43, 1], [44, 2, 23], [3, 24, 45], [25, 46, 4], [47, 5, 26], [6, 27, 48],
    [28, 49, 7], [50, 8, 29], [9, 30, 51], [31, 52, 10], [53, 11, 32], [12, 33, 54], [34, 55, 13],
    [56, 14, 35], [15, 36, 57], [37, 58, 16], [59, 17, 38], [18, 39, 60], [40, 61, 19], [62, 20, 41],
  ],
  tail: [-1, -1, 63, 2],
};

/** `block` repeated to `len` bytes (libxcrypt's SHA*_Update_recycled). */
function recycled(block: Buffer, len: number): Buffer {
  const out = Buffer.allocUnsafe(len);
  for (let i = 0; i < len; i += block.length) block.copy(out, i, 0, Math.min(block.length, len - i));
  return out;
}

function shaCrypt(kind: ShaCryptKind, key: Buffer, setting: string): string | null {
  let salt = setting.startsWith(kind.prefix) ? setting.slice(kind.prefix.length) : setting;
  let rounds = ROUNDS_DEFAULT;
  let custom = false;
  if (salt.startsWith('rounds=')) {
    // strtoul then `$`: no sign, no leading zero (libxcrypt refuses an explicit 0 or 0-padding).
    const m = /^rounds=([1-9][0-9]*)\$/.exec(salt);
    if (m === null) return null;
    rounds = Number(m[1]);
    if (rounds < ROUNDS_MIN || rounds > ROUNDS_MAX) return null;
    salt = salt.slice(m[0].length);
    custom = true;
  }
  // The salt ends at `$` or the end; `:` or LF before that is EINVAL.
  let end = 0;
  while (end < salt.length && salt[end] !== '$' && salt[end] !== ':' && salt[end] !== '\n') end++;
  if (end < salt.length && salt[end] !== '$') return null;
  const s = Buffer.from(salt.slice(0, Math.min(end, SALT_LEN_MAX)), 'latin1');
  const n = kind.size;
  const digest = (...parts: Buffer[]): Buffer => {
    const h = createHash(kind.hash);
    for (const p of parts) h.update(p);
    return h.digest();
  };

  // Digest B: key salt key.
  const b = digest(key, s, key);
  // Digest A: key salt, B for each byte of the key, then B or the key for each bit of its length.
  const a = createHash(kind.hash).update(key).update(s);
  let cnt = key.length;
  for (; cnt > n; cnt -= n) a.update(b);
  a.update(b.subarray(0, cnt));
  for (cnt = key.length; cnt > 0; cnt >>= 1) a.update(cnt & 1 ? b : key);
  let result = a.digest();
  // P: the key once for each of its bytes; S: the salt 16 + A[0] times.
  const dp = createHash(kind.hash);
  for (let i = 0; i < key.length; i++) dp.update(key);
  const p = recycled(dp.digest(), key.length);
  const ds = createHash(kind.hash);
  for (let i = 0; i < 16 + result[0]!; i++) ds.update(s);
  const sb = recycled(ds.digest(), s.length);

  // About 1.4 µs a round (SHA-512, Node 20): crypto.hash() into a reused buffer measured only 15%
  // faster, not worth requiring Node 20.12; P and S are recycled to their lengths once, above.
  for (let i = 0; i < rounds; i++) {
    const h = createHash(kind.hash);
    h.update(i & 1 ? p : result);
    if (i % 3) h.update(sb);
    if (i % 7) h.update(p);
    h.update(i & 1 ? result : p);
    result = h.digest();
  }

  let out = kind.prefix + (custom ? `rounds=${rounds}$` : '') + s.toString('latin1') + '$';
  for (const [x, y, z] of kind.order) out += cryptTo64((result[x]! << 16) | (result[y]! << 8) | result[z]!, 4);
  const [tx, ty, tz, chars] = kind.tail;
  const byte = (i: number) => (i < 0 ? 0 : result[i]!);
  out += cryptTo64((byte(tx) << 16) | (byte(ty) << 8) | byte(tz), chars);
  return out;
}

/** SHA-256-crypt of `key` with `setting` (`$5$[rounds=N$]salt[$…]`), or null when libc refuses it. */
export function sha256Crypt(key: Buffer, setting: string): string | null {
  return shaCrypt(SHA256, key, setting);
}

/** SHA-512-crypt of `key` with `setting` (`$6$[rounds=N$]salt[$…]`), or null when libc refuses it. */
export function sha512Crypt(key: Buffer, setting: string): string | null {
  return shaCrypt(SHA512, key, setting);
}
