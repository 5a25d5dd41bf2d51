/**
 * ngx_http_charset_filter_module (src/http/modules/ngx_http_charset_filter_module.c): the charset
 * of responses and recoding between charsets, accepted with nginx's checks but not run by ngts.
 * The "no charset_map between the charsets" check of its postconfiguration is not modelled.
 */
import type { Context, DirectiveSpec, ModuleSpec, Setter } from '../registry/types.js';
import { isDuplicate, typesSlot } from './setters.js';
import { checkCharsetMapBody } from '../blocks/charset-map.js';

const M = 'ngx_http_charset_filter_module';
const MSL: readonly Context[] = ['HTTP_MAIN', 'HTTP_SRV', 'HTTP_LOC'];
const MAIN: readonly Context[] = ['HTTP_MAIN'];

/** ngx_http_set_charset_slot: once per level; `off` (charset only), a `$variable` or a name. */
const charsetSlot: Setter = (cx) => {
  isDuplicate(cx, `charset:${cx.directive.name}`);
};

/** The charset pairs that have a table (mcf->tables), by lowercased name. */
const TABLES = 'ngx_http_charset_filter_module:tables';

/** ngx_http_charset_map_block: one table per pair of distinct charsets, then the body's lines. */
const charsetMap: Setter = (cx, args) => {
  const src = args[0]?.value ?? '';
  const dst = args[1]?.value ?? '';
  const s = src.toLowerCase();
  const d = dst.toLowerCase();
  if (s === d) {
    cx.error(`"charset_map" between the same charsets "${src}" and "${dst}"`);
    return;
  }
  let tables = cx.global.get(TABLES) as [string, string][] | undefined;
  if (tables === undefined) {
    tables = [];
    cx.global.set(TABLES, tables);
  }
  if (tables.some(([a, b]) => (a === s && b === d) || (a === d && b === s))) {
    cx.error(`duplicate "charset_map" between "${src}" and "${dst}"`);
    return;
  }
  tables.push([s, d]);
  // Lines are reported at the directive: SetterContext cannot name another line.
  checkCharsetMapBody(cx.directive.block ?? [], d === 'utf-8', (message, at, level) => cx.errorAt(at.span.file, at.terminator, message, level));
};

const directives: readonly DirectiveSpec[] = [
  { name: 'charset', module: M, contexts: ['HTTP_MAIN', 'HTTP_SRV', 'HTTP_LOC', 'HTTP_LIF'], args: [1], slot: { kind: 'none' }, set: charsetSlot, effect: 'none' },
  { name: 'source_charset', module: M, contexts: ['HTTP_MAIN', 'HTTP_SRV', 'HTTP_LOC', 'HTTP_LIF'], args: [1], slot: { kind: 'none' }, set: charsetSlot, effect: 'none' },
  { name: 'override_charset', module: M, contexts: ['HTTP_MAIN', 'HTTP_SRV', 'HTTP_LOC', 'HTTP_LIF'], args: 'FLAG', slot: { kind: 'flag' }, effect: 'none' },
  { name: 'charset_types', module: M, contexts: MSL, args: '1MORE', slot: { kind: 'none' }, set: typesSlot('text/html'), effect: 'none' },
  { name: 'charset_map', module: M, contexts: MAIN, args: [2], block: { kind: 'freeform' }, slot: { kind: 'none' }, set: charsetMap, effect: 'none' },
];

export const ngxHttpCharsetFilterModule: ModuleSpec = { name: M, directives };
