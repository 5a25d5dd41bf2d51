/**
 * bcrypt (`$2a$`, `$2b$`, `$2x$`, `$2y$`: `htpasswd -B`) as libxcrypt 4.4 computes it for crypt_r()
 * (crypt-bcrypt.c, Solar Designer's crypt_blowfish): Eksblowfish with 2^cost rounds of key
 * expansion, then "OrpheanBeholderScryDoubt" encrypted 64 times. The setting is `$2?$NN$` and 22
 * characters of salt (16 bytes); the answer repeats it, its last salt character reduced to the two
 * bits the salt uses, and adds 31 characters of hash (23 bytes).
 *
 * The subtypes differ only for keys with bytes above 0x7f: `$2x$` reproduces the sign-extension
 * bug of crypt_blowfish before 1.1, `$2a$` flips one bit of the state when a key would collide with
 * a buggy one, `$2b$` and `$2y$` are the correct algorithm.
 */

// Blowfish's state: the P-array (18 words) and four S-boxes (256 words each) in one array.
const P_WORDS = 18;
const S0 = P_WORDS;
const S1 = S0 + 256;
const S2 = S1 + 256;
const S3 = S2 + 256;
const STATE_WORDS = S3 + 256;

/** The bcrypt base-64 alphabet (not crypt(3)'s `./0-9A-Za-z`). */
const ITOA64 = './ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/** "OrpheanBeholderScryDoubt" as six big-endian words. */
const MAGIC = [0x4f727068, 0x65616e42, 0x65686f6c, 0x64657253, 0x63727944, 0x6f756274];

// flags_by_subtype: bit 1 emulates the sign-extension bug, bit 2 asks for the safety measure,
// bit 4 (2b, 2y) is neither; a subtype without flags is no bcrypt setting.
const SUBTYPE_FLAGS: Readonly<Record<string, number>> = { a: 2, b: 4, x: 1, y: 4 };

let initial: Uint32Array | null = null;

/**
 * Blowfish's initial state: the hexadecimal digits of pi's fraction, in order (0x243F6A88 first).
 * They are computed once, when a bcrypt hash is first checked, by Machin's formula
 * (pi = 16 atan 1/5 - 4 atan 1/239) in BigInt fixed point with 64 guard bits, rather than written
 * out as 1,042 constants.
 */
function initialState(): Uint32Array {
  if (initial !== null) return initial;
  const bits = BigInt(STATE_WORDS * 32);
  const guard = 64n;
  const one = 1n << (bits + guard);
  const atanInverse = (x: bigint): bigint => {
    const x2 = x * x;
    let term = one / x;
    let sum = term;
    for (let k = 1n; term !== 0n; k++) {
      term /= x2;
      sum += (k & 1n ? -term : term) / (2n * k + 1n);
    }
    return sum;
  };
  const pi = 16n * atanInverse(5n) - 4n * atanInverse(239n);
  const hex = ((pi >> guard) & ((1n << bits) - 1n)).toString(16).padStart(STATE_WORDS * 8, '0');
  const state = new Uint32Array(STATE_WORDS);
  for (let i = 0; i < STATE_WORDS; i++) state[i] = parseInt(hex.slice(i * 8, i * 8 + 8), 16);
  initial = state;
  return state;
}

/** Blowfish's F: the four S-boxes indexed by the bytes of `x`. */
function f(s: Uint32Array, x: number): number {
  return (((s[S0 + (x >>> 24)]! + s[S1 + ((x >>> 16) & 0xff)]!) ^ s[S2 + ((x >>> 8) & 0xff)]!) + s[S3 + (x & 0xff)]!) | 0;
}

/** Encrypts the block `b` (two words) in place with the state `s` (BF_ENCRYPT). */
function encrypt(s: Uint32Array, b: Uint32Array): void {
  let l = b[0]! ^ s[0]!;
  let r = b[1]!;
  for (let i = 1; i < 17; i += 2) {
    r ^= f(s, l) ^ s[i]!;
    l ^= f(s, r) ^ s[i + 1]!;
  }
  b[0] = r ^ s[17]!;
  b[1] = l;
}

const NO_SALT: readonly number[] = [0, 0, 0, 0];

/**
 * The state replaced, block by block, by the encryption of the block before XORed with the salt's
 * words in turn: the salt's expansion, and BF_body (no salt) for the rounds of the cost.
 */
function expandState(s: Uint32Array, salt: readonly number[], b: Uint32Array): void {
  b[0] = 0;
  b[1] = 0;
  for (let at = 0; at < STATE_WORDS; at += 2) {
    b[0] = b[0]! ^ salt[at & 2]!;
    b[1] = b[1]! ^ salt[(at & 2) + 1]!;
    encrypt(s, b);
    s[at] = b[0]!;
    s[at + 1] = b[1]!;
  }
}

/**
 * BF_set_key: the key's bytes and its terminating NUL, repeated over 18 words, as the correct and
 * the sign-extending (buggy) reading; the expanded key, and the P-array XORed with it.
 */
function setKey(key: Buffer, flags: number, expanded: Uint32Array, state: Uint32Array, init: Uint32Array): void {
  const bug = flags & 1;
  const safety = (flags & 2) << 15;
  let sign = 0;
  let diff = 0;
  let at = 0;
  for (let i = 0; i < P_WORDS; i++) {
    let correct = 0;
    let buggy = 0;
    for (let j = 0; j < 4; j++) {
      const c = at < key.length ? key[at]! : 0;
      correct = (correct << 8) | c;
      buggy = (buggy << 8) | (c & 0x80 ? c | 0xffffff00 : c);
      if (j > 0) sign |= buggy & 0x80;
      at = c === 0 ? 0 : at + 1;
    }
    diff |= correct ^ buggy;
    expanded[i] = bug ? buggy : correct;
    state[i] = init[i]! ^ expanded[i]!;
  }
  diff |= diff >>> 16;
  diff &= 0xffff;
  diff += 0xffff;
  sign <<= 9;
  sign &= ~diff & safety;
  state[0] = (state[0]! ^ sign) >>> 0;
}

/** BF_atoi64: a salt character's value, or -1. */
function from64(c: number): number {
  if (c >= 0x2e && c <= 0x2f) return c - 0x2e;
  if (c >= 0x41 && c <= 0x5a) return c - 0x41 + 2;
  if (c >= 0x61 && c <= 0x7a) return c - 0x61 + 28;
  if (c >= 0x30 && c <= 0x39) return c - 0x30 + 54;
  return -1;
}

/** BF_decode of the 22 salt characters into 16 bytes, or null for a character outside the alphabet. */
function decodeSalt(text: string): Uint8Array | null {
  const out = new Uint8Array(16);
  let o = 0;
  let i = 0;
  const next = (): number => from64(i < text.length ? text.charCodeAt(i++) : 0);
  while (o < 16) {
    const c1 = next();
    const c2 = next();
    if (c1 < 0 || c2 < 0) return null;
    out[o++] = (c1 << 2) | ((c2 & 0x30) >> 4);
    if (o >= 16) break;
    const c3 = next();
    if (c3 < 0) return null;
    out[o++] = ((c2 & 0x0f) << 4) | ((c3 & 0x3c) >> 2);
    if (o >= 16) break;
    const c4 = next();
    if (c4 < 0) return null;
    out[o++] = ((c3 & 0x03) << 6) | c4;
  }
  return out;
}

/** BF_encode: bytes to the bcrypt alphabet, three bytes to four characters, a short tail shorter. */
function encode(bytes: Uint8Array): string {
  let out = '';
  for (let i = 0; i < bytes.length; i += 3) {
    const b1 = bytes[i]!;
    out += ITOA64[b1 >> 2];
    if (i + 1 >= bytes.length) {
      out += ITOA64[(b1 & 0x03) << 4];
      break;
    }
    const b2 = bytes[i + 1]!;
    out += ITOA64[((b1 & 0x03) << 4) | (b2 >> 4)];
    if (i + 2 >= bytes.length) {
      out += ITOA64[(b2 & 0x0f) << 2];
      break;
    }
    const b3 = bytes[i + 2]!;
    out += ITOA64[((b2 & 0x0f) << 2) | (b3 >> 6)];
    out += ITOA64[b3 & 0x3f];
  }
  return out;
}

/**
 * crypt_r(key, setting) for a bcrypt setting (`$2` and one letter): the hash, or null where
 * libxcrypt refuses the setting (an unknown subtype, a cost outside 04..31, a bad salt character).
 * `key` is the password's bytes up to its first NUL.
 */
export function bcrypt(key: Buffer, setting: string): string | null {
  const flags = SUBTYPE_FLAGS[setting[2] ?? ''];
  if (flags === undefined || setting[0] !== '$' || setting[1] !== '2' || setting[3] !== '$' || setting[6] !== '$') return null;
  const tens = setting.charCodeAt(4) - 0x30;
  const units = setting.charCodeAt(5) - 0x30;
  if (!(tens >= 0 && tens <= 3 && units >= 0 && units <= 9)) return null;
  const cost = tens * 10 + units;
  if (cost < 4 || cost > 31) return null;
  const saltBytes = decodeSalt(setting.slice(7, 29));
  if (saltBytes === null) return null;
  const salt = [0, 1, 2, 3].map((w) => ((saltBytes[w * 4]! << 24) | (saltBytes[w * 4 + 1]! << 16) | (saltBytes[w * 4 + 2]! << 8) | saltBytes[w * 4 + 3]!) >>> 0);

  const init = initialState();
  const s = new Uint32Array(STATE_WORDS);
  s.set(init.subarray(P_WORDS), P_WORDS);
  const expanded = new Uint32Array(P_WORDS);
  setKey(key, flags, expanded, s, init);

  const b = new Uint32Array(2);
  expandState(s, salt, b);
  // 2^cost rounds of an expansion with the key, then one with the salt.
  for (let n = 2 ** cost; n > 0; n--) {
    for (let i = 0; i < P_WORDS; i++) s[i] = s[i]! ^ expanded[i]!;
    expandState(s, NO_SALT, b);
    for (let i = 0; i < P_WORDS; i++) s[i] = s[i]! ^ salt[i & 3]!;
    expandState(s, NO_SALT, b);
  }

  const out = new Uint8Array(24);
  for (let i = 0; i < 6; i += 2) {
    b[0] = MAGIC[i]!;
    b[1] = MAGIC[i + 1]!;
    for (let n = 0; n < 64; n++) encrypt(s, b);
    for (let w = 0; w < 2; w++) {
      const v = b[w]!;
      out[(i + w) * 4] = v >>> 24;
      out[(i + w) * 4 + 1] = (v >>> 16) & 0xff;
      out[(i + w) * 4 + 2] = (v >>> 8) & 0xff;
      out[(i + w) * 4 + 3] = v & 0xff;
    }
  }
  // The salt's last character carries two unused bits: the answer has them cleared.
  const last = ITOA64[from64(setting.charCodeAt(28)) & 0x30]!;
  return setting.slice(0, 28) + last + encode(out.subarray(0, 23));
}
