/**
 * ngx_http_limit_conn_module (src/http/modules/ngx_http_limit_conn_module.c): limits on concurrent
 * connections (requests being processed) per key, in zones declared by limit_conn_zone.
 */
import type { Context, DirectiveSpec, ModuleSpec, Setter } from '../registry/types.js';
import { parseNumber } from '../values.js';
import { scanVariables } from '../variables.js';
import { keyedZone, zoneParam } from './ngx_http_limit_req_module.js';
import { numBounds, sharedMemoryAdd } from './setters.js';

const M = 'ngx_http_limit_conn_module';
const MAIN: readonly Context[] = ['HTTP_MAIN'];
const MSL: readonly Context[] = ['HTTP_MAIN', 'HTTP_SRV', 'HTTP_LOC'];

/** ngx_http_limit_conn_zone: `key zone=name:size`. */
const limitConnZone: Setter = (cx, args) => {
  const key = args[0]?.value ?? '';
  const scan = scanVariables(key);
  if (scan.error !== null) {
    cx.error(scan.error);
    return;
  }
  const v = args[1]?.value ?? '';
  if (!v.startsWith('zone=')) {
    cx.error(`invalid parameter "${v}"`);
    return;
  }
  const zone = zoneParam(v);
  if (typeof zone === 'string') {
    cx.error(zone);
    return;
  }
  if (zone.name === '') {
    cx.error(`"${cx.directive.name}" must have "zone" parameter`);
    return;
  }
  keyedZone(cx, key, zone, M);
};

/** ngx_http_limit_conn: `zone number`, 1..65535, each zone once per level. */
const limitConn: Setter = (cx, args) => {
  const zone = args[0]?.value ?? '';
  if (!sharedMemoryAdd(cx, zone, 0, M)) return;
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
  const text = args[1]?.value ?? '';
  const n = parseNumber(text);
  if (n === null || n <= 0) {
    cx.error(`invalid number of connections "${text}"`);
    return;
  }
  if (n > 65535) cx.error('connection limit must be less 65536');
};

const directives: readonly DirectiveSpec[] = [
  { name: 'limit_conn_zone', module: M, contexts: MAIN, args: [2], slot: { kind: 'none' }, set: limitConnZone, effect: 'runtime' },
  { name: 'limit_conn', module: M, contexts: MSL, args: [2], slot: { kind: 'none' }, set: limitConn, effect: 'runtime' },
  {
    name: 'limit_conn_log_level',
    module: M,
    contexts: MSL,
    args: [1],
    slot: { kind: 'enum', values: ['info', 'notice', 'warn', 'error'] },
    effect: 'runtime',
  },
  { name: 'limit_conn_status', module: M, contexts: MSL, args: [1], slot: { kind: 'num' }, set: numBounds(400, 599), effect: 'runtime' },
  { name: 'limit_conn_dry_run', module: M, contexts: MSL, args: 'FLAG', slot: { kind: 'flag' }, effect: 'runtime' },
];

export const ngxHttpLimitConnModule: ModuleSpec = { name: M, directives };
