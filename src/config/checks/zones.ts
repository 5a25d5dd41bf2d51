/**
 * `zero size shared memory zone "X"`: a `limit_req zone=X` or `limit_conn X` names a zone that no
 * `limit_req_zone` / `limit_conn_zone` defines. nginx finds it at cycle init (ngx_init_cycle),
 * after the whole configuration is read, and prints it without a file:line.
 */
import type { Directive } from '../ast.js';
import { directivesOf } from './expanded.js';
import type { PostCheckContext } from './post-check.js';

/** Checks the zones used against the zones defined, in the whole http block. */
export function checkZones(http: Directive, cx: PostCheckContext): boolean {
  const defined = new Set<string>();
  const used: { name: string; d: Directive }[] = [];
  const walk = (list: readonly Directive[]): void => {
    // Indexed, not for-of: this runs cold in ngts -t, where V8's interpreter makes an object for
    // each step of a for-of loop.
    for (let i = 0; i < list.length; i++) {
      const d = list[i]!;
      if (d.name === 'limit_req_zone' || d.name === 'limit_conn_zone') {
        for (const a of d.args) {
          const m = /^zone=([^:]*)(:|$)/.exec(a.value);
          if (m) defined.add(`${d.name}:${m[1]}`);
        }
      } else if (d.name === 'limit_req') {
        for (const a of d.args) {
          const m = /^zone=(.*)$/.exec(a.value);
          if (m) used.push({ name: `limit_req_zone:${m[1]}`, d });
        }
      } else if (d.name === 'limit_conn' && d.args[0]) {
        used.push({ name: `limit_conn_zone:${d.args[0].value}`, d });
      }
      if (d.block !== null && d.name !== 'map' && d.name !== 'types' && d.name !== 'geo' && d.name !== 'split_clients') {
        walk(directivesOf(d.block, cx.includes));
      }
    }
  };
  walk(directivesOf(http.block ?? [], cx.includes));
  for (const u of used) {
    if (defined.has(u.name)) continue;
    const zone = u.name.slice(u.name.indexOf(':') + 1);
    cx.report('emerg', `zero size shared memory zone "${zone}"`, u.d.span.file, u.d.terminator, 'zero-size-zone', {
      unlocated: true,
      hint: `no ${u.name.slice(0, u.name.indexOf(':'))} defines the zone "${zone}"`,
    });
    return false;
  }
  return true;
}
