/**
 * ngx_http_limit_req_module (src/http/modules/ngx_http_limit_req_module.c): request rate limiting
 * with a leaky bucket per key, in shared memory zones declared by limit_req_zone.
 */
import type { Context, DirectiveSpec, ModuleSpec, Setter } from '../registry/types.js';
import { parseNumber, parseRate, parseSize } from '../values.js';
import { scanVariables } from '../variables.js';
import { PAGE_SIZE, numBounds, sharedMemoryAdd } from './setters.js';

const M = 'ngx_http_limit_req_module';
const MAIN: readonly Context[] = ['HTTP_MAIN'];
const MSL: readonly Context[] = ['HTTP_MAIN', 'HTTP_SRV', 'HTTP_LOC'];

/**
 * The `zone=name:size` parameter of limit_req_zone and limit_conn_zone: the name and size, or
 * nginx's message. Zones must hold at least 8 pages.
 */
export function zoneParam(v: string): { name: string; size: number } | string {
  const colon = v.indexOf(':', 5);
  if (colon < 0) return `invalid zone size "${v}"`;
  const size = parseSize(v.slice(colon + 1));
  if (size === null) return `invalid zone size "${v}"`;
  if (size < 8 * PAGE_SIZE) return `zone "${v}" is too small`;
  return { name: v.slice(5, colon), size };
}

/**
 * What limit_req_zone and limit_conn_zone share: a key script, one zone per name, never bound to a
 * second key (`limit_req_zone "one" is already bound to key "$binary_remote_addr"`).
 */
export function keyedZone(cx: Parameters<Setter>[0], key: string, zone: { name: string; size: number }, tag: string): void {
  if (!sharedMemoryAdd(cx, zone.name, zone.size, tag)) return;
  const bound = `${tag}:key:${zone.name}`;
  const previous = cx.global.get(bound) as string | undefined;
  if (previous !== undefined) {
    cx.error(`${cx.directive.name} "${zone.name}" is already bound to key "${previous}"`);
    return;
  }
  cx.global.set(bound, key);
}

/** ngx_http_limit_req_zone: `key zone=name:size rate=Nr/s|Nr/m`. */
const limitReqZone: Setter = (cx, args) => {
  const key = args[0]?.value ?? '';
  const scan = scanVariables(key);
  if (scan.error !== null) {
    cx.error(scan.error);
    return;
  }
  let zone: { name: string; size: number } = { name: '', size: 0 };
  for (const a of args.slice(1)) {
    const v = a.value;
    if (v.startsWith('zone=')) {
      const z = zoneParam(v);
      if (typeof z === 'string') {
        cx.error(z);
        return;
      }
      zone = z;
    } else if (v.startsWith('rate=')) {
      if (parseRate(v.slice(5)) === null) {
        cx.error(`invalid rate "${v}"`);
        return;
      }
    } else {
      cx.error(`invalid parameter "${v}"`);
      return;
    }
  }
  if (zone.name === '') {
    cx.error(`"${cx.directive.name}" must have "zone" parameter`);
    return;
  }
  keyedZone(cx, key, zone, M);
};

/** ngx_http_limit_req: `zone=name [burst=N] [nodelay | delay=N]`, each zone once per level. */
const limitReq: Setter = (cx, args) => {
  let zone: string | null = null;
  for (const a of args) {
    const v = a.value;
    if (v.startsWith('zone=')) {
      zone = v.slice(5);
      if (!sharedMemoryAdd(cx, zone, 0, M)) return;
      continue;
    }
    if (v.startsWith('burst=') || v.startsWith('delay=')) {
      const n = parseNumber(v.slice(6));
      if (n === null || n <= 0) {
        cx.error(`invalid ${v.slice(0, 5)} value "${v}"`);
        return;
      }
      continue;
    }
    if (v === 'nodelay') continue;
    cx.error(`invalid parameter "${v}"`);
    return;
  }
  if (zone === null) {
    cx.error(`"${cx.directive.name}" must have "zone" parameter`);
    return;
  }
  const key = `${M}:zones`;
  let zones = cx.level.get(key) as Set<string> | undefined;
  if (zones === undefined) {
    zones = new Set();
    cx.level.set(key, zones);
  }
  if (zones.has(zone)) {
    cx.fail('is duplicate');
    return;
  }
  zones.add(zone);
};

const directives: readonly DirectiveSpec[] = [
  { name: 'limit_req_zone', module: M, contexts: MAIN, args: [3], slot: { kind: 'none' }, set: limitReqZone, effect: 'runtime' },
  { name: 'limit_req', module: M, contexts: MSL, args: [1, 2, 3], slot: { kind: 'none' }, set: limitReq, effect: 'runtime' },
  {
    name: 'limit_req_log_level',
    module: M,
    contexts: MSL,
    args: [1],
    slot: { kind: 'enum', values: ['info', 'notice', 'warn', 'error'] },
    effect: 'runtime',
  },
  { name: 'limit_req_status', module: M, contexts: MSL, args: [1], slot: { kind: 'num' }, set: numBounds(400, 599), effect: 'runtime' },
  { name: 'limit_req_dry_run', module: M, contexts: MSL, args: 'FLAG', slot: { kind: 'flag' }, effect: 'runtime' },
];

export const ngxHttpLimitReqModule: ModuleSpec = { name: M, directives };
