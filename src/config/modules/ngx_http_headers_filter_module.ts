/** ngx_http_headers_filter_module: `add_header`, `add_trailer` and `expires`. */
import type { Context, DirectiveSpec, ModuleSpec, Setter } from '../registry/types.js';
import { isDuplicate } from './setters.js';
import { countVariables, parseExpires } from '../values.js';

const M = 'ngx_http_headers_filter_module';
const MSLI: readonly Context[] = ['HTTP_MAIN', 'HTTP_SRV', 'HTTP_LOC', 'HTTP_LIF'];

/**
 * ngx_http_headers_expires: `[modified] time|epoch|max|off`. A value with variables is parsed per
 * request.
 */
const headersExpires: Setter = (cx, args) => {
  if (isDuplicate(cx, 'ngx_http_headers_filter_module:expires')) return;
  const modified = args.length === 2;
  if (modified && args[0]?.value !== 'modified') {
    cx.fail('invalid value');
    return;
  }
  const v = args[args.length - 1]?.value ?? '';
  if (countVariables(v) > 0) return;
  const r = parseExpires(v, modified);
  if (!r.ok) cx.fail(r.reason);
};

/** ngx_http_headers_add: `name value [always]`; the lists add up at one level. */
const headersAdd: Setter = (cx, args) => {
  const option = args[2];
  if (option !== undefined && option.value !== 'always') cx.error(`invalid parameter "${option.value}"`);
};

const directives: readonly DirectiveSpec[] = [
  { name: 'expires', module: M, contexts: MSLI, args: [1, 2], slot: { kind: 'none' }, set: headersExpires, effect: 'runtime' },
  { name: 'add_header', module: M, contexts: MSLI, args: [2, 3], slot: { kind: 'none' }, set: headersAdd, effect: 'runtime' },
  { name: 'add_trailer', module: M, contexts: MSLI, args: [2, 3], slot: { kind: 'none' }, set: headersAdd, effect: 'runtime' },
];

export const ngxHttpHeadersFilterModule: ModuleSpec = { name: M, directives };
