/**
 * The body of a `charset_map` block, read as ngx_http_charset_map
 * (src/http/modules/ngx_http_charset_filter_module.c): `<hex byte> <hex code>` lines, where the code
 * is a UTF-8 sequence (as hex) when the target charset is utf-8.
 */
import type { Directive, Statement } from '../ast.js';
import { type BodyReport, bodyLines, words } from './body.js';

/** ngx_hextoi: hex digits only, null on anything else or an empty string. */
function hextoi(s: string): number | null {
  if (s.length === 0 || !/^[0-9A-Fa-f]+$/.test(s)) return null;
  return parseInt(s, 16);
}

/** NGX_UTF_LEN: a UTF-8 sequence of at most 3 bytes (6 hex digits) per source byte. */
const UTF_LEN = 4;

/** Decodes a UTF-8 sequence as ngx_utf8_decode; null when invalid. */
function utf8Decode(bytes: readonly number[]): number | null {
  const b0 = bytes[0] ?? 0;
  if (b0 < 0x80) return bytes.length === 1 ? b0 : null;
  let len: number;
  let u: number;
  if (b0 >= 0xf0) [len, u] = [4, b0 & 0x07];
  else if (b0 >= 0xe0) [len, u] = [3, b0 & 0x0f];
  else if (b0 >= 0xc2) [len, u] = [2, b0 & 0x1f];
  else return null;
  if (bytes.length < len) return null;
  for (let i = 1; i < len; i++) {
    const b = bytes[i] ?? 0;
    if (b < 0x80 || b > 0xbf) return null;
    u = (u << 6) | (b & 0x3f);
  }
  return u;
}

/**
 * Checks the lines of a `charset_map src dst` block; `utf8` when `dst` is utf-8 (any case).
 * Returns whether every line was accepted.
 */
export function checkCharsetMapBody(
  body: readonly Statement[],
  utf8: boolean,
  report: BodyReport,
  expand?: (include: Directive) => readonly Statement[] | undefined,
): boolean {
  for (const line of bodyLines(body, expand)) {
    if (line.block !== null) {
      report('unexpected "{"', line);
      return false;
    }
    const w = words(line);
    if (w.length !== 2) {
      report('invalid parameters number', line);
      return false;
    }
    const [src, dst] = w as [string, string];
    const s = hextoi(src);
    if (s === null || s > 255) {
      report(`invalid value "${src}"`, line);
      return false;
    }
    if (utf8) {
      const bytes: number[] = [];
      let bad = Math.floor(dst.length / 2) > UTF_LEN - 1;
      for (let i = 0; !bad && i < dst.length; i += 2) {
        const b = hextoi(dst.slice(i, i + 2));
        if (b === null) bad = true;
        else bytes.push(b);
      }
      const u = bad ? null : utf8Decode(bytes);
      if (bad || u === null || u > 0xffff) {
        report(`invalid value "${dst}"`, line);
        return false;
      }
    } else {
      const d = hextoi(dst);
      if (d === null || d > 255) {
        report(`invalid value "${dst}"`, line);
        return false;
      }
    }
  }
  return true;
}
