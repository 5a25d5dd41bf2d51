/**
 * Setters shared by several module tables: nginx's generic slots and post handlers that the Slot
 * union does not cover (ngx_conf_set_bufs_slot, ngx_conf_set_path_slot, ngx_conf_set_access_slot,
 * the complex-value slots of ngx_http_script.c, ngx_conf_check_num_bounds, ngx_conf_deprecated) and
 * ngx_shared_memory_add's checks. Messages are nginx's, word for word.
 */
import type { Arg } from '../ast.js';
import type { Setter, SetterContext } from '../registry/types.js';
import { countVariables, parseNumber, parseSize } from '../values.js';

/**
 * The "is duplicate" rule of a setter whose conf field is not one of the generic slots: reports and
 * returns true on the second call with the same key at the same level.
 */
export function isDuplicate(cx: SetterContext, key: string): boolean {
  if (cx.level.has(key)) {
    cx.fail('is duplicate');
    return true;
  }
  cx.level.set(key, true);
  return false;
}

/** ngx_conf_set_bufs_slot: `<number> <size>`, both non-zero (`proxy_buffers 8 4k`). */
export const bufsSlot: Setter = (cx, args) => {
  if (isDuplicate(cx, `bufs:${cx.directive.name}`)) return;
  const num = parseNumber(args[0]?.value ?? '');
  if (num === null || num === 0) {
    cx.fail('invalid value');
    return;
  }
  const size = parseSize(args[1]?.value ?? '');
  if (size === null || size === 0) cx.fail('invalid value');
};

/**
 * ngx_conf_set_path_slot: a directory and up to three hash levels (`proxy_temp_path /t 1 2`).
 * The "same path used twice with other levels" check of ngx_add_path is not modelled.
 */
export const pathSlot: Setter = (cx, args) => {
  if (isDuplicate(cx, `path:${cx.directive.name}`)) return;
  let len = 0;
  let i = 0;
  for (const a of args.slice(1)) {
    const level = parseNumber(a.value);
    if (level === null || level === 0) {
      cx.fail('invalid value');
      return;
    }
    len += level + 1;
    i++;
  }
  if (len > 10 + i) cx.fail('invalid value');
};

/** ngx_conf_set_access_slot: `user:rw group:r all:r`. */
export const accessSlot: Setter = (cx, args) => {
  if (isDuplicate(cx, `access:${cx.directive.name}`)) return;
  for (const a of args) {
    const m = /^(user|group|all):(.*)$/s.exec(a.value);
    if (!m || (m[2] !== 'rw' && m[2] !== 'r')) {
      cx.error(`invalid value "${a.value}"`);
      return;
    }
  }
};

/** ngx_http_set_complex_value_slot (and its `_zero` variant): one value, compiled per request. */
export const complexValueSlot: Setter = (cx) => {
  isDuplicate(cx, `cv:${cx.directive.name}`);
};

/** ngx_http_set_complex_value_size_slot: like complexValueSlot, and a constant must be a size. */
export const complexValueSizeSlot: Setter = (cx, args) => {
  if (isDuplicate(cx, `cv:${cx.directive.name}`)) return;
  const v = args[0]?.value ?? '';
  if (countVariables(v) === 0 && parseSize(v) === null) cx.fail('invalid value');
};

/** ngx_conf_check_num_bounds as a post handler for a num slot. */
export function numBounds(low: number, high: number | null): Setter {
  return (cx, args) => {
    const n = parseNumber(args[0]?.value ?? '');
    if (n === null) return;
    if (high === null) {
      if (n < low) cx.error(`value must be equal to or greater than ${low}`);
      return;
    }
    if (n < low || n > high) cx.error(`value must be between ${low} and ${high}`);
  };
}

/** NGX_MIN_POOL_SIZE on 64-bit Linux: sizeof(ngx_pool_t) + 2 * sizeof(ngx_pool_large_t), aligned. */
const MIN_POOL_SIZE = 112;
const POOL_ALIGNMENT = 16;

/** ngx_http_core_pool_size / ngx_http_v2_pool_size: post handler of a pool size. */
export const poolSize: Setter = (cx, args) => {
  const size = parseSize(args[0]?.value ?? '');
  if (size === null) return;
  if (size < MIN_POOL_SIZE) {
    cx.error(`the pool size must be no less than ${MIN_POOL_SIZE}`);
    return;
  }
  if (size % POOL_ALIGNMENT !== 0) cx.error(`the pool size must be a multiple of ${POOL_ALIGNMENT}`);
};

/** ngx_conf_deprecated: a warning naming the directive to use instead. */
export function deprecated(oldName: string, newName: string): Setter {
  return (cx) => {
    cx.error(`the "${oldName}" directive is deprecated, use the "${newName}" directive instead`, 'warn');
  };
}

/** A setter that only warns, for Linux builds where nginx ignores an option (`send_lowat`). */
export function ignoredOnLinux(message: string): Setter {
  return (cx) => {
    cx.error(message, 'warn');
  };
}

/** ngx_pagesize on Linux x86-64; zones must hold at least 8 pages. */
export const PAGE_SIZE = 4096;

/** A shared memory zone as ngx_shared_memory_add records it. */
interface SharedZone {
  size: number;
  readonly tag: string;
}

/**
 * ngx_shared_memory_add: declares (or refers to, with size 0) the zone `name` for the module `tag`.
 * Zones are global: one name may not serve two modules nor have two sizes. Returns false after
 * reporting nginx's error. Zones left without a size are nginx's cycle-time "zero size shared
 * memory zone" error, which is not modelled here.
 */
export function sharedMemoryAdd(cx: SetterContext, name: string, size: number, tag: string): boolean {
  const key = `shm:${name}`;
  const known = cx.global.get(key) as SharedZone | undefined;
  if (known === undefined) {
    cx.global.set(key, { size, tag } satisfies SharedZone);
    return true;
  }
  if (known.tag !== tag) {
    cx.error(`the shared memory zone "${name}" is already declared for a different use`);
    return false;
  }
  if (known.size === 0) known.size = size;
  if (size && size !== known.size) {
    cx.error(`the size ${size} of shared memory zone "${name}" conflicts with already declared size ${known.size}`);
    return false;
  }
  return true;
}

/**
 * ngx_http_types_slot (gzip_types, ssi_types, …): a list of MIME types, lowercased. nginx seeds the
 * list with the first of the module's default types only, so naming that one again warns
 * (`gzip_types text/html`). `*` takes every type, and the level ignores later lists.
 */
export function typesSlot(firstDefault: string): Setter {
  return (cx, args) => {
    const key = `types:${cx.directive.name}`;
    let types = cx.level.get(key) as Set<string> | '*' | undefined;
    if (types === '*') return;
    if (types === undefined) {
      types = new Set([firstDefault]);
      cx.level.set(key, types);
    }
    for (const a of args) {
      if (a.value === '*') {
        cx.level.set(key, '*');
        return;
      }
      const t = a.value.toLowerCase();
      if (types.has(t)) cx.error(`duplicate MIME type "${t}"`, 'warn');
      else types.add(t);
    }
  };
}

/** The values of arguments, for setters that only look at text. */
export function values(args: readonly Arg[]): string[] {
  return args.map((a) => a.value);
}
