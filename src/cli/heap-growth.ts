/**
 * How far a server's V8 heap may grow past what its last full GC kept alive. V8 lets the old
 * generation grow by up to 4x its live size before the next mark-compact when the machine has
 * memory to spare, which a proxy under load fills with promoted garbage: measured with wrk on the
 * keep-alive small-JSON cell of bench/http.mjs, peak RSS at 1,000 connections went from 156–184
 * MiB to 121–123 with a 30% bound, 50 connections from 101–109 to 101, CPU per request within the
 * noise of the runs (a mark-compact of ~11 MB live takes a few ms, a few times a second).
 * V8 reads the flag each time it sets the limit, so it can be set once the process is running; a
 * value given on node's own command line wins.
 */
import { setFlagsFromString } from 'node:v8';

export function boundHeapGrowth(): void {
  if (process.execArgv.some((a) => a.startsWith('--heap-growing-percent') || a.startsWith('--heap_growing_percent'))) return;
  setFlagsFromString('--heap-growing-percent=30');
}
