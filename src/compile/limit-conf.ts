/**
 * limit_req and limit_conn (ngx_http_limit_req_module, ngx_http_limit_conn_module): the zones of
 * the http level (key, size, rate) and, per level, the limits in force — the limit_req or
 * limit_conn lines of the nearest level that has any (inherited whole), with their status codes,
 * log levels and dry-run flags.
 */
import { zoneParam } from '../config/modules/ngx_http_limit_req_module.js';
import { parseNumber, parseRate } from '../config/values.js';
import { compileComplexValue, type ComplexValue } from './complex-value.js';
import type { ConfLevel } from './conf-level.js';
import type { VariableTable } from './variable-table.js';

export interface LimitZone {
  readonly name: string;
  readonly key: ComplexValue;
  readonly size: number;
  /** limit_req: requests per second × 1000 (`30r/m` → 500); 0 for limit_conn zones. */
  readonly rate: number;
}

export interface LimitReq {
  readonly zone: string;
  /** × 1000, as nginx keeps it. */
  readonly burst: number;
  /** × 1000; `nodelay` is nginx's NGX_MAX_INT_T_VALUE / 1000 × 1000. */
  readonly delay: number;
}

export interface LimitReqConf {
  readonly limits: readonly LimitReq[];
  readonly status: number;
  readonly logLevel: 'info' | 'notice' | 'warn' | 'error';
  readonly dryRun: boolean;
}

export interface LimitConnConf {
  readonly limits: readonly { readonly zone: string; readonly conn: number }[];
  readonly status: number;
  readonly logLevel: 'info' | 'notice' | 'warn' | 'error';
  readonly dryRun: boolean;
}

/** The zone of a *_zone line (`zone=name:size`, checked by the config front end). */
function zoneOf(args: readonly string[]): { name: string; size: number } | null {
  const z = zoneParam(args.find((a) => a.startsWith('zone=')) ?? '');
  return typeof z === 'string' ? null : z;
}

/** The limit_req_zone and limit_conn_zone zones of the http level, by name. */
export function compileLimitZones(http: ConfLevel, vars: VariableTable): { req: Map<string, LimitZone>; conn: Map<string, LimitZone> } {
  const req = new Map<string, LimitZone>();
  const conn = new Map<string, LimitZone>();
  for (const d of http.own('limit_req_zone')) {
    const args = d.args.map((a) => a.value);
    const z = zoneOf(args);
    const rate = args.find((a) => a.startsWith('rate='));
    if (z === null || req.has(z.name)) continue;
    req.set(z.name, { name: z.name, key: compileComplexValue(args[0] ?? '', vars), size: z.size, rate: parseRate(rate?.slice(5) ?? '') ?? 1000 });
  }
  for (const d of http.own('limit_conn_zone')) {
    const args = d.args.map((a) => a.value);
    const z = zoneOf(args);
    if (z === null || conn.has(z.name)) continue;
    conn.set(z.name, { name: z.name, key: compileComplexValue(args[0] ?? '', vars), size: z.size, rate: 0 });
  }
  return { req, conn };
}

const MAX_DELAY = Math.floor(Number.MAX_SAFE_INTEGER / 1000) * 1000;

function logLevel(v: string | undefined, dflt: LimitReqConf['logLevel']): LimitReqConf['logLevel'] {
  return v === 'info' || v === 'notice' || v === 'warn' || v === 'error' ? v : dflt;
}

/** The limit_req configuration in force at `level`, or null when no level has limit_req. */
export function compileLimitReqConf(level: ConfLevel): LimitReqConf | null {
  const lines = level.inherited('limit_req');
  if (lines.length === 0) return null;
  const limits = lines.map((d) => {
    const args = d.args.map((a) => a.value);
    const burst = args.find((a) => a.startsWith('burst='));
    const delay = args.find((a) => a.startsWith('delay='));
    return {
      zone: args.find((a) => a.startsWith('zone='))?.slice(5) ?? '',
      burst: (parseNumber(burst?.slice(6) ?? '') ?? 0) * 1000,
      delay: args.includes('nodelay') ? MAX_DELAY : (parseNumber(delay?.slice(6) ?? '') ?? 0) * 1000,
    };
  });
  return Object.freeze({
    limits: Object.freeze(limits),
    status: parseNumber(level.value('limit_req_status') ?? '') ?? 503,
    logLevel: logLevel(level.value('limit_req_log_level'), 'error'),
    dryRun: level.value('limit_req_dry_run') === 'on',
  });
}

/** The limit_conn configuration in force at `level`, or null when no level has limit_conn. */
export function compileLimitConnConf(level: ConfLevel): LimitConnConf | null {
  const lines = level.inherited('limit_conn');
  if (lines.length === 0) return null;
  return Object.freeze({
    limits: Object.freeze(lines.map((d) => ({ zone: d.args[0]?.value ?? '', conn: parseNumber(d.args[1]?.value ?? '') ?? 1 }))),
    status: parseNumber(level.value('limit_conn_status') ?? '') ?? 503,
    logLevel: logLevel(level.value('limit_conn_log_level'), 'error'),
    dryRun: level.value('limit_conn_dry_run') === 'on',
  });
}
