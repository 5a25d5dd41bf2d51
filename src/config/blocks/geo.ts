/**
 * The body of a `geo` block, read as ngx_http_geo (src/http/modules/ngx_http_geo_module.c) reads
 * it: networks in CIDR notation (a radix tree per family), or address ranges after `ranges`, plus
 * `default`, `delete`, `proxy`, `proxy_recursive` and `include` (`volatile` came in a later nginx:
 * 1.22 refuses it with "invalid number of the geo parameters"). Duplicates warn and the
 * last value wins; overlapping ranges are an error. The result is the table the compiler needs.
 */
import type { Directive, Statement } from '../ast.js';
import { type Cidr, parseCidr, parseInetAddr } from '../values.js';
import { builtinVariable } from '../variables.js';
import { type BodyReport, bodyLines, words } from './body.js';

/** A network of a CIDR-mode geo, with its value. `default` is 0.0.0.0/0 and ::/0. */
export interface GeoNetwork {
  readonly cidr: Cidr;
  readonly value: string;
}

/** A range of a ranges-mode geo, as host-order numbers. */
export interface GeoRange {
  readonly start: number;
  readonly end: number;
  readonly value: string;
}

/** A geo body as nginx understands it. */
export interface GeoBody {
  readonly ranges: boolean;
  readonly proxyRecursive: boolean;
  /** `proxy` networks: X-Forwarded-For is trusted from these. */
  readonly proxies: readonly Cidr[];
  /** CIDR mode: the networks left after deletes, most specific prefix wins at run time. */
  readonly networks: readonly GeoNetwork[];
  /** Ranges mode: the ranges, in address order; the default applies elsewhere. */
  readonly rangeList: readonly GeoRange[];
  readonly defaultValue: string | null;
  readonly ok: boolean;
}

/** ngx_http_geo_cidr_value: 255.255.255.255 is special-cased because ngx_inet_addr cannot read it. */
function cidrValue(net: string, report: BodyReport, at: Directive): Cidr | null {
  if (net === '255.255.255.255') {
    return {
      family: 'inet',
      addr: new Uint8Array([255, 255, 255, 255]),
      mask: new Uint8Array([255, 255, 255, 255]),
      lowBitsSet: false,
    };
  }
  const cidr = parseCidr(net);
  if (cidr === null) {
    report(`invalid network "${net}"`, at);
    return null;
  }
  if (cidr.lowBitsSet) report(`low address bits of ${net} are meaningless`, at, 'warn');
  return cidr;
}

function cidrKey(c: Cidr): string {
  return `${c.family}:${Array.from(c.addr).join('.')}/${Array.from(c.mask).join('.')}`;
}

const ZERO4: Cidr = { family: 'inet', addr: new Uint8Array(4), mask: new Uint8Array(4), lowBitsSet: false };
const ZERO6: Cidr = { family: 'inet6', addr: new Uint8Array(16), mask: new Uint8Array(16), lowBitsSet: false };

/** One /16 block of ranges, as ctx->high.low[h] (start/end are the low 16 bits). */
interface Slot {
  start: number;
  end: number;
  value: string;
}

function dotted(h: number, x: number): string {
  return `${h >> 8}.${h & 0xff}.${x >> 8}.${x & 0xff}`;
}

/**
 * ngx_http_geo_add_range: adds start-end (split per /16) to the table, splitting, replacing or
 * refusing what is already there. Returns nginx's message on overlap.
 */
function addRange(
  high: Map<number, Slot[]>,
  start: number,
  end: number,
  value: string,
  net: string,
  warn: (message: string) => void,
): string | null {
  for (let n = start; n <= end; n = ((n + 0x10000) & 0xffff0000) >>> 0) {
    const h = n >>> 16;
    const s = n === start ? n & 0xffff : 0;
    const e = (n | 0xffff) >>> 0 > end ? end & 0xffff : 0xffff;
    let a = high.get(h);
    if (a === undefined) {
      a = [];
      high.set(h, a);
    }
    let placed = false;
    for (let i = a.length - 1; i >= 0 && !placed; i--) {
      const r = a[i] as Slot;
      if (e < r.start) continue;
      if (s > r.end) {
        a.splice(i + 1, 0, { start: s, end: e, value });
      } else if (s === r.start && e === r.end) {
        warn(`duplicate range "${net}", value: "${value}", old value: "${r.value}"`);
        r.value = value;
      } else if (s > r.start && e < r.end) {
        a.splice(i + 1, 0, { start: s, end: e, value }, { start: e + 1, end: r.end, value: r.value });
        r.end = s - 1;
      } else if (s === r.start && e < r.end) {
        a.splice(i, 0, { start: s, end: e, value });
        r.start = e + 1;
      } else if (s > r.start && e === r.end) {
        a.splice(i + 1, 0, { start: s, end: e, value });
        r.end = s - 1;
      } else {
        return `range "${net}" overlaps "${dotted(h, r.start)}-${dotted(h, r.end)}"`;
      }
      placed = true;
    }
    if (!placed) a.unshift({ start: s, end: e, value });
    if (h === 0xffff) break;
  }
  return null;
}

/** ngx_http_geo_delete_range: true when some part of the range was not found (nginx warns). */
function deleteRange(high: Map<number, Slot[]>, start: number, end: number): boolean {
  let missing = false;
  for (let n = start; n <= end; n = ((n + 0x10000) & 0xffff0000) >>> 0) {
    const h = n >>> 16;
    const s = n === start ? n & 0xffff : 0;
    const e = (n | 0xffff) >>> 0 > end ? end & 0xffff : 0xffff;
    const a = high.get(h);
    const i = a === undefined ? -1 : a.findIndex((r) => r.start === s && r.end === e);
    if (a === undefined || i < 0) missing = true;
    else a.splice(i, 1);
    if (h === 0xffff) break;
  }
  return missing;
}

/**
 * Checks and reads the lines of a `geo` block. `expand` gives the statements of an `include` line
 * (nginx also tries `<file>.bin`, a binary range base, which is not modelled).
 */
export function checkGeoBody(
  body: readonly Statement[],
  report: BodyReport,
  expand?: (include: Directive) => readonly Statement[] | undefined,
): GeoBody {
  let ranges = false;
  let proxyRecursive = false;
  let treeCreated = false;
  let defaultValue: string | null = null;
  let ok = true;
  const proxies: Cidr[] = [];
  const networks = new Map<string, GeoNetwork>();
  const high = new Map<number, Slot[]>();
  const fail = (message: string, at: Directive): void => {
    report(message, at);
    ok = false;
  };

  /** ngx_http_geo_cidr_add: a second value for the same network warns and replaces the first. */
  const addNetwork = (cidr: Cidr, value: string, net: string, at: Directive): void => {
    const key = cidrKey(cidr);
    const old = networks.get(key);
    if (old !== undefined) {
      report(`duplicate network "${net}", value: "${value}", old value: "${old.value}"`, at, 'warn');
      networks.delete(key);
    }
    networks.set(key, { cidr, value });
  };

  for (const line of bodyLines(body, expand)) {
    if (line.block !== null) {
      fail('unexpected "{"', line);
      break;
    }
    const w = words(line);
    if (w.length === 1) {
      if (w[0] === 'ranges') {
        if (treeCreated) {
          fail('the "ranges" directive must be the first directive inside "geo" block', line);
          break;
        }
        ranges = true;
        continue;
      }
      if (w[0] === 'proxy_recursive') {
        proxyRecursive = true;
        continue;
      }
    }
    if (w.length !== 2) {
      fail('invalid number of the geo parameters', line);
      break;
    }
    const [first, second] = w as [string, string];
    if (first === 'proxy') {
      const cidr = cidrValue(second, report, line);
      if (cidr === null) {
        ok = false;
        break;
      }
      proxies.push(cidr);
      continue;
    }
    if (ranges) {
      if (first === 'default') {
        if (defaultValue !== null) {
          report(`duplicate default geo range value: "${second}", old value: "${defaultValue}"`, line, 'warn');
        }
        defaultValue = second;
        continue;
      }
      const del = first === 'delete';
      const net = del ? second : first;
      const dash = net.indexOf('-');
      const start = dash < 0 ? null : parseInetAddr(net.slice(0, dash));
      const end = dash < 0 ? null : parseInetAddr(net.slice(dash + 1));
      if (start === null || end === null || start > end) {
        fail(`invalid range "${net}"`, line);
        break;
      }
      if (del) {
        if (deleteRange(high, start, end)) report(`no address range "${net}" to delete`, line, 'warn');
        continue;
      }
      const overlap = addRange(high, start, end, second, net, (m) => report(m, line, 'warn'));
      if (overlap !== null) {
        fail(overlap, line);
        break;
      }
      continue;
    }
    treeCreated = true;
    if (first === 'default') {
      addNetwork(ZERO4, second, 'default', line);
      addNetwork(ZERO6, second, 'default', line);
      defaultValue = second;
      continue;
    }
    const del = first === 'delete';
    const net = del ? second : first;
    const cidr = cidrValue(net, report, line);
    if (cidr === null) {
      ok = false;
      break;
    }
    if (del) {
      if (!networks.delete(cidrKey(cidr))) report(`no network "${net}" to delete`, line, 'warn');
      continue;
    }
    addNetwork(cidr, second, net, line);
  }

  const rangeList: GeoRange[] = [];
  for (const h of [...high.keys()].sort((a, b) => a - b)) {
    for (const r of high.get(h) ?? []) {
      rangeList.push({ start: h * 0x10000 + r.start, end: h * 0x10000 + r.end, value: r.value });
    }
  }
  return { ranges, proxyRecursive, proxies, networks: [...networks.values()], rangeList, defaultValue, ok };
}

/**
 * The checks of the `geo` directive itself (ngx_http_geo_block): `geo [$source] $target`, both
 * `$names`, the target not a builtin. Returns nginx's message or null.
 */
export function checkGeoTarget(args: readonly string[]): string | null {
  for (const a of args) {
    if (!a.startsWith('$')) return `invalid variable name "${a}"`;
    if (a === '$') return 'invalid variable name "$"';
  }
  const name = (args[args.length - 1] as string).slice(1);
  if (builtinVariable(name)?.changeable === false) return `the duplicate "${name}" variable`;
  return null;
}
