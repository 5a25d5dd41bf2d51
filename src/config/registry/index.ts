/**
 * All directive declarations, by name. A name may have several declarations (the `server` of
 * http and the `server` of upstream); the dispatcher picks the one allowed in the current context.
 */
import { partA } from '../modules/part-a.js';
import { partB } from '../modules/part-b.js';
import type { DirectiveSpec, ModuleSpec } from './types.js';

/** Every module ngts knows, in nginx's module order as far as it matters. */
export const modules: readonly ModuleSpec[] = [...partA, ...partB];

function index(list: readonly ModuleSpec[]): Map<string, DirectiveSpec[]> {
  const byName = new Map<string, DirectiveSpec[]>();
  for (const m of list) {
    for (const d of m.directives) {
      const known = byName.get(d.name);
      if (known) known.push(d);
      else byName.set(d.name, [d]);
    }
  }
  return byName;
}

/** Directive declarations by name. */
export const registry: ReadonlyMap<string, readonly DirectiveSpec[]> = index(modules);
