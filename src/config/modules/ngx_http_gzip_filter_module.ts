/**
 * ngx_http_gzip_filter_module (src/http/modules/ngx_http_gzip_filter_module.c): response
 * compression. ngts accepts these directives without effect.
 */
import type { Context, DirectiveSpec, ModuleSpec, Setter } from '../registry/types.js';
import { bufsSlot, numBounds, typesSlot } from './setters.js';
import { parseSize } from '../values.js';

const M = 'ngx_http_gzip_filter_module';
const MSL: readonly Context[] = ['HTTP_MAIN', 'HTTP_SRV', 'HTTP_LOC'];
const MSLI: readonly Context[] = ['HTTP_MAIN', 'HTTP_SRV', 'HTTP_LOC', 'HTTP_LIF'];

/** A size that must be one of the powers of two zlib takes (ngx_http_gzip_window / _hash). */
function powerOfTwoSize(largest: number, reason: string): Setter {
  return (cx, args) => {
    const n = parseSize(args[0]?.value ?? '');
    if (n === null) return;
    for (let size = largest; size > 256; size >>= 1) if (size === n) return;
    cx.fail(reason);
  };
}

const directives: readonly DirectiveSpec[] = [
  { name: 'gzip', module: M, contexts: MSLI, args: 'FLAG', slot: { kind: 'flag' }, effect: 'none' },
  { name: 'gzip_buffers', module: M, contexts: MSL, args: [2], slot: { kind: 'none' }, set: bufsSlot, effect: 'none' },
  { name: 'gzip_types', module: M, contexts: MSL, args: '1MORE', slot: { kind: 'none' }, set: typesSlot('text/html'), effect: 'none' },
  { name: 'gzip_comp_level', module: M, contexts: MSL, args: [1], slot: { kind: 'num' }, set: numBounds(1, 9), effect: 'none' },
  {
    name: 'gzip_window',
    module: M,
    contexts: MSL,
    args: [1],
    slot: { kind: 'size' },
    set: powerOfTwoSize(32 * 1024, 'must be 512, 1k, 2k, 4k, 8k, 16k, or 32k'),
    effect: 'none',
  },
  {
    name: 'gzip_hash',
    module: M,
    contexts: MSL,
    args: [1],
    slot: { kind: 'size' },
    set: powerOfTwoSize(128 * 1024, 'must be 512, 1k, 2k, 4k, 8k, 16k, 32k, 64k, or 128k'),
    effect: 'none',
  },
  { name: 'postpone_gzipping', module: M, contexts: MSL, args: [1], slot: { kind: 'size' }, effect: 'none' },
  { name: 'gzip_no_buffer', module: M, contexts: MSL, args: 'FLAG', slot: { kind: 'flag' }, effect: 'none' },
  { name: 'gzip_min_length', module: M, contexts: MSL, args: [1], slot: { kind: 'size' }, effect: 'none' },
];

export const ngxHttpGzipFilterModule: ModuleSpec = { name: M, directives };
