/**
 * Setters that the upstream-based content modules other than proxy share (fastcgi, uwsgi, scgi,
 * grpc, memcached): their `*_pass` handlers, the generic slots of ngx_http_upstream.c
 * (ngx_http_upstream_bind_set_slot, ngx_http_upstream_param_set_slot) and of ngx_http_file_cache.c
 * (ngx_http_file_cache_set_slot, ngx_http_file_cache_valid_set_slot), and the `*_store` /
 * `*_cache` pair. Messages are nginx's, word for word.
 */
import type { Setter, SetterContext } from '../registry/types.js';
import { countVariables, parseAddrPort, parseNumber, parseOffset, parseSize, parseTime, parseUrl } from '../values.js';
import { upstreamAdd } from './ngx_http_upstream_module.js';
import { PAGE_SIZE, isDuplicate, sharedMemoryAdd } from './setters.js';

/** How a module's `*_pass` reads its argument. */
export interface PassRules {
  /** Scheme prefixes (matched case-insensitively) that are stripped, e.g. `grpc://`. */
  readonly schemes: readonly string[];
  /** Whether a value with variables is compiled as a script (memcached_pass does not). */
  readonly variables: boolean;
}

/**
 * ngx_http_fastcgi_pass and its siblings: once per location; a script when it has variables, else
 * an address (`host:port`, `unix:/path`) added as an implicit upstream, resolved later.
 */
export function passSlot(rules: PassRules): Setter {
  return (cx, args) => {
    if (isDuplicate(cx, `pass:${cx.directive.name}`)) return;
    const url = args[0]?.value ?? '';
    if (rules.variables && countVariables(url) > 0) return;
    const lower = url.toLowerCase();
    const scheme = rules.schemes.find((s) => lower.startsWith(s));
    const rest = scheme === undefined ? url : url.slice(scheme.length);
    const u = parseUrl(rest, { defaultPort: 0 });
    if (!u.ok) {
      cx.error(`${u.err} in upstream "${rest}"`);
      return;
    }
    upstreamAdd(cx, { host: u.url.host, port: u.url.port, noPort: u.url.noPort }, false);
  };
}

/** ngx_http_upstream_param_set_slot: `name value [if_not_empty]`, may repeat. */
export const paramSlot: Setter = (cx, args) => {
  const flag = args[2];
  if (flag !== undefined && flag.value !== 'if_not_empty') cx.error(`invalid parameter "${flag.value}"`);
};

/** ngx_http_upstream_bind_set_slot: `off`, or an address (variables allowed) and `transparent`. */
export const bindSlot: Setter = (cx, args) => {
  if (isDuplicate(cx, `bind:${cx.directive.name}`)) return;
  const v = args[0]?.value ?? '';
  if (args.length === 1 && v === 'off') return;
  if (countVariables(v) === 0 && parseAddrPort(v) === null) {
    cx.error(`invalid address "${v}"`);
    return;
  }
  const option = args[1];
  if (option !== undefined && option.value !== 'transparent') cx.error(`invalid parameter "${option.value}"`);
};

/** ngx_http_file_cache_valid_set_slot: `[code ...] time`; codes 100..599 or `any`. */
export const cacheValidSlot: Setter = (cx, args) => {
  const last = args[args.length - 1]?.value ?? '';
  if (parseTime(last, true) === null) {
    cx.error(`invalid time value "${last}"`);
    return;
  }
  for (const a of args.slice(0, -1)) {
    if (a.value === 'any') continue;
    const n = parseNumber(a.value);
    if (n === null || n < 100 || n > 599) {
      cx.error(`invalid status "${a.value}"`);
      return;
    }
  }
};

/** A directive that may appear once per level and has no other check (`*_cache_key`, …). */
export const oncePerLevel: Setter = (cx) => {
  isDuplicate(cx, `once:${cx.directive.name}`);
};

/**
 * The `<prefix>_store` / `<prefix>_cache` pair (ngx_http_fastcgi_store / _cache, …): each once per
 * level, and `on`/a path for one excludes the other at the same level.
 */
export function storeAndCache(prefix: string, module: string): { store: Setter; cache: Setter } {
  const storeKey = `${module}:store`;
  const cacheKey = `${module}:cache`;
  const store: Setter = (cx, args) => {
    if (cx.level.has(storeKey)) {
      cx.fail('is duplicate');
      return;
    }
    const v = args[0]?.value ?? '';
    if (v === 'off') {
      cx.level.set(storeKey, false);
      return;
    }
    if (cx.level.get(cacheKey) === true) {
      cx.fail(`is incompatible with "${prefix}_cache"`);
      return;
    }
    cx.level.set(storeKey, true);
  };
  const cache: Setter = (cx, args) => {
    if (cx.level.has(cacheKey)) {
      cx.fail('is duplicate');
      return;
    }
    const v = args[0]?.value ?? '';
    if (v === 'off') {
      cx.level.set(cacheKey, false);
      return;
    }
    if (cx.level.get(storeKey) === true) {
      cx.fail(`is incompatible with "${prefix}_store"`);
      return;
    }
    cx.level.set(cacheKey, true);
    if (countVariables(v) === 0) sharedMemoryAdd(cx, v, 0, module);
  };
  return { store, cache };
}

/** NGX_MAX_PATH_LEVEL. */
const MAX_PATH_LEVEL = 3;

/** The `levels=1:2` of a cache path: up to three levels of 1 or 2 characters. */
function cacheLevelsOk(text: string): boolean {
  let len = 0;
  let p = 0;
  for (let n = 0; n < MAX_PATH_LEVEL && p < text.length; n++) {
    const c = text.charAt(p);
    if (c !== '1' && c !== '2') return false;
    len += Number(c) + 1;
    p++;
    if (p === text.length) break;
    if (text.charAt(p++) === ':' && n < MAX_PATH_LEVEL - 1 && p < text.length) continue;
    return false;
  }
  return len < 10 + MAX_PATH_LEVEL;
}

/** Checks one parameter of a cache path; returns nginx's message or null. */
function cachePathParam(v: string, zone: { name: string; size: number }): string | null {
  if (v.startsWith('levels=')) return cacheLevelsOk(v.slice(7)) ? null : `invalid "levels" "${v}"`;
  if (v.startsWith('use_temp_path=')) {
    const f = v.slice(14);
    return f === 'on' || f === 'off' ? null : `invalid use_temp_path value "${v}", it must be "on" or "off"`;
  }
  if (v.startsWith('keys_zone=')) {
    const colon = v.indexOf(':', 10);
    const n = colon === -1 ? null : parseSize(v.slice(colon + 1));
    if (n === null) return `invalid keys zone size "${v}"`;
    if (n < 2 * PAGE_SIZE) return `keys zone "${v}" is too small`;
    zone.name = v.slice(10, colon);
    zone.size = n;
    return null;
  }
  if (v.startsWith('inactive=')) return parseTime(v.slice(9), true) === null ? `invalid inactive value "${v}"` : null;
  if (v.startsWith('max_size=') || v.startsWith('min_free=')) {
    return parseOffset(v.slice(9)) === null ? `invalid ${v.slice(0, 8)} value "${v}"` : null;
  }
  if (v.startsWith('loader_files=') || v.startsWith('manager_files=')) {
    const eq = v.indexOf('=');
    return parseNumber(v.slice(eq + 1)) === null ? `invalid ${v.slice(0, eq)} value "${v}"` : null;
  }
  if (/^(loader|manager)_(sleep|threshold)=/.test(v)) {
    const eq = v.indexOf('=');
    return parseTime(v.slice(eq + 1), false) === null ? `invalid ${v.slice(0, eq)} value "${v}"` : null;
  }
  return `invalid parameter "${v}"`;
}

/**
 * ngx_http_file_cache_set_slot for `<prefix>_cache_path`: every parameter, the required keys zone
 * and the duplicate zone check, with the zone owned by `module`.
 */
export function cachePathSlot(module: string): Setter {
  return (cx: SetterContext, args) => {
    const zone = { name: '', size: 0 };
    for (const a of args.slice(1)) {
      const err = cachePathParam(a.value, zone);
      if (err !== null) {
        cx.error(err);
        return;
      }
    }
    if (zone.name === '' || zone.size === 0) {
      cx.error(`"${cx.directive.name}" must have "keys_zone" parameter`);
      return;
    }
    if (!sharedMemoryAdd(cx, zone.name, zone.size, module)) return;
    const key = `${module}:cache_path:${zone.name}`;
    if (cx.global.has(key)) {
      cx.error(`duplicate zone "${zone.name}"`);
      return;
    }
    cx.global.set(key, true);
  };
}
