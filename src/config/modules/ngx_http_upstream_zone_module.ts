/** ngx_http_upstream_zone_module: `zone name [size]`, sharing an upstream's state between workers. */
import type { DirectiveSpec, ModuleSpec, Setter } from '../registry/types.js';
import { PAGE_SIZE, sharedMemoryAdd } from './setters.js';
import { parseSize } from '../values.js';

const M = 'ngx_http_upstream_zone_module';

/**
 * ngx_http_upstream_zone: a named zone of at least 8 pages. Zones are tagged with
 * ngx_http_upstream_module, as nginx does, so upstreams may share one.
 */
const upstreamZone: Setter = (cx, args) => {
  const name = args[0]?.value ?? '';
  if (name === '') {
    cx.error(`invalid zone name "${name}"`);
    return;
  }
  let size = 0;
  const sizeArg = args[1];
  if (sizeArg !== undefined) {
    const n = parseSize(sizeArg.value);
    if (n === null) {
      cx.error(`invalid zone size "${sizeArg.value}"`);
      return;
    }
    if (n < 8 * PAGE_SIZE) {
      cx.error(`zone "${name}" is too small`);
      return;
    }
    size = n;
  }
  sharedMemoryAdd(cx, name, size, 'ngx_http_upstream_module');
};

const directives: readonly DirectiveSpec[] = [
  { name: 'zone', module: M, contexts: ['HTTP_UPS'], args: [1, 2], slot: { kind: 'none' }, set: upstreamZone, effect: 'runtime' },
];

export const ngxHttpUpstreamZoneModule: ModuleSpec = { name: M, directives };
