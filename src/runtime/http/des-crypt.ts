/**
 * The DES-based crypt(3) hashes of libxcrypt 4.4 (crypt-des.c, alg-des.c): traditional DES crypt
 * (2 salt characters + 11, the key's first 8 bytes), bigcrypt (DES crypt of each 8-byte block of a
 * longer key, chained by salt) and BSDi extended DES (`_` + 4 count + 4 salt characters).
 * DES itself (FIPS 46-3) is written out here because crypt perturbs the E expansion with the salt,
 * which no cipher API allows.
 */
import { cryptFrom64, ITOA64 } from './crypt-base64.js';

// FIPS 46-3 tables, bit positions counted from 1 at the most significant bit.
const IP = [
  58, 50, 42, 34, 26, 18, 10, 2, 60, 52, 44, 36, 28, 20, 12, 4, 62, 54, 46, 38, 30, 22, 14, 6, 64, 56, 48, 40, 32, 24, 16, 8,
  57, 49, 41, 33, 25, 17, 9, 1, 59, 51, 43, 35, 27, 19, 11, 3, 61, 53, 45, 37, 29, 21, 13, 5, 63, 55, 47, 39, 31, 23, 15, 7,
];
const PC1 = [
  57, 49, 41, 33, 25, 17, 9, 1, 58, 50, 42, 34, 26, 18, 10, 2, 59, 51, 43, 35, 27, 19, 11, 3, 60, 52, 44, 36,
  63, 55, 47, 39, 31, 23, 15, 7, 62, 54, 46, 38, 30, 22, 14, 6, 61, 53, 45, 37, 29, 21, 13, 5, 28, 20, 12, 4,
];
const PC2 = [
  14, 17, 11, 24, 1, 5, 3, 28, 15, 6, 21, 10, 23, 19, 12, 4, 26, 8, 16, 7, 27, 20, 13, 2,
  41, 52, 31, 37, 47, 55, 30, 40, 51, 45, 33, 48, 44, 49, 39, 56, 34, 53, 46, 42, 50, 36, 29, 32,
];
const SHIFTS = [1, 1, 2, 2, 2, 2, 2, 2, 1, 2, 2, 2, 2, 2, 2, 1];
const P = [16, 7, 20, 21, 29, 12, 28, 17, 1, 15, 23, 26, 5, 18, 31, 10, 2, 8, 24, 14, 32, 27, 3, 9, 19, 13, 30, 6, 22, 11, 4, 25];
const SBOX = [
  [14, 4, 13, 1, 2, 15, 11, 8, 3, 10, 6, 12, 5, 9, 0, 7, 0, 15, 7, 4, 14, 2, 13, 1, 10, 6, 12, 11, 9, 5, 3, 8,
    4, 1, 14, 8, 13, 6, 2, 11, 15, 12, 9, 7, 3, 10, 5, 0, 15, 12, 8, 2, 4, 9, 1, 7, 5, 11, 3, 14, 10, 0, 6, 13],
  [15, 1, 8, 14, 6, 11, 3, 4, 9, 7, 2, 13, 12, 0, 5, 10, 3, 13, 4, 7, 15, 2, 8, 14, 12, 0, 1, 10, 6, 9, 11, 5,
    0, 14, 7, 11, 10, 4, 13, 1, 5, 8, 12, 6, 9, 3, 2, 15, 13, 8, 10, 1, 3, 15, 4, 2, 11, 6, 7, 12, 0, 5, 14, 9],
  [10, 0, 9, 14, 6, 3, 15, 5, 1, 13, 12, 7, 11, 4, 2, 8, 13, 7, 0, 9, 3, 4, 6, 10, 2, 8, 5, 14, 12, 11, 15, 1,
    13, 6, 4, 9, 8, 15, 3, 0, 11, 1, 2, 12, 5, 10, 14, 7, 1, 10, 13, 0, 6, 9, 8, 7, 4, 15, 14, 3, 11, 5, 2, 12],
  [7, 13, 14, 3, 0, 6, 9, 10, 1, 2, 8, 5, 11, 12, 4, 15, 13, 8, 11, 5, 6, 15, 0, 3, 4, 7, 2, 12, 1, 10, 14, 9,
    10, 6, 9, 0, 12, 11, 7, 13, 15, 1, 3, 14, 5, 2, 8, 4, 3, 15, 0, 6, 10, 1, 13, 8, 9, 4, 5, 11, 12, 7, 2, 14],
  [2, 12, 4, 1, 7, 10, 11, 6, 8, 5, 3, 15, 13, 0, 14, 9, 14, 11, 2, 12, 4, 7, 13, 1, 5, 0, 15, 10, 3, 9, 8, 6,
    4, 2, 1, 11, 10, 13, 7, 8, 15, 9, 12, 5, 6, 3, 0, 14, 11, 8, 12, 7, 1, 14, 2, 13, 6, 15, 0, 9, 10, 4, 5, 3],
  [12, 1, 10, 15, 9, 2, 6, 8, 0, 13, 3, 4, 14, 7, 5, 11, 10, 15, 4, 2, 7, 12, 9, 5, 6, 1, 13, 14, 0, 11, 3, 8,
    9, 14, 15, 5, 2, 8, 12, 3, 7, 0, 4, 10, 1, 13, 11, 6, 4, 3, 2, 12, 9, 5, 15, 10, 11, 14, 1, 7, 6, 0, 8, 13],
  [4, 11, 2, 14, 15, 0, 8, 13, 3, 12, 9, 7, 5, 10, 6, 1, 13, 0, 11, 7, 4, 9, 1, 10, 14, 3, 5, 12, 2, 15, 8, 6,
    1, 4, 11, 13, 12, 3, 7, 14, 10, 15, 6, 8, 0, 5, 9, 2, 6, 11, 13, 8, 1, 4, 10, 7, 9, 5, 0, 15, 14, 2, 3, 12],
  [13, 2, 8, 4, 6, 15, 11, 1, 10, 9, 3, 14, 5, 0, 12, 7, 1, 15, 13, 8, 10, 3, 7, 4, 12, 5, 6, 11, 0, 14, 9, 2,
    7, 11, 4, 1, 9, 12, 14, 2, 0, 6, 10, 13, 15, 3, 5, 8, 2, 1, 14, 7, 4, 10, 8, 13, 15, 12, 9, 0, 3, 5, 6, 11],
];

/** Bit `pos` (from 1, most significant first) of a big-endian byte array. */
function bitOf(bytes: ArrayLike<number>, pos: number): number {
  return (bytes[(pos - 1) >> 3]! >> (7 - ((pos - 1) & 7))) & 1;
}

/** `bits` (0/1, most significant first) as a big-endian byte array. */
function packBits(bits: readonly number[]): number[] {
  const out = new Array<number>(bits.length >> 3).fill(0);
  bits.forEach((b, i) => (out[i >> 3]! |= b << (7 - (i & 7))));
  return out;
}

// The S-boxes with P applied, one table per box: SP[j][six input bits] is that box's part of f().
const SP: Uint32Array[] = SBOX.map((box, j) => {
  const t = new Uint32Array(64);
  for (let v = 0; v < 64; v++) {
    // The outer bits choose the row, the inner four the column.
    const s = box[(((v & 0x20) >> 4) | (v & 1)) * 16 + ((v >> 1) & 0xf)]!;
    const before = (s << (28 - 4 * j)) >>> 0;
    let after = 0;
    for (let i = 0; i < 32; i++) if ((before >>> (31 - (P[i]! - 1))) & 1) after |= 1 << (31 - i);
    t[v] = after >>> 0;
  }
  return t;
});

/** A DES key schedule: the 16 round keys as two 24-bit halves each (libxcrypt's keysl/keysr). */
interface DesKey {
  readonly kl: Uint32Array;
  readonly kr: Uint32Array;
}

// des_set_key
/** The key schedule of the 8-byte `key` (the low bit of each byte is parity, ignored). */
function desSetKey(key: ArrayLike<number>): DesKey {
  const cd = PC1.map((p) => bitOf(key, p));
  let c = cd.slice(0, 28);
  let d = cd.slice(28);
  const kl = new Uint32Array(16);
  const kr = new Uint32Array(16);
  for (let round = 0; round < 16; round++) {
    const n = SHIFTS[round]!;
    c = [...c.slice(n), ...c.slice(0, n)];
    d = [...d.slice(n), ...d.slice(0, n)];
    const both = [...c, ...d];
    let l = 0;
    let r = 0;
    for (let i = 0; i < 24; i++) l = (l << 1) | both[PC2[i]! - 1]!;
    for (let i = 24; i < 48; i++) r = (r << 1) | both[PC2[i]! - 1]!;
    kl[round] = l;
    kr[round] = r;
  }
  return { kl, kr };
}

// des_set_salt: salt bit i swaps bits i and i + 24 of the E expansion.
/** The 24-bit mask of swapped E bits for a 12- or 24-bit crypt salt. */
function desSaltBits(salt: number): number {
  let bits = 0;
  for (let i = 0; i < 24; i++) if (salt & (1 << i)) bits |= 0x800000 >>> i;
  return bits;
}

// des_crypt_block: `count` encryptions of `input` in a row (0 counts as 1).
/** `input` (8 bytes) encrypted `count` times with `key` and the salted E expansion. */
function desCryptBlock(key: DesKey, saltBits: number, input: ArrayLike<number>, count: number): number[] {
  const ip = packBits(IP.map((p) => bitOf(input, p)));
  let l = ((ip[0]! << 24) | (ip[1]! << 16) | (ip[2]! << 8) | ip[3]!) >>> 0;
  let r = ((ip[4]! << 24) | (ip[5]! << 16) | (ip[6]! << 8) | ip[7]!) >>> 0;
  const [sp0, sp1, sp2, sp3, sp4, sp5, sp6, sp7] = SP as [Uint32Array, Uint32Array, Uint32Array, Uint32Array, Uint32Array, Uint32Array, Uint32Array, Uint32Array];
  if (count === 0) count = 1;
  do {
    for (let round = 0; round < 16; round++) {
      // E: eight overlapping 6-bit groups of R, R's last bit before the first and first after the last.
      let el = (((r & 1) << 23) | ((r >>> 27) << 18) | (((r >>> 23) & 63) << 12) | (((r >>> 19) & 63) << 6) | ((r >>> 15) & 63)) >>> 0;
      let er = ((((r >>> 11) & 63) << 18) | (((r >>> 7) & 63) << 12) | (((r >>> 3) & 63) << 6) | ((r & 31) << 1) | (r >>> 31)) >>> 0;
      const swap = (el ^ er) & saltBits;
      el ^= swap ^ key.kl[round]!;
      er ^= swap ^ key.kr[round]!;
      const f =
        (sp0[el >>> 18]! | sp1[(el >>> 12) & 63]! | sp2[(el >>> 6) & 63]! | sp3[el & 63]! |
          sp4[er >>> 18]! | sp5[(er >>> 12) & 63]! | sp6[(er >>> 6) & 63]! | sp7[er & 63]!) ^ l;
      l = r;
      r = f >>> 0;
    }
    // The last round does not swap the halves.
    const t = l;
    l = r;
    r = t;
  } while (--count > 0);
  const pre = [l >>> 24, (l >>> 16) & 255, (l >>> 8) & 255, l & 255, r >>> 24, (r >>> 16) & 255, (r >>> 8) & 255, r & 255];
  // The final permutation is IP's inverse: output bit IP[i] is pre-output bit i + 1.
  const out = new Array<number>(64).fill(0);
  IP.forEach((p, i) => (out[p - 1] = bitOf(pre, i + 1)));
  return packBits(out);
}

// des_gen_hash
/** The 11 characters of a 64-bit DES result, six bits at a time from the most significant. */
function desHashText(block: readonly number[]): string {
  let out = '';
  let acc = 0;
  let bits = 0;
  for (const byte of block) {
    acc = (acc << 8) | byte;
    bits += 8;
    while (bits >= 6) {
      bits -= 6;
      out += ITOA64[(acc >>> bits) & 63];
    }
    acc &= (1 << bits) - 1;
  }
  return out + ITOA64[(acc << (6 - bits)) & 63];
}

/** The next 8 key bytes of `key` from `pos`, each shifted up one bit, zero-padded (and where the key ends). */
function desKeyBytes(key: Buffer, pos: number): { bytes: number[]; next: number } {
  const bytes: number[] = [];
  for (let i = 0; i < 8; i++) {
    bytes.push(pos < key.length ? (key[pos]! << 1) & 0xff : 0);
    if (pos < key.length) pos++;
  }
  return { bytes, next: pos };
}

/** The 12-bit salt of the first two characters of `setting`, or -1. */
function twoCharSalt(setting: string): number {
  const a = cryptFrom64(setting.charCodeAt(0));
  const b = cryptFrom64(setting.charCodeAt(1));
  return a < 0 || b < 0 ? -1 : a | (b << 6);
}

const ZERO = [0, 0, 0, 0, 0, 0, 0, 0];

// crypt_descrypt_rn
/** Traditional DES crypt: the salt of `setting`'s first two characters, the key's first 8 bytes. */
export function desCrypt(key: Buffer, setting: string): string | null {
  const salt = twoCharSalt(setting);
  if (salt < 0) return null;
  const k = desKeyBytes(key, 0);
  return ITOA64[salt & 63]! + ITOA64[salt >> 6]! + desHashText(desCryptBlock(desSetKey(k.bytes), desSaltBits(salt), ZERO, 25));
}

// crypt_bigcrypt_rn
/**
 * bigcrypt: DES crypt of each 8-byte block of the key (16 at most), each block salted with the
 * first two characters of the previous block's hash. A key of 8 bytes or less gives DES crypt's
 * answer; a longer key with a setting of 13 characters or less is DES crypt's too.
 */
export function bigCrypt(key: Buffer, setting: string): string | null {
  if (key.length > 8 && setting.length <= 13) return desCrypt(key, setting);
  let salt = twoCharSalt(setting);
  if (salt < 0) return null;
  let out = ITOA64[salt & 63]! + ITOA64[salt >> 6]!;
  let pos = 0;
  for (let seg = 0; seg < 16; seg++) {
    const k = desKeyBytes(key, pos);
    pos = k.next;
    const text = desHashText(desCryptBlock(desSetKey(k.bytes), desSaltBits(salt), ZERO, 25));
    out += text;
    if (pos >= key.length) break;
    salt = twoCharSalt(text);
  }
  return out;
}

// crypt_bsdicrypt_rn
/** BSDi extended DES: `_`, 4 characters of count, 4 of salt; the whole key folded into one DES key. */
export function bsdiCrypt(key: Buffer, setting: string): string | null {
  if (setting[0] !== '_' || setting.length < 9) return null;
  let count = 0;
  let salt = 0;
  for (let i = 1; i < 9; i++) {
    const x = cryptFrom64(setting.charCodeAt(i));
    if (x < 0) return null;
    if (i < 5) count |= x << ((i - 1) * 6);
    else salt |= x << ((i - 5) * 6);
  }
  // Each 8-byte block, shifted as for DES crypt, is XORed with the encryption of the previous key
  // by itself (salt 0) to make the next key.
  let folded = ZERO;
  let pos = 0;
  let schedule: DesKey;
  for (;;) {
    const k = desKeyBytes(key, pos);
    pos = k.next;
    const keyBytes = k.bytes.map((b, i) => b ^ folded[i]!);
    schedule = desSetKey(keyBytes);
    if (pos >= key.length) break;
    folded = desCryptBlock(schedule, 0, keyBytes, 1);
  }
  return setting.slice(0, 9) + desHashText(desCryptBlock(schedule, desSaltBits(salt), ZERO, count));
}
