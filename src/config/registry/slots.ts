/**
 * The generic setters of nginx (ngx_conf_set_*_slot in src/core/ngx_conf_file.c): value checks and
 * the "is duplicate" rule, with nginx's exact messages. Custom setters run after these.
 */
import type { Arg } from '../ast.js';
import { parseNumber, parseOffset, parseSize, parseTime } from '../values.js';
import type { DirectiveSpec, SetterContext } from './types.js';

/** Runs the checks of `spec.slot` for one occurrence of the directive. */
export function checkSlot(spec: DirectiveSpec, cx: SetterContext, args: readonly Arg[]): void {
  const slot = spec.slot;
  const v = args[0]?.value ?? '';
  const dupKey = `slot:${spec.name}`;
  const duplicate = (): boolean => {
    if (cx.level.has(dupKey)) {
      cx.fail('is duplicate');
      return true;
    }
    cx.level.set(dupKey, true);
    return false;
  };
  switch (slot.kind) {
    case 'none':
    case 'str_array':
    case 'keyval':
      return;
    case 'str':
      duplicate();
      return;
    case 'flag': {
      if (duplicate()) return;
      const lower = v.toLowerCase();
      if (lower !== 'on' && lower !== 'off') {
        cx.error(`invalid value "${v}" in "${spec.name}" directive, it must be "on" or "off"`);
      }
      return;
    }
    case 'num':
      if (duplicate()) return;
      if (parseNumber(v) === null) cx.fail('invalid number');
      return;
    case 'size':
      if (duplicate()) return;
      if (parseSize(v) === null) cx.fail('invalid value');
      return;
    case 'off':
      if (duplicate()) return;
      if (parseOffset(v) === null) cx.fail('invalid value');
      return;
    case 'msec':
    case 'sec':
      if (duplicate()) return;
      if (parseTime(v, slot.kind === 'sec') === null) cx.fail('invalid value');
      return;
    case 'enum': {
      if (duplicate()) return;
      const lower = v.toLowerCase();
      if (!slot.values.some((x) => x.toLowerCase() === lower)) cx.error(`invalid value "${v}"`);
      return;
    }
    case 'bitmask': {
      // ngx_conf_set_bitmask_slot: a repeated value is a warning, an unknown one an error.
      const seen = new Set<string>();
      for (const a of args) {
        const lower = a.value.toLowerCase();
        const known = slot.values.find((x) => x.toLowerCase() === lower);
        if (known === undefined) {
          cx.error(`invalid value "${a.value}"`);
          return;
        }
        if (seen.has(known)) cx.error(`duplicate value "${a.value}"`, 'warn');
        seen.add(known);
      }
      return;
    }
  }
}
