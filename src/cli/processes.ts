/**
 * How many processes `ngts run` starts: nginx's `master_process` (on by default) and
 * `worker_processes` (1 by default, `auto`: one per CPU, ngx_ncpu). With `master_process off`
 * nginx runs one process whatever worker_processes says; so does ngts. With one worker ngts also
 * runs one process (it serves exactly as a master with one worker would, without the IPC the
 * shared zones need); with more, a master and its workers (master.ts).
 */
import { cpus, availableParallelism } from 'node:os';
import type { CheckedConfig } from '../config/validate.js';

/** The value of a main-context directive (-g first, as nginx reads it), or undefined. */
function mainValue(checked: CheckedConfig, name: string): string | undefined {
  const globals = checked.files.find((f) => f.path === 'command line');
  for (const s of [...(globals?.statements ?? []), ...checked.main.statements]) {
    if (s.kind === 'directive' && s.name === name) return s.args[0]?.value;
  }
  return undefined;
}

/** ngx_ncpu: the CPUs online (sysconf(_SC_NPROCESSORS_ONLN)). */
export function cpuCount(): number {
  return cpus().length || availableParallelism();
}

/** The worker processes to start: 1 means serve in this process (no master). */
export function workerProcesses(checked: CheckedConfig): number {
  if (mainValue(checked, 'master_process') === 'off') return 1;
  return workerCount(checked);
}

/** `worker_processes` as nginx reads it (ngx_set_worker_processes): a number, or auto. */
export function workerCount(checked: CheckedConfig): number {
  const v = mainValue(checked, 'worker_processes');
  if (v === undefined) return 1;
  if (v === 'auto') return cpuCount();
  const n = Number(v);
  return Number.isSafeInteger(n) && n > 0 ? n : 1;
}
