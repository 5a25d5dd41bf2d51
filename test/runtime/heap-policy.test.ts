// The heap policy of a serving process (src/runtime/heap-policy.ts): under `lean` the young
// generation's semi-spaces stop at 4 MiB while objects keep surviving scavenges; under `node` they
// grow to V8's 16 MiB, which shows the load below is enough to make them grow. Each policy runs in
// a child process: V8's flags are process-wide.
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';

const policyModule = new URL('../../dist/runtime/heap-policy.js', import.meta.url).href;
const MiB = 1024 * 1024;

/** The largest semi-space seen while a window of live objects rolls over (requests in flight). */
function semiSpacePeak(policy: string): number {
  const script = `
    import v8 from 'node:v8';
    const { applyHeapPolicy } = await import(${JSON.stringify(policyModule)});
    applyHeapPolicy(${JSON.stringify(policy)});
    const semi = () => v8.getHeapSpaceStatistics().find((s) => s.space_name === 'new_space').space_size / 2;
    const ring = new Array(4000);
    let max = 0;
    for (let round = 0; round < 40; round++) {
      for (let i = 0; i < 20000; i++) ring[(round * 20000 + i) % ring.length] = { a: [i, round], s: 'x' + i, o: { b: i } };
      await new Promise((r) => setImmediate(r));
      max = Math.max(max, semi());
    }
    process.stdout.write(String(max));`;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
  expect(r.stderr).toBe('');
  return Number(r.stdout);
}

describe('heap policy', () => {
  it('lean: the semi-spaces stop growing at 4 MiB', () => {
    expect(semiSpacePeak('lean')).toBe(4 * MiB);
  });
  it('node: V8 grows them to 16 MiB under the same load', () => {
    expect(semiSpacePeak('node')).toBe(16 * MiB);
  });
  it('ngts run refuses an unknown --heap', () => {
    const ngts = new URL('../../bin/ngts.js', import.meta.url).pathname;
    const r = spawnSync(process.execPath, [ngts, '-c', '/nonexistent/nginx.conf', '--heap', 'small'], { encoding: 'utf8', timeout: 10_000 });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('unknown --heap "small" (lean, node)');
  });
});
