/**
 * ngx_core_module (src/core/nginx.c): the main-context directives of the master and worker
 * processes. `include` is handled by the dispatcher; `error_log` belongs to ngx_errlog_module.
 */
import type { Context, DirectiveSpec, ModuleSpec, Setter } from '../registry/types.js';
import { isDuplicate } from './setters.js';
import { parseNumber } from '../values.js';

const M = 'ngx_core_module';
const MAIN: readonly Context[] = ['MAIN'];

/** Set by the `events` and `http` setters: after them nginx has counted its modules (ngx_count_modules). */
export const MODULES_USED = 'ngx_core_module:modules_used';

/** CPU_SETSIZE of glibc. */
const CPU_SETSIZE = 1024;

/** ngx_set_worker_processes: a number or `auto`. */
const setWorkerProcesses: Setter = (cx, args) => {
  if (isDuplicate(cx, 'ngx_core_module:worker_processes')) return;
  const v = args[0]?.value ?? '';
  if (v !== 'auto' && parseNumber(v) === null) cx.fail('invalid value');
};

/**
 * ngx_set_user. Only the duplicate check: the getpwnam()/getgrnam() lookups and the warning for a
 * master process not running as root depend on the machine, not on the configuration.
 */
const setUser: Setter = (cx) => {
  isDuplicate(cx, 'ngx_core_module:user');
};

/** ngx_set_priority: `[-+]number`. nginx's duplicate test is "priority != 0", so a 0 may be repeated. */
const setPriority: Setter = (cx, args) => {
  const key = 'ngx_core_module:worker_priority';
  if (cx.level.get(key) !== undefined && cx.level.get(key) !== 0) {
    cx.fail('is duplicate');
    return;
  }
  const v = args[0]?.value ?? '';
  const sign = v.charAt(0) === '-' || v.charAt(0) === '+' ? v.charAt(0) : '';
  const n = parseNumber(v.slice(sign.length));
  if (n === null) {
    cx.fail('invalid number');
    return;
  }
  cx.level.set(key, n);
};

/** ngx_set_cpu_affinity (Linux): `auto [mask]` or one bit mask per worker, read right to left. */
const setCpuAffinity: Setter = (cx, args) => {
  if (isDuplicate(cx, 'ngx_core_module:worker_cpu_affinity')) return;
  let masks = args.map((a) => a.value);
  if (masks[0] === 'auto') {
    if (args.length > 2) {
      cx.error('invalid number of arguments in "worker_cpu_affinity" directive');
      return;
    }
    masks = masks.slice(1);
  }
  for (const mask of masks) {
    if (mask.length > CPU_SETSIZE) {
      cx.error(`"worker_cpu_affinity" supports up to ${CPU_SETSIZE} CPUs only`);
      return;
    }
    for (let i = mask.length - 1; i >= 0; i--) {
      const ch = mask.charAt(i);
      if (ch === ' ' || ch === '0' || ch === '1') continue;
      cx.error(`invalid character "${ch}" in "worker_cpu_affinity"`);
      return;
    }
  }
};

/**
 * ngx_load_module: too late once `events` or `http` has been read. Loading the shared object
 * (dlopen) is not modelled: ngts runs no nginx modules.
 */
const loadModule: Setter = (cx) => {
  if (cx.global.get(MODULES_USED) === true) cx.fail('is specified too late');
};

const directives: readonly DirectiveSpec[] = [
  { name: 'daemon', module: M, contexts: MAIN, args: 'FLAG', slot: { kind: 'flag' }, effect: 'none' },
  { name: 'master_process', module: M, contexts: MAIN, args: 'FLAG', slot: { kind: 'flag' }, effect: 'none' },
  { name: 'timer_resolution', module: M, contexts: MAIN, args: [1], slot: { kind: 'msec' }, effect: 'none' },
  { name: 'pid', module: M, contexts: MAIN, args: [1], slot: { kind: 'str' }, effect: 'runtime' },
  { name: 'lock_file', module: M, contexts: MAIN, args: [1], slot: { kind: 'str' }, effect: 'none' },
  {
    name: 'worker_processes',
    module: M,
    contexts: MAIN,
    args: [1],
    slot: { kind: 'none' },
    set: setWorkerProcesses,
    effect: 'runtime',
  },
  {
    name: 'debug_points',
    module: M,
    contexts: MAIN,
    args: [1],
    slot: { kind: 'enum', values: ['stop', 'abort'] },
    effect: 'none',
  },
  { name: 'user', module: M, contexts: MAIN, args: [1, 2], slot: { kind: 'none' }, set: setUser, effect: 'none' },
  {
    name: 'worker_priority',
    module: M,
    contexts: MAIN,
    args: [1],
    slot: { kind: 'none' },
    set: setPriority,
    effect: 'none',
  },
  {
    name: 'worker_cpu_affinity',
    module: M,
    contexts: MAIN,
    args: '1MORE',
    slot: { kind: 'none' },
    set: setCpuAffinity,
    effect: 'none',
  },
  { name: 'worker_rlimit_nofile', module: M, contexts: MAIN, args: [1], slot: { kind: 'num' }, effect: 'none' },
  { name: 'worker_rlimit_core', module: M, contexts: MAIN, args: [1], slot: { kind: 'off' }, effect: 'none' },
  { name: 'worker_shutdown_timeout', module: M, contexts: MAIN, args: [1], slot: { kind: 'msec' }, effect: 'runtime' },
  { name: 'working_directory', module: M, contexts: MAIN, args: [1], slot: { kind: 'str' }, effect: 'none' },
  // ngx_set_env: no checks; `env NAME=value` sets, `env NAME` keeps a variable for the workers.
  { name: 'env', module: M, contexts: MAIN, args: [1], slot: { kind: 'none' }, effect: 'none' },
  { name: 'load_module', module: M, contexts: MAIN, args: [1], slot: { kind: 'none' }, set: loadModule, effect: 'none' },
];

export const ngxCoreModule: ModuleSpec = { name: M, directives };
