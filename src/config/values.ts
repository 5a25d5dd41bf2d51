/**
 * nginx's value parsers, ported one by one so that ngts accepts exactly the sizes, offsets, times,
 * numbers, addresses and `listen` parameters that nginx 1.22 accepts (src/core/ngx_parse.c,
 * src/core/ngx_string.c, src/core/ngx_inet.c, ngx_http_core_listen). Each returns `null` (or an
 * error result) where nginx returns NGX_ERROR; callers add nginx's message.
 */

/** NGX_MAX_INT_T_VALUE, NGX_MAX_SIZE_T_VALUE and NGX_MAX_OFF_T_VALUE on a 64-bit build. */
const MAX_INT = 9223372036854775807n;

/**
 * Parses a non-negative decimal integer as `ngx_atoi` does: digits only, no sign, no spaces, and
 * nothing above 2^63-1. Results above 2^53 lose precision (only validity is exact).
 */
export function parseNumber(s: string): number | null {
  const v = atoiBig(s);
  return v === null ? null : Number(v);
}

/** ngx_atoi (also ngx_atosz / ngx_atoof, identical on 64-bit) on BigInt, so overflow is exact. */
function atoiBig(s: string): bigint | null {
  if (s.length === 0) return null;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 48 || c > 57) return null;
  }
  const v = BigInt(s);
  return v > MAX_INT ? null : v;
}

/**
 * Parses a size as `ngx_parse_size`: bytes, or a number with a `k`/`K` or `m`/`M` suffix (no `g`),
 * as used by ngx_conf_set_size_slot. Returns bytes.
 */
export function parseSize(s: string): number | null {
  return parseScaled(s, { k: 1024n, m: 1024n * 1024n });
}

/**
 * Parses an offset as `ngx_parse_offset`: bytes, or a number with a `k`, `m` or `g` suffix (either
 * case), as used by ngx_conf_set_off_slot (`client_max_body_size 1g`). Returns bytes.
 */
export function parseOffset(s: string): number | null {
  return parseScaled(s, { k: 1024n, m: 1024n * 1024n, g: 1024n * 1024n * 1024n });
}

/** The common body of ngx_parse_size / ngx_parse_offset: one optional unit letter, bounded. */
function parseScaled(s: string, units: Readonly<Record<string, bigint>>): number | null {
  if (s.length === 0) return null;
  const unit = units[s.charAt(s.length - 1).toLowerCase()];
  const scale = unit ?? 1n;
  const digits = unit === undefined ? s : s.slice(0, -1);
  const v = atoiBig(digits);
  if (v === null || v > MAX_INT / scale) return null;
  return Number(v * scale);
}

/** The units of ngx_parse_time, from the largest; a unit may only follow a larger one. */
const enum Step {
  Start = 0,
  Year,
  Month,
  Week,
  Day,
  Hour,
  Min,
  Sec,
  Msec,
  Last,
}

/**
 * Parses a time as `ngx_parse_time`: numbers with units `y M w d h m s ms`, largest first, e.g.
 * `1h30m`, `1h 30m`, `500ms`; a bare trailing number counts as seconds. With `isSec` the result is
 * seconds and `ms` is invalid; otherwise it is milliseconds and `y`/`M` are invalid (nginx starts
 * the unit order at months there and forbids both).
 */
export function parseTime(s: string, isSec: boolean): number | null {
  let valid = false;
  let value = 0n;
  let total = 0n;
  let step = isSec ? Step.Start : Step.Month;
  let p = 0;
  const last = s.length;

  while (p < last) {
    const c = s.charAt(p);
    if (c >= '0' && c <= '9') {
      value = value * 10n + BigInt(c.charCodeAt(0) - 48);
      if (value > MAX_INT) return null;
      p++;
      valid = true;
      continue;
    }
    p++;

    let scale: bigint;
    switch (c) {
      case 'y':
        if (step > Step.Start) return null;
        step = Step.Year;
        scale = 60n * 60n * 24n * 365n;
        break;
      case 'M':
        if (step >= Step.Month) return null;
        step = Step.Month;
        scale = 60n * 60n * 24n * 30n;
        break;
      case 'w':
        if (step >= Step.Week) return null;
        step = Step.Week;
        scale = 60n * 60n * 24n * 7n;
        break;
      case 'd':
        if (step >= Step.Day) return null;
        step = Step.Day;
        scale = 60n * 60n * 24n;
        break;
      case 'h':
        if (step >= Step.Hour) return null;
        step = Step.Hour;
        scale = 60n * 60n;
        break;
      case 'm':
        if (p < last && s.charAt(p) === 's') {
          if (isSec || step >= Step.Msec) return null;
          p++;
          step = Step.Msec;
          scale = 1n;
          break;
        }
        if (step >= Step.Min) return null;
        step = Step.Min;
        scale = 60n;
        break;
      case 's':
        if (step >= Step.Sec) return null;
        step = Step.Sec;
        scale = 1n;
        break;
      case ' ':
        // A space ends a bare number, which counts as seconds; after it only a bare number may follow.
        if (step >= Step.Sec) return null;
        step = Step.Last;
        scale = 1n;
        break;
      default:
        return null;
    }
    let max = MAX_INT / scale;
    if (step !== Step.Msec && !isSec) {
      scale *= 1000n;
      max /= 1000n;
    }
    if (value > max) return null;
    value *= scale;
    if (total > MAX_INT - value) return null;
    total += value;
    value = 0n;
    while (p < last && s.charAt(p) === ' ') p++;
  }

  if (!valid) return null;
  if (!isSec) {
    if (value > MAX_INT / 1000n) return null;
    value *= 1000n;
  }
  if (total > MAX_INT - value) return null;
  return Number(total + value);
}

/** Parses `on`/`off` as ngx_conf_set_flag_slot does (case-insensitive). */
export function parseFlag(s: string): boolean | null {
  const v = s.toLowerCase();
  if (v === 'on') return true;
  if (v === 'off') return false;
  return null;
}

/**
 * Parses the value of limit_req_zone's `rate=` (the text after `rate=`): `10r/s`, `30r/m`, or a bare
 * number (per second). Returns what nginx stores: requests per second times 1000, truncated
 * (`30r/m` → 500). Null for nginx's `invalid rate`.
 */
export function parseRate(s: string): number | null {
  let scale = 1;
  let digits = s;
  if (s.endsWith('r/s')) {
    digits = s.slice(0, -3);
  } else if (s.endsWith('r/m')) {
    scale = 60;
    digits = s.slice(0, -3);
  }
  const rate = parseNumber(digits);
  if (rate === null || rate <= 0) return null;
  return Math.floor((rate * 1000) / scale);
}

/**
 * A status code as error_page reads it: `ngx_atoi`, then 300..599 and never 499. Returns the code or
 * the reason nginx gives.
 */
export function parseErrorPageStatus(
  s: string,
): { readonly ok: true; readonly status: number } | { readonly ok: false; readonly reason: 'invalid' | 'range' } {
  const n = parseNumber(s);
  if (n === null || n === 499) return { ok: false, reason: 'invalid' };
  if (n < 300 || n > 599) return { ok: false, reason: 'range' };
  return { ok: true, status: n };
}

/**
 * Counts `$` signs as ngx_http_script_variables_count does: nginx compiles a value as a script
 * (evaluated per request) exactly when this is not zero.
 */
export function countVariables(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) === 36) n++;
  return n;
}

/** The result of ngx_http_parse_expires: a kind and, for times, seconds (negative for `-1h`). */
export type Expires =
  | { readonly kind: 'epoch' | 'max' | 'off' }
  | { readonly kind: 'access' | 'modified' | 'daily'; readonly seconds: number };

/**
 * Parses an `expires` time as `ngx_http_parse_expires`: `epoch`, `max`, `off`, `@15h30m` (daily),
 * `+1h`, `-1h`, `1h`. `modified` is true for `expires modified <time>`. Returns the value or nginx's
 * reason (the dispatcher's `"expires" directive <reason>`).
 */
export function parseExpires(
  s: string,
  modified: boolean,
): { readonly ok: true; readonly expires: Expires } | { readonly ok: false; readonly reason: string } {
  if (!modified) {
    if (s === 'epoch' || s === 'max' || s === 'off') return { ok: true, expires: { kind: s } };
  }
  let kind: 'access' | 'modified' | 'daily' = modified ? 'modified' : 'access';
  let minus = false;
  let v = s;
  const first = s.charAt(0);
  if (first === '@') {
    v = s.slice(1);
    if (modified) return { ok: false, reason: 'daily time cannot be used with "modified" parameter' };
    kind = 'daily';
  } else if (first === '+') {
    v = s.slice(1);
  } else if (first === '-') {
    v = s.slice(1);
    minus = true;
  }
  const t = parseTime(v, true);
  if (t === null) return { ok: false, reason: 'invalid value' };
  if (kind === 'daily' && t > 24 * 60 * 60) {
    return { ok: false, reason: 'daily time value must be less than 24 hours' };
  }
  return { ok: true, expires: { kind, seconds: minus ? -t : t } };
}

/** A location's match type: `=`, `^~`, `~`, `~*`, `@` (named) or `` (plain prefix). */
export type LocationModifier = '=' | '^~' | '~' | '~*' | '@' | '';

/**
 * Splits a `location` directive's arguments into modifier and name as ngx_http_core_location does:
 * `location = /x`, `location =/x`, `location ~* \.php$`, `location @name`. The name is nginx's
 * `clcf->name` (without the modifier; `@name` keeps its `@`). Null for nginx's
 * `invalid location modifier "%V"` (two arguments with an unknown first one).
 */
export function parseLocation(
  args: readonly string[],
): { readonly modifier: LocationModifier; readonly name: string } | null {
  if (args.length === 2) {
    const [mod, name] = args as readonly [string, string];
    if (mod === '=' || mod === '^~' || mod === '~' || mod === '~*') return { modifier: mod, name };
    return null;
  }
  const name = args[0] ?? '';
  if (name.startsWith('=')) return { modifier: '=', name: name.slice(1) };
  if (name.startsWith('^~')) return { modifier: '^~', name: name.slice(2) };
  if (name.startsWith('~*')) return { modifier: '~*', name: name.slice(2) };
  if (name.startsWith('~')) return { modifier: '~', name: name.slice(1) };
  if (name.startsWith('@')) return { modifier: '@', name };
  return { modifier: '', name };
}

/**
 * Parses dotted IPv4 text as `ngx_inet_addr`: exactly three dots, each octet 0..255 (empty octets
 * count as 0, as in nginx). Returns the address as a 32-bit number, or null (nginx's INADDR_NONE,
 * which `255.255.255.255` also yields).
 */
export function parseInetAddr(s: string): number | null {
  let addr = 0;
  let octet = 0;
  let dots = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 48 && c <= 57) {
      octet = octet * 10 + (c - 48);
      if (octet > 255) return null;
      continue;
    }
    if (c === 46) {
      addr = addr * 256 + octet;
      octet = 0;
      dots++;
      continue;
    }
    return null;
  }
  if (dots !== 3) return null;
  addr = addr * 256 + octet;
  return addr === 0xffffffff ? null : addr;
}

/**
 * Parses IPv6 text (without brackets) as `ngx_inet6_addr`, including `::` and a trailing dotted
 * IPv4 part. Returns the 16 address bytes, or null.
 */
export function parseInet6Addr(s: string): Uint8Array | null {
  const addr = new Uint8Array(16);
  let len = s.length;
  if (len === 0) return null;
  let p = 0;
  let a = 0;
  let zero = -1;
  let digit = -1;
  let len4 = 0;
  let nibbles = 0;
  let word = 0;
  let n = 8;

  if (s.charAt(0) === ':') {
    p++;
    len--;
  }

  for (; len > 0; len--) {
    const c = s.charAt(p++);
    if (c === ':') {
      if (nibbles) {
        digit = p;
        len4 = len;
        addr[a++] = word >> 8;
        addr[a++] = word & 0xff;
        if (--n) {
          nibbles = 0;
          word = 0;
          continue;
        }
      } else if (zero === -1) {
        digit = p;
        len4 = len;
        zero = a;
        continue;
      }
      return null;
    }

    if (c === '.' && nibbles) {
      if (n < 2 || digit === -1) return null;
      const v4 = parseInetAddr(s.slice(digit, digit + len4 - 1));
      if (v4 === null) return null;
      addr[a++] = (v4 >>> 24) & 0xff;
      addr[a++] = (v4 >>> 16) & 0xff;
      word = v4 & 0xffff;
      n--;
      break;
    }

    if (++nibbles > 4) return null;
    const h = parseInt(c, 16);
    if (Number.isNaN(h)) return null;
    word = word * 16 + h;
  }

  if (nibbles === 0 && zero === -1) return null;
  addr[a++] = word >> 8;
  addr[a++] = word & 0xff;

  if (--n) {
    if (zero !== -1) {
      // Move the words after `::` to the end and zero-fill the gap, as nginx does in place.
      const shift = n * 2;
      for (let i = a - 1; i >= zero; i--) addr[i + shift] = addr[i] ?? 0;
      addr.fill(0, zero, zero + shift);
      return addr;
    }
  } else if (zero === -1) {
    return addr;
  }
  return null;
}

/** What kind of address a URL names. `name` is a host name that nginx would resolve. */
export type UrlAddress =
  | { readonly family: 'inet'; readonly addr: string; readonly wildcard: boolean }
  | { readonly family: 'inet6'; readonly addr: string; readonly wildcard: boolean }
  | { readonly family: 'unix'; readonly path: string }
  | { readonly family: 'name'; readonly host: string };

/** A URL as ngx_parse_url leaves it in ngx_url_t. */
export interface ParsedUrl {
  readonly address: UrlAddress;
  /** The host as nginx keeps it (`u->host`): IPv6 with brackets, unix paths without `unix:`. */
  readonly host: string;
  /** The port, or the default port when none was given. 0 for unix sockets. */
  readonly port: number;
  /** Set by a listen port range `8000-8010`, else 0. */
  readonly lastPort: number;
  readonly noPort: boolean;
  /** The port as written (`u->port_text`), `` when absent. */
  readonly portText: string;
  /** The URI part (from `/` or `?`), when `uriPart` was allowed; `` otherwise. */
  readonly uri: string;
}

/** How to read a URL: the fields of ngx_url_t that callers set before ngx_parse_url. */
export interface UrlOptions {
  readonly listen?: boolean;
  readonly uriPart?: boolean;
  readonly defaultPort: number;
}

/** sizeof(((struct sockaddr_un *) 0)->sun_path) on Linux. */
const SUN_PATH_LEN = 108;

/**
 * Parses `host[:port][/uri]`, `[ipv6][:port]`, `unix:/path[:uri]` or (for listen) a bare port as
 * `ngx_parse_url`. On failure returns nginx's `u->err` text (`invalid port`, `no host`, …); the
 * caller adds `in "%V" of the "listen" directive` or `in upstream "%V"`. Host names are not
 * resolved: they come back as family `name`.
 */
export function parseUrl(
  url: string,
  opts: UrlOptions,
): { readonly ok: true; readonly url: ParsedUrl } | { readonly ok: false; readonly err: string } {
  if (url.length >= 5 && url.slice(0, 5).toLowerCase() === 'unix:') return parseUnixUrl(url, opts);
  if (url.startsWith('[')) return parseInet6Url(url, opts);
  return parseInetUrl(url, opts);
}

type UrlResult = ReturnType<typeof parseUrl>;

/** ngx_parse_unix_domain_url. */
function parseUnixUrl(url: string, opts: UrlOptions): UrlResult {
  let path = url.slice(5);
  let uri = '';
  if (opts.uriPart) {
    const colon = path.indexOf(':');
    if (colon !== -1) {
      uri = path.slice(colon + 1);
      path = path.slice(0, colon);
    }
  }
  if (path.length === 0) return { ok: false, err: 'no path in the unix domain socket' };
  if (Buffer.byteLength(path) + 1 > SUN_PATH_LEN) {
    return { ok: false, err: 'too long path in the unix domain socket' };
  }
  return {
    ok: true,
    url: { address: { family: 'unix', path }, host: path, port: 0, lastPort: 0, noPort: false, portText: '', uri },
  };
}

/** Reads `port` or (for listen) `port-lastport`; mirrors the port block shared by both inet parsers. */
function parsePortText(
  text: string,
  listen: boolean,
): { readonly port: number; readonly lastPort: number } | { readonly err: string } {
  let portPart = text;
  let lastPort = 0;
  if (listen) {
    const dash = text.indexOf('-');
    if (dash !== -1) {
      const n = parseNumber(text.slice(dash + 1));
      if (n === null || n < 1 || n > 65535) return { err: 'invalid port' };
      lastPort = n;
      portPart = text.slice(0, dash);
    }
  }
  const n = parseNumber(portPart);
  if (n === null || n < 1 || n > 65535) return { err: 'invalid port' };
  if (lastPort && n > lastPort) return { err: 'invalid port range' };
  return { port: n, lastPort };
}

/** ngx_parse_inet_url. */
function parseInetUrl(url: string, opts: UrlOptions): UrlResult {
  const listen = opts.listen === true;
  let last = url.length;
  let port = url.indexOf(':');
  let uriAt = url.indexOf('/');
  const args = url.indexOf('?');
  if (args !== -1 && (uriAt === -1 || args < uriAt)) uriAt = args;

  let uri = '';
  if (uriAt !== -1) {
    if (listen || !opts.uriPart) return { ok: false, err: 'invalid host' };
    uri = url.slice(uriAt);
    last = uriAt;
    if (uriAt < port) port = -1;
  }

  let portNum: number;
  let lastPort = 0;
  let noPort = false;
  let portText = '';

  if (port !== -1) {
    const r = parsePortText(url.slice(port + 1, last), listen);
    if ('err' in r) return { ok: false, err: r.err };
    portNum = r.port;
    lastPort = r.lastPort;
    portText = url.slice(port + 1, last);
    last = port;
  } else {
    if (uriAt === -1 && listen) {
      // A bare value may be a port (or port range) alone: listen 8080; listen 8000-8010.
      const asPort = bareListenPort(url);
      if (asPort !== null) {
        if ('err' in asPort) return { ok: false, err: asPort.err };
        return {
          ok: true,
          url: {
            address: { family: 'inet', addr: '0.0.0.0', wildcard: true },
            host: '',
            port: asPort.port,
            lastPort: asPort.lastPort,
            noPort: false,
            portText: url,
            uri: '',
          },
        };
      }
    }
    noPort = true;
    portNum = opts.defaultPort;
  }

  const host = url.slice(0, last);
  if (host.length === 0) return { ok: false, err: 'no host' };

  const base = { host, port: portNum, lastPort, noPort, portText, uri };
  if (listen && host === '*') {
    return { ok: true, url: { ...base, address: { family: 'inet', addr: '0.0.0.0', wildcard: true } } };
  }
  const v4 = parseInetAddr(host);
  if (v4 !== null) {
    return { ok: true, url: { ...base, address: { family: 'inet', addr: host, wildcard: v4 === 0 } } };
  }
  return { ok: true, url: { ...base, address: { family: 'name', host } } };
}

/**
 * The "test value as port only" branch of ngx_parse_inet_url. Returns null when the value is not a
 * port (nginx then reads it as a host name), or the port, or an error.
 */
function bareListenPort(
  s: string,
): { readonly port: number; readonly lastPort: number } | { readonly err: string } | null {
  let portPart = s;
  let lastPort = 0;
  let err: string | null = null;
  const dash = s.indexOf('-');
  if (dash !== -1) {
    const n = parseNumber(s.slice(dash + 1));
    if (n === null) return null;
    if (n < 1 || n > 65535) err = 'invalid port';
    else lastPort = n;
    portPart = s.slice(0, dash);
  }
  const n = parseNumber(portPart);
  if (n === null) return null;
  if (err !== null) return { err };
  if (n < 1 || n > 65535) return { err: 'invalid port' };
  if (lastPort && n > lastPort) return { err: 'invalid port range' };
  return { port: n, lastPort };
}

/** ngx_parse_inet6_url. */
function parseInet6Url(url: string, opts: UrlOptions): UrlResult {
  const close = url.indexOf(']', 1);
  if (close === -1) return { ok: false, err: 'invalid host' };
  let last = url.length;
  const portStart = close + 1;
  let uri = '';
  const uriAt = url.indexOf('/', portStart);
  if (uriAt !== -1) {
    if (opts.listen === true || !opts.uriPart) return { ok: false, err: 'invalid host' };
    uri = url.slice(uriAt);
    last = uriAt;
  }

  let port: number;
  let lastPort = 0;
  let noPort = false;
  let portText = '';
  if (portStart < last) {
    if (url.charAt(portStart) !== ':') return { ok: false, err: 'invalid host' };
    const r = parsePortText(url.slice(portStart + 1, last), opts.listen === true);
    if ('err' in r) return { ok: false, err: r.err };
    port = r.port;
    lastPort = r.lastPort;
    portText = url.slice(portStart + 1, last);
  } else {
    noPort = true;
    port = opts.defaultPort;
  }

  const text = url.slice(1, close);
  if (text.length === 0) return { ok: false, err: 'no host' };
  const bytes = parseInet6Addr(text);
  if (bytes === null) return { ok: false, err: 'invalid IPv6 address' };
  const wildcard = bytes.every((b) => b === 0);
  return {
    ok: true,
    url: {
      address: { family: 'inet6', addr: text, wildcard },
      host: `[${text}]`,
      port,
      lastPort,
      noPort,
      portText,
      uri,
    },
  };
}

/** TCP keepalive tuning of `listen ... so_keepalive=idle:intvl:cnt` (0 = system default). */
export interface SoKeepalive {
  readonly idle: number;
  readonly intvl: number;
  readonly cnt: number;
}

/** The parameters of a `listen` directive, as ngx_http_listen_opt_t. */
export interface ListenOptions {
  readonly defaultServer: boolean;
  readonly ssl: boolean;
  readonly http2: boolean;
  readonly proxyProtocol: boolean;
  /** Set by `bind` and by every socket option (nginx's `lsopt.bind`): the address gets its own socket. */
  readonly bind: boolean;
  readonly reuseport: boolean;
  readonly deferred: boolean;
  readonly backlog: number | null;
  readonly rcvbuf: number | null;
  readonly sndbuf: number | null;
  readonly fastopen: number | null;
  /** `ipv6only=on|off`; null when not given (nginx defaults to on). */
  readonly ipv6only: boolean | null;
  /** `so_keepalive=on` (true), `=off` (false), or tuned. */
  readonly soKeepalive: boolean | SoKeepalive | null;
}

/** A parsed `listen` directive. */
export interface Listen {
  readonly url: ParsedUrl;
  readonly options: ListenOptions;
}

/** A message nginx logs while accepting the directive (emerg-level, yet not fatal: "…, ignored"). */
export interface ListenNotice {
  readonly message: string;
}

/** The result of parseListen: the directive, or nginx's whole error message. */
export type ListenResult =
  | { readonly ok: true; readonly listen: Listen; readonly notices: readonly ListenNotice[] }
  | { readonly ok: false; readonly error: string; readonly notices: readonly ListenNotice[] };

/**
 * Parses the arguments of `listen` as ngx_http_core_listen on Linux (no setfib, no accept filters,
 * no quic in 1.22): the address (`80`, `127.0.0.1:8080`, `*:80`, `[::1]:8080`, `unix:/path`,
 * `localhost:80`) and the parameters. Host names are left unresolved (family `name`).
 */
export function parseListen(args: readonly string[]): ListenResult {
  const notices: ListenNotice[] = [];
  const fail = (error: string): ListenResult => ({ ok: false, error, notices });
  const first = args[0] ?? '';

  const u = parseUrl(first, { listen: true, defaultPort: 80 });
  if (!u.ok) return fail(`${u.err} in "${first}" of the "listen" directive`);

  let defaultServer = false;
  let ssl = false;
  let http2 = false;
  let proxyProtocol = false;
  let bind = false;
  let reuseport = false;
  let deferred = false;
  let backlog: number | null = null;
  let rcvbuf: number | null = null;
  let sndbuf: number | null = null;
  let fastopen: number | null = null;
  let ipv6only: boolean | null = null;
  let soKeepalive: boolean | SoKeepalive | null = null;

  for (const v of args.slice(1)) {
    if (v === 'default_server' || v === 'default') {
      defaultServer = true;
      continue;
    }
    if (v === 'bind') {
      bind = true;
      continue;
    }
    if (v.startsWith('fastopen=')) {
      fastopen = parseNumber(v.slice(9));
      bind = true;
      if (fastopen === null) return fail(`invalid fastopen "${v}"`);
      continue;
    }
    if (v.startsWith('backlog=')) {
      backlog = parseNumber(v.slice(8));
      bind = true;
      if (backlog === null || backlog === 0) return fail(`invalid backlog "${v}"`);
      continue;
    }
    if (v.startsWith('rcvbuf=')) {
      rcvbuf = parseSize(v.slice(7));
      bind = true;
      if (rcvbuf === null) return fail(`invalid rcvbuf "${v}"`);
      continue;
    }
    if (v.startsWith('sndbuf=')) {
      sndbuf = parseSize(v.slice(7));
      bind = true;
      if (sndbuf === null) return fail(`invalid sndbuf "${v}"`);
      continue;
    }
    if (v.startsWith('accept_filter=')) {
      // FreeBSD only: Linux nginx logs this at emerg level and goes on.
      notices.push({ message: `accept filters "${v}" are not supported on this platform, ignored` });
      continue;
    }
    if (v === 'deferred') {
      deferred = true;
      bind = true;
      continue;
    }
    if (v.startsWith('ipv6only=o')) {
      const rest = v.slice(10);
      if (rest === 'n') ipv6only = true;
      else if (rest === 'ff') ipv6only = false;
      else return fail(`invalid ipv6only flags "${v.slice(9)}"`);
      bind = true;
      continue;
    }
    if (v === 'reuseport') {
      reuseport = true;
      bind = true;
      continue;
    }
    if (v === 'ssl') {
      ssl = true;
      continue;
    }
    if (v === 'http2') {
      http2 = true;
      continue;
    }
    if (v.startsWith('so_keepalive=')) {
      const rest = v.slice(13);
      if (rest === 'on') soKeepalive = true;
      else if (rest === 'off') soKeepalive = false;
      else {
        const tuned = parseSoKeepalive(rest);
        if (tuned === null) return fail(`invalid so_keepalive value: "${rest}"`);
        soKeepalive = tuned;
      }
      bind = true;
      continue;
    }
    if (v === 'proxy_protocol') {
      proxyProtocol = true;
      continue;
    }
    return fail(`invalid parameter "${v}"`);
  }

  return {
    ok: true,
    notices,
    listen: {
      url: u.url,
      options: {
        defaultServer,
        ssl,
        http2,
        proxyProtocol,
        bind,
        reuseport,
        deferred,
        backlog,
        rcvbuf,
        sndbuf,
        fastopen,
        ipv6only,
        soKeepalive,
      },
    },
  };
}

/** `idle:intvl:cnt`, each part optional, at least one non-zero (the NGX_HAVE_KEEPALIVE_TUNABLE branch). */
function parseSoKeepalive(s: string): SoKeepalive | null {
  const parts = s.split(':');
  const idleText = parts[0] ?? '';
  const intvlText = parts[1] ?? '';
  // Everything after the second colon is the count, colons included (nginx reads to the end).
  const cntText = parts.length > 2 ? parts.slice(2).join(':') : '';
  let idle = 0;
  let intvl = 0;
  let cnt = 0;
  if (idleText !== '') {
    const t = parseTime(idleText, true);
    if (t === null) return null;
    idle = t;
  }
  if (intvlText !== '') {
    const t = parseTime(intvlText, true);
    if (t === null) return null;
    intvl = t;
  }
  if (cntText !== '') {
    const n = parseNumber(cntText);
    if (n === null) return null;
    cnt = n;
  }
  if (idle === 0 && intvl === 0 && cnt === 0) return null;
  return { idle, intvl, cnt };
}

/** An address with a mask, as ngx_cidr_t. Addresses are bytes in network order. */
export interface Cidr {
  readonly family: 'inet' | 'inet6';
  readonly addr: Uint8Array;
  readonly mask: Uint8Array;
  /** True when the address had bits set outside the mask (nginx's NGX_DONE: they are cleared). */
  readonly lowBitsSet: boolean;
}

/**
 * Parses `addr[/bits]` for IPv4 or IPv6 as `ngx_ptocidr`. Returns null where nginx fails; a set
 * `lowBitsSet` is where callers warn `low address bits of %V are meaningless`.
 */
export function parseCidr(s: string): Cidr | null {
  const slash = s.indexOf('/');
  const text = slash === -1 ? s : s.slice(0, slash);
  let family: 'inet' | 'inet6';
  let addr: Uint8Array;
  const v4 = parseInetAddr(text);
  if (v4 !== null) {
    family = 'inet';
    addr = new Uint8Array([(v4 >>> 24) & 0xff, (v4 >>> 16) & 0xff, (v4 >>> 8) & 0xff, v4 & 0xff]);
  } else {
    const v6 = parseInet6Addr(text);
    if (v6 === null) return null;
    family = 'inet6';
    addr = v6;
  }
  const mask = new Uint8Array(addr.length).fill(0xff);
  if (slash === -1) return { family, addr, mask, lowBitsSet: false };
  let shift = parseNumber(s.slice(slash + 1));
  if (shift === null || shift > addr.length * 8) return null;
  let lowBitsSet = false;
  for (let i = 0; i < addr.length; i++) {
    const bits = Math.min(shift, 8);
    shift -= bits;
    const m = (0xff << (8 - bits)) & 0xff;
    mask[i] = m;
    const b = addr[i] ?? 0;
    if ((b & m) !== b) {
      lowBitsSet = true;
      addr[i] = b & m;
    }
  }
  return { family, addr, mask, lowBitsSet };
}

/**
 * Parses an IP address with an optional port as `ngx_parse_addr_port` (`proxy_bind`, `set_real_ip_from`
 * style values): `1.2.3.4`, `1.2.3.4:80`, `::1`, `[::1]:80`. No host names. Null where nginx
 * returns NGX_DECLINED.
 */
export function parseAddrPort(s: string): { readonly family: 'inet' | 'inet6'; readonly port: number | null } | null {
  const plain = parseAddrOnly(s);
  if (plain !== null) return { family: plain, port: null };
  let host: string;
  let portText: string;
  if (s.startsWith('[')) {
    const close = s.indexOf(']');
    if (close === -1 || close === s.length - 1 || s.charAt(close + 1) !== ':') return null;
    host = s.slice(1, close);
    portText = s.slice(close + 2);
  } else {
    const colon = s.indexOf(':');
    if (colon === -1) return null;
    host = s.slice(0, colon);
    portText = s.slice(colon + 1);
  }
  const port = parseNumber(portText);
  if (port === null || port < 1 || port > 65535) return null;
  const family = parseAddrOnly(host);
  return family === null ? null : { family, port };
}

/** ngx_parse_addr: IPv4 or IPv6 text, nothing else. */
function parseAddrOnly(s: string): 'inet' | 'inet6' | null {
  if (parseInetAddr(s) !== null) return 'inet';
  if (parseInet6Addr(s) !== null) return 'inet6';
  return null;
}

/**
 * The address of a listen as nginx prints it (`addr_text`): `0.0.0.0:80`, `127.0.0.1:8080`,
 * `[::1]:80`, `unix:/path`. Host names (`localhost`) stay as written; nginx would show the
 * resolved address.
 */
export function listenAddrText(url: ParsedUrl): string {
  const a = url.address;
  switch (a.family) {
    case 'unix':
      return `unix:${a.path}`;
    case 'inet':
      return `${a.addr}:${url.port}`;
    case 'inet6':
      return `[${a.addr}]:${url.port}`;
    case 'name':
      return `${a.host === 'localhost' ? '127.0.0.1' : a.host}:${url.port}`;
  }
}
