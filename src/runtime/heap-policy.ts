/**
 * How a serving process sizes V8's heap. nginx serves a proxied request in a few kilobytes of
 * pool memory that it frees at once; a Node process allocates ~16 KiB of short-lived objects per
 * proxied request and frees them in batches, so its resident size is mostly what V8 lets pile up
 * between collections. Left to its defaults, V8 grows each of the two semi-spaces of the young
 * generation to 16 MiB under load and lets the old generation double between full collections:
 * a process that starts at 55 MiB peaks past 100 MiB on a keep-alive proxy load.
 *
 * `lean` (the default of `ngts run`) keeps the semi-spaces at 4 MiB and the old generation's
 * growth at 20%. Node takes these sizes only on its own command line (`--max-semi-space-size`),
 * which `npx ngts` cannot pass; but V8 reads two of its flags each time it decides to grow, so they
 * can be set while running:
 * - `--semi-space-growth-factor`: the factor by which a full semi-space grows after a scavenge. It
 *   stays 2 until the semi-space has reached the target, and is then set to 1 (no growth). V8
 *   shrinks the young generation again when allocation slows down, and the factor goes back to 2.
 * - `--heap-growing-percent`: how far past the live size the old generation may grow before the
 *   next full collection. Set to 20 only while little memory is held outside the heap (Buffers):
 *   with 100 KiB responses in flight, V8 applies the percentage to the limit that counts that
 *   memory too and collects all the time (CPU per request 50 → 100+ µs); there the policy gives
 *   the choice back to V8 (0: its own heuristics).
 * Measured with bench/http.mjs (README): the keep-alive small-JSON load peaks under 80 MiB instead
 * of ~105, for some more CPU per request (scavenges come four times as often, and each copies
 * about as much: the requests in flight).
 *
 * `node` leaves V8's defaults (for the most requests per second with memory to spare).
 */
import { PerformanceObserver } from 'node:perf_hooks';
import v8 from 'node:v8';
import { connectionCounters } from './http/connection-stats.js';

export type HeapPolicy = 'lean' | 'node';
export const HEAP_POLICIES: readonly HeapPolicy[] = ['lean', 'node'];

/** The size each semi-space stops growing at under `lean`… */
export const LEAN_SEMI_SPACE_BYTES = 4 * 1024 * 1024;
/**
 * …while at most this many client connections are open. Past it, the requests in flight fill a
 * 4 MiB semi-space by themselves: every scavenge copies them and promotes most of them (1,000
 * keep-alive connections: 0.45x nginx's req/s with V8's sizes, 0.33x at 4 MiB), so V8 sizes it.
 */
export const LEAN_MAX_CONNECTIONS = 256;
/** The old generation may grow 20% past what the last full collection left… */
const LEAN_HEAP_GROWING_PERCENT = 20;
/** …while at most this much memory is held outside the heap (V8's external memory). */
const LEAN_EXTERNAL_BYTES = 4 * 1024 * 1024;

let observer: PerformanceObserver | null = null;

/** The young generation's two semi-spaces, in bytes (V8 reports them together as new_space). */
function semiSpaceBytes(): number {
  for (const s of v8.getHeapSpaceStatistics()) if (s.space_name === 'new_space') return s.space_size / 2;
  return 0;
}

/** Applies the policy to this process; called once the listeners are open (compiling a large configuration runs with V8's defaults). */
export function applyHeapPolicy(policy: HeapPolicy): void {
  if (policy !== 'lean' || observer !== null) return;
  let factor = 0;
  let growing = -1;
  const steer = (): void => {
    const f = semiSpaceBytes() >= LEAN_SEMI_SPACE_BYTES && connectionCounters.active <= LEAN_MAX_CONNECTIONS ? 1 : 2;
    if (f !== factor) v8.setFlagsFromString(`--semi-space-growth-factor=${(factor = f)}`);
    const g = v8.getHeapStatistics().external_memory > LEAN_EXTERNAL_BYTES ? 0 : LEAN_HEAP_GROWING_PERCENT;
    if (g !== growing) v8.setFlagsFromString(`--heap-growing-percent=${(growing = g)}`);
  };
  steer();
  // A semi-space grows only at the end of a scavenge: look after each collection. The observer
  // costs nothing while the process is idle (no timer), and a few µs per collection under load.
  observer = new PerformanceObserver(steer);
  observer.observe({ entryTypes: ['gc'] });
}
