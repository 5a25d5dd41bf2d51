/**
 * ngx_http_access_module (src/http/modules/ngx_http_access_module.c): allow and deny, checked in
 * order in the access phase.
 */
import type { Context, DirectiveSpec, ModuleSpec, Setter } from '../registry/types.js';
import { parseCidr } from '../values.js';

const M = 'ngx_http_access_module';
const WHERE: readonly Context[] = ['HTTP_MAIN', 'HTTP_SRV', 'HTTP_LOC', 'HTTP_LMT'];

/** ngx_http_access_rule: `all`, `unix:` or an address with an optional mask. */
const accessRule: Setter = (cx, args) => {
  const v = args[0]?.value ?? '';
  if (v === 'all' || v === 'unix:') return;
  const cidr = parseCidr(v);
  if (cidr === null) {
    cx.error(`invalid parameter "${v}"`);
    return;
  }
  if (cidr.lowBitsSet) cx.error(`low address bits of ${v} are meaningless`, 'warn');
};

const directives: readonly DirectiveSpec[] = [
  { name: 'allow', module: M, contexts: WHERE, args: [1], slot: { kind: 'none' }, set: accessRule, effect: 'runtime' },
  { name: 'deny', module: M, contexts: WHERE, args: [1], slot: { kind: 'none' }, set: accessRule, effect: 'runtime' },
];

export const ngxHttpAccessModule: ModuleSpec = { name: M, directives };
