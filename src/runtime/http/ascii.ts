/**
 * nginx's byte-wise string helpers (ngx_strlow, ngx_tolower): strings here are latin1-decoded
 * bytes, one char per byte, and only A-Z change case — never the bytes above 0x7f, which
 * String.prototype.toLowerCase would also map.
 */

/** `s` with A-Z lowered, the rest untouched; `s` itself when it has no upper-case letter. */
export function asciiLower(s: string): string {
  const n = s.length;
  let i = 0;
  while (i < n) {
    const c = s.charCodeAt(i);
    if (c >= 0x41 && c <= 0x5a) break;
    i++;
  }
  if (i === n) return s;
  let ascii = true;
  for (let j = i; j < n; j++) {
    if (s.charCodeAt(j) > 0x7f) {
      ascii = false;
      break;
    }
  }
  if (ascii) return s.toLowerCase();
  return s.replace(/[A-Z]+/g, (m) => m.toLowerCase());
}

// Buffer#toString checks its encoding argument and bounds on every call; the latin1 slicer it
// ends in (present on Buffer.prototype since Node 0.x) skips that, which matters for the many
// short strings of a request head.
const latin1Slice = (Buffer.prototype as unknown as { latin1Slice: (this: Uint8Array, start: number, end: number) => string }).latin1Slice;

/** The bytes [start, end) of `b` as a latin1 string (one char per byte). */
export function latin1(b: Uint8Array, start: number, end: number): string {
  return latin1Slice.call(b, start, end);
}
