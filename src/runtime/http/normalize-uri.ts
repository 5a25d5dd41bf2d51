// URI normalisation and escaping as nginx 1.22.1 does it (src/http/ngx_http_parse.c,
// src/core/ngx_string.c). Strings are latin1-decoded bytes: one char per byte.

import { asciiLower } from './ascii.js';

/** The outcome of normalising a request URI: `ok: false` is nginx's 400 "client sent invalid request". */
export type ComplexUriResult =
  | { ok: true; uri: string; args: string; exten: string }
  | { ok: false };

/** What the request-line parser learned about the URI before it is normalised. */
export interface ComplexUriInput {
  /** The URI as sent: `$request_uri`, from the first `/` (or `?` after a bare host) to the space. */
  raw: string;
  mergeSlashes: boolean;
  /** `http://host?args`: nginx writes a `/` of its own before the raw URI. */
  emptyPathInUri?: boolean;
}

// The bitmap nginx calls `usual`: bytes that need no attention while walking a URI
// (everything but controls, space, # % + . / ? and DEL).
const USUAL = new Uint32Array([
  0x00000000, 0x7fff37d6, 0xffffffff, 0x7fffffff, 0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff,
]);

/** True for bytes nginx's URI walkers copy without looking (the `usual` table of ngx_http_parse.c). */
export function isUsualUriByte(ch: number): boolean {
  return ((USUAL[ch >> 5] ?? 0) & (1 << (ch & 0x1f))) !== 0;
}

const enum Cx {
  Usual,
  Slash,
  Dot,
  DotDot,
  Quoted,
  QuotedSecond,
}

const SLASH = 0x2f;

// Returns the new write position after `..` removed the last segment, or -1 above the root.
function backUpSegment(out: number[], u: number): number {
  u -= 4;
  for (;;) {
    if (u < 0) {
      return -1;
    }
    if (out[u] === SLASH) {
      return u + 1;
    }
    u--;
  }
}

function hexValue(ch: number): number {
  if (ch >= 0x30 && ch <= 0x39) {
    return ch - 0x30;
  }
  const c = ch | 0x20;
  if (c >= 0x61 && c <= 0x66) {
    return c - 0x61 + 10;
  }
  return -1;
}

function bytesToString(out: number[], end: number): string {
  let s = '';
  for (let i = 0; i < end; i += 4096) {
    s += String.fromCharCode(...out.slice(i, Math.min(i + 4096, end)));
  }
  return s;
}

// ngx_http_parse_complex_uri
/**
 * Decodes %XX, resolves `.`/`..` segments, merges slashes and splits off args the way nginx
 * builds `$uri` from a request URI that contains `.`, `//`, `%` or `#` (Unix build).
 */
export function parseComplexUri(input: ComplexUriInput): ComplexUriResult {
  const raw = input.raw;
  const end = raw.length;
  // nginx reads one byte past the URI (the space or CR/LF after it) but never acts on it.
  const at = (i: number): number => (i < end ? raw.charCodeAt(i) : 0x20);
  const out: number[] = [];
  let u = 0;
  let state: Cx = Cx.Usual;
  let quotedState: Cx = Cx.Usual;
  let decoded = 0;
  let uriExt = -1;
  let argsStart = -1;
  let args: string | undefined;

  if (input.emptyPathInUri) {
    out[u++] = SLASH;
  }

  let p = 0;
  let ch = at(p++);
  let finished = false;

  loop: while (p <= end) {
    switch (state) {
      case Cx.Usual:
        if (isUsualUriByte(ch)) {
          out[u++] = ch;
          ch = at(p++);
          break;
        }
        switch (ch) {
          case 0x2f: // '/'
            uriExt = -1;
            state = Cx.Slash;
            out[u++] = ch;
            break;
          case 0x25: // '%'
            quotedState = state;
            state = Cx.Quoted;
            break;
          case 0x3f: // '?'
            argsStart = p;
            break loop;
          case 0x23: // '#'
            finished = true;
            break loop;
          case 0x2e: // '.'
            uriExt = u + 1;
            out[u++] = ch;
            break;
          default:
            out[u++] = ch;
            break;
        }
        ch = at(p++);
        break;

      case Cx.Slash:
        if (isUsualUriByte(ch)) {
          state = Cx.Usual;
          out[u++] = ch;
          ch = at(p++);
          break;
        }
        switch (ch) {
          case 0x2f:
            if (!input.mergeSlashes) {
              out[u++] = ch;
            }
            break;
          case 0x2e:
            state = Cx.Dot;
            out[u++] = ch;
            break;
          case 0x25:
            quotedState = state;
            state = Cx.Quoted;
            break;
          case 0x3f:
            argsStart = p;
            break loop;
          case 0x23:
            finished = true;
            break loop;
          default:
            state = Cx.Usual;
            out[u++] = ch;
            break;
        }
        ch = at(p++);
        break;

      case Cx.Dot:
        if (isUsualUriByte(ch)) {
          state = Cx.Usual;
          out[u++] = ch;
          ch = at(p++);
          break;
        }
        switch (ch) {
          case 0x2f:
            state = Cx.Slash;
            u--;
            break;
          case 0x2e:
            state = Cx.DotDot;
            out[u++] = ch;
            break;
          case 0x25:
            quotedState = state;
            state = Cx.Quoted;
            break;
          case 0x3f:
            u--;
            argsStart = p;
            break loop;
          case 0x23:
            u--;
            finished = true;
            break loop;
          default:
            state = Cx.Usual;
            out[u++] = ch;
            break;
        }
        ch = at(p++);
        break;

      case Cx.DotDot:
        if (isUsualUriByte(ch)) {
          state = Cx.Usual;
          out[u++] = ch;
          ch = at(p++);
          break;
        }
        switch (ch) {
          case 0x2f:
          case 0x3f:
          case 0x23:
            u = backUpSegment(out, u);
            if (u < 0) {
              return { ok: false };
            }
            if (ch === 0x3f) {
              argsStart = p;
              break loop;
            }
            if (ch === 0x23) {
              finished = true;
              break loop;
            }
            state = Cx.Slash;
            break;
          case 0x25:
            quotedState = state;
            state = Cx.Quoted;
            break;
          default:
            state = Cx.Usual;
            out[u++] = ch;
            break;
        }
        ch = at(p++);
        break;

      case Cx.Quoted: {
        const v = hexValue(ch);
        if (v < 0) {
          return { ok: false };
        }
        decoded = v;
        state = Cx.QuotedSecond;
        ch = at(p++);
        break;
      }

      case Cx.QuotedSecond: {
        if (ch >= 0x30 && ch <= 0x39) {
          ch = (decoded << 4) + (ch - 0x30);
          if (ch === 0x25 || ch === 0x23) {
            // a decoded % or # is data, never syntax
            state = Cx.Usual;
            out[u++] = ch;
            ch = at(p++);
            break;
          }
          if (ch === 0) {
            return { ok: false };
          }
          // the decoded byte is walked again in the state that saw the '%'
          state = quotedState;
          break;
        }
        const c = ch | 0x20;
        if (c >= 0x61 && c <= 0x66) {
          ch = (decoded << 4) + (c - 0x61) + 10;
          if (ch === 0x3f) {
            state = Cx.Usual;
            out[u++] = ch;
            ch = at(p++);
            break;
          }
          state = quotedState;
          break;
        }
        return { ok: false };
      }
    }
  }

  if (argsStart < 0 && !finished) {
    if (state === Cx.Quoted || state === Cx.QuotedSecond) {
      return { ok: false };
    }
    if (state === Cx.Dot) {
      u--;
    } else if (state === Cx.DotDot) {
      u = backUpSegment(out, u);
      if (u < 0) {
        return { ok: false };
      }
    }
  }

  if (argsStart >= 0) {
    // args end at a '#' if there is one, else at the end of the URI
    const hash = raw.indexOf('#', argsStart);
    args = hash >= 0 ? raw.slice(argsStart, hash) : raw.slice(argsStart);
  }

  const exten = uriExt >= 0 && uriExt <= u ? bytesToString(out.slice(uriExt), u - uriExt) : '';
  return { ok: true, uri: bytesToString(out, u), args: args ?? '', exten };
}

/**
 * `$uri` and `$args` for a URI as a client sent it, with nginx's 400 for `..` above the root,
 * bad or NUL escapes. A superset of nginx's fast path, which gives the same answer for plain URIs.
 */
export function normalizeUri(raw: string, options: { mergeSlashes: boolean }): ComplexUriResult {
  return parseComplexUri({ raw, mergeSlashes: options.mergeSlashes });
}

// ngx_http_split_args
/** Splits `uri?args` at the first `?` (used for internal redirects and error_page targets). */
export function splitArgs(uri: string): { uri: string; args: string } {
  const q = uri.indexOf('?');
  return q < 0 ? { uri, args: '' } : { uri: uri.slice(0, q), args: uri.slice(q + 1) };
}

// ngx_http_arg
/** The value of `name` in an args string as `$arg_name` sees it: case-insensitive, first match wins. */
export function httpArg(args: string, name: string): string | undefined {
  const len = name.length;
  if (args.length === 0 || len === 0) {
    return undefined;
  }
  const hay = asciiLower(args);
  const needle = asciiLower(name);
  for (let p = 0; p < args.length; p++) {
    p = hay.indexOf(needle, p);
    // nginx keeps room for the '=' after the name
    if (p < 0 || p + len > args.length - 1) {
      return undefined;
    }
    if ((p === 0 || args.charCodeAt(p - 1) === 0x26) && args.charCodeAt(p + len) === 0x3d) {
      const amp = args.indexOf('&', p);
      return args.slice(p + len + 1, amp < 0 ? args.length : amp);
    }
  }
  return undefined;
}

/** nginx's escaping flavours (NGX_ESCAPE_URI, _ARGS, _URI_COMPONENT, _HTML, _REFRESH, _MEMCACHED, _MAIL_AUTH). */
export type EscapeKind = 'uri' | 'args' | 'uri-component' | 'html' | 'refresh' | 'memcached' | 'mail-auth';

const HIGH = [0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff];

// Bit tables copied from ngx_escape_uri; one bit per byte that must become %XX.
const ESCAPE: Record<EscapeKind, Uint32Array> = {
  // " ", "#", "%", "?", controls and the characters RFC 3986 does not allow
  uri: new Uint32Array([0xffffffff, 0xd000002d, 0x50000000, 0xb8000001, ...HIGH]),
  // as uri, plus "&", "+", ";"
  args: new Uint32Array([0xffffffff, 0xd800086d, 0x50000000, 0xb8000001, ...HIGH]),
  // everything but ALPHA, DIGIT, "-", ".", "_", "~"
  'uri-component': new Uint32Array([0xffffffff, 0xfc009fff, 0x78000001, 0xb8000001, ...HIGH]),
  // " ", "#", '"', "%", "'" and the disallowed characters
  html: new Uint32Array([0xffffffff, 0x500000ad, 0x50000000, 0xb8000001, ...HIGH]),
  // " ", '"', "'" and the disallowed; nginx's table escapes "~" and leaves "}" (its comment says otherwise)
  refresh: new Uint32Array([0xffffffff, 0x50000085, 0x50000000, 0xd8000001, ...HIGH]),
  // " ", "%" and controls; bytes >= 0x80 pass
  memcached: new Uint32Array([0xffffffff, 0x00000021, 0, 0, 0, 0, 0, 0]),
  'mail-auth': new Uint32Array([0xffffffff, 0x00000021, 0, 0, 0, 0, 0, 0]),
};

const HEX = '0123456789ABCDEF';

// ngx_escape_uri
/** Percent-escapes (upper-case hex) the bytes that nginx's table for `kind` marks. */
export function escapeUri(s: string, kind: EscapeKind): string {
  const table = ESCAPE[kind];
  let out = '';
  let from = 0;
  for (let i = 0; i < s.length; i++) {
    const ch = s.charCodeAt(i) & 0xff;
    if (((table[ch >> 5] ?? 0) & (1 << (ch & 0x1f))) !== 0) {
      out += s.slice(from, i) + '%' + HEX[ch >> 4] + HEX[ch & 0xf];
      from = i + 1;
    }
  }
  return from === 0 ? s : out + s.slice(from);
}

/** How ngx_unescape_uri treats `?` and escapes: 'plain' (0), 'uri' (NGX_UNESCAPE_URI), 'redirect'. */
export type UnescapeKind = 'plain' | 'uri' | 'redirect';

// ngx_unescape_uri
/**
 * Decodes %XX like nginx: invalid escapes are dropped or kept per nginx's quirks, `+` stays `+`;
 * 'uri' and 'redirect' stop after the first `?` (`end` is where decoding stopped in `s`).
 */
export function unescapeUri(s: string, kind: UnescapeKind): { value: string; end: number } {
  const stopAtQuery = kind !== 'plain';
  let out = '';
  let state = 0;
  let decoded = 0;
  let i = 0;
  while (i < s.length) {
    let ch = s.charCodeAt(i++);
    if (state === 0) {
      if (ch === 0x3f && stopAtQuery) {
        out += '?';
        return { value: out, end: i };
      }
      if (ch === 0x25) {
        state = 1;
        continue;
      }
      out += String.fromCharCode(ch);
      continue;
    }
    if (state === 1) {
      const v = hexValue(ch);
      if (v >= 0) {
        decoded = v;
        state = 2;
        continue;
      }
      // the invalid quoted character is kept, its '%' is lost
      state = 0;
      out += String.fromCharCode(ch);
      continue;
    }
    state = 0;
    if (ch >= 0x30 && ch <= 0x39) {
      ch = (decoded << 4) + (ch - 0x30);
      if (kind === 'redirect' && !(ch > 0x25 && ch < 0x7f)) {
        out += s.slice(i - 3, i);
        continue;
      }
      out += String.fromCharCode(ch);
      continue;
    }
    const c = ch | 0x20;
    if (c >= 0x61 && c <= 0x66) {
      ch = (decoded << 4) + (c - 0x61) + 10;
      if (stopAtQuery && ch === 0x3f) {
        out += '?';
        return { value: out, end: i };
      }
      if (kind === 'redirect' && !(ch > 0x25 && ch < 0x7f)) {
        out += s.slice(i - 3, i);
        continue;
      }
      out += String.fromCharCode(ch);
      continue;
    }
    // an invalid second digit drops the whole escape
  }
  return { value: out, end: s.length };
}
