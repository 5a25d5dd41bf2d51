/**
 * The crypt(3) base-64 alphabet (`./0-9A-Za-z`, not RFC 4648's) that every hash of htpasswd
 * files except {SHA}/{SSHA} is written in.
 */
/** The alphabet, by value. */
export const ITOA64 = './0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

// ngx_crypt_to64 (libxcrypt's b64_from_24bit)
/** `n` characters of `v`, its least significant six bits first. */
export function cryptTo64(v: number, n: number): string {
  let out = '';
  while (n-- > 0) {
    out += ITOA64[v & 0x3f];
    v >>>= 6;
  }
  return out;
}

/** The value 0..63 of one alphabet character, or -1 (libxcrypt's ascii_to_bin). */
export function cryptFrom64(ch: number): number {
  if (ch >= 0x61 && ch <= 0x7a) return ch - 0x61 + 38;
  if (ch >= 0x41 && ch <= 0x5a) return ch - 0x41 + 12;
  if (ch >= 0x2e && ch <= 0x39) return ch - 0x2e;
  return -1;
}
