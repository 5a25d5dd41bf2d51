/** ngx_thread_pool_module (src/core/ngx_thread_pool.c): named thread pools for `aio threads`. */
import type { DirectiveSpec, ModuleSpec, Setter, SetterContext } from '../registry/types.js';
import { parseNumber } from '../values.js';

const M = 'ngx_thread_pool_module';

/** Global key of the pools declared so far (name → defined by `thread_pool`, not only referenced). */
const POOLS = 'ngx_thread_pool_module:pools';

/** The thread pools met so far: name → declared by `thread_pool` (not only referenced). */
export type ThreadPools = Map<string, boolean>;

/**
 * ngx_thread_pool_add: records a reference to the pool `name` (`default` when null), as
 * `aio threads[=name]` does. Returns the pools and whether this reference was the first.
 */
export function threadPoolAdd(cx: SetterContext, name: string | null): { pools: ThreadPools; first: boolean } {
  let pools = cx.global.get(POOLS) as ThreadPools | undefined;
  if (pools === undefined) {
    pools = new Map();
    cx.global.set(POOLS, pools);
  }
  const key = name ?? 'default';
  const first = !pools.has(key);
  if (first) pools.set(key, false);
  return { pools, first };
}

/**
 * ngx_thread_pool: `thread_pool name threads=N [max_queue=N]`. Like nginx, parameters other than
 * these two are ignored without a word.
 */
const threadPool: Setter = (cx, args) => {
  const name = args[0]?.value ?? '';
  const { pools } = threadPoolAdd(cx, name);
  if (pools.get(name) === true) {
    cx.error(`duplicate thread pool "${name}"`);
    return;
  }
  let threads = 0;
  for (const a of args.slice(1)) {
    const v = a.value;
    if (v.startsWith('threads=')) {
      const n = parseNumber(v.slice(8));
      if (n === null || n === 0) {
        cx.error(`invalid threads value "${v}"`);
        return;
      }
      threads = n;
    } else if (v.startsWith('max_queue=')) {
      if (parseNumber(v.slice(10)) === null) {
        cx.error(`invalid max_queue value "${v}"`);
        return;
      }
    }
  }
  if (threads === 0) {
    cx.error(`"${cx.directive.name}" must have "threads" parameter`);
    return;
  }
  pools.set(name, true);
};

const directives: readonly DirectiveSpec[] = [
  { name: 'thread_pool', module: M, contexts: ['MAIN'], args: [2, 3], slot: { kind: 'none' }, set: threadPool, effect: 'none' },
];

export const ngxThreadPoolModule: ModuleSpec = { name: M, directives };
