/**
 * ngx_http_userid_filter_module (src/http/modules/ngx_http_userid_filter_module.c): client
 * identification cookies, accepted with nginx's checks but not run by ngts.
 */
import type { Context, DirectiveSpec, ModuleSpec, Setter } from '../registry/types.js';
import { isDuplicate } from './setters.js';
import { parseTime } from '../values.js';

const M = 'ngx_http_userid_filter_module';
const MSL: readonly Context[] = ['HTTP_MAIN', 'HTTP_SRV', 'HTTP_LOC'];

/** ngx_http_userid_expires: `max`, `off` or a time in seconds; once per level. */
const useridExpires: Setter = (cx, args) => {
  if (isDuplicate(cx, 'userid_expires')) return;
  const v = args[0]?.value ?? '';
  if (v === 'max' || v === 'off') return;
  if (parseTime(v, true) === null) cx.fail('invalid value');
};

/** ngx_http_userid_mark: `off` or one letter, digit or `=`; once per level. */
const useridMark: Setter = (cx, args) => {
  if (isDuplicate(cx, 'userid_mark')) return;
  const v = args[0]?.value ?? '';
  if (v === 'off' || /^[A-Za-z0-9=]$/.test(v)) return;
  cx.fail('value must be "off" or a single letter, digit or "="');
};

const directives: readonly DirectiveSpec[] = [
  { name: 'userid', module: M, contexts: MSL, args: [1], slot: { kind: 'enum', values: ['off', 'log', 'v1', 'on'] }, effect: 'none' },
  { name: 'userid_service', module: M, contexts: MSL, args: [1], slot: { kind: 'num' }, effect: 'none' },
  { name: 'userid_name', module: M, contexts: MSL, args: [1], slot: { kind: 'str' }, effect: 'none' },
  { name: 'userid_domain', module: M, contexts: MSL, args: [1], slot: { kind: 'str' }, effect: 'none' },
  { name: 'userid_path', module: M, contexts: MSL, args: [1], slot: { kind: 'str' }, effect: 'none' },
  { name: 'userid_expires', module: M, contexts: MSL, args: [1], slot: { kind: 'none' }, set: useridExpires, effect: 'none' },
  { name: 'userid_flags', module: M, contexts: MSL, args: [1, 2, 3], slot: { kind: 'bitmask', values: ['off', 'secure', 'httponly', 'samesite=strict', 'samesite=lax', 'samesite=none'] }, effect: 'none' },
  { name: 'userid_p3p', module: M, contexts: MSL, args: [1], slot: { kind: 'str' }, effect: 'none' },
  { name: 'userid_mark', module: M, contexts: MSL, args: [1], slot: { kind: 'none' }, set: useridMark, effect: 'none' },
];

export const ngxHttpUseridFilterModule: ModuleSpec = { name: M, directives };
