/**
 * ngx_http_v2_module (src/http/v2/ngx_http_v2_module.c): HTTP/2 tuning. `listen ... http2` turns
 * the protocol on; these knobs are accepted without effect.
 */
import type { Context, DirectiveSpec, ModuleSpec, Setter } from '../registry/types.js';
import { poolSize } from './setters.js';
import { parseNumber, parseSize } from '../values.js';

const M = 'ngx_http_v2_module';
const MS: readonly Context[] = ['HTTP_MAIN', 'HTTP_SRV'];
const MSL: readonly Context[] = ['HTTP_MAIN', 'HTTP_SRV', 'HTTP_LOC'];

/** NGX_HTTP_V2_STATE_BUFFER_SIZE and NGX_HTTP_V2_MAX_WINDOW. */
const STATE_BUFFER_SIZE = 16;
const MAX_WINDOW = 2 ** 31 - 1;

/** ngx_http_v2_recv_buffer_size: more than twice the state buffer. */
const recvBufferSize: Setter = (cx, args) => {
  const n = parseSize(args[0]?.value ?? '');
  if (n !== null && n <= 2 * STATE_BUFFER_SIZE) cx.fail('value is too small');
};

/** ngx_http_v2_preread_size: at most the largest flow-control window. */
const prereadSize: Setter = (cx, args) => {
  const n = parseSize(args[0]?.value ?? '');
  if (n !== null && n > MAX_WINDOW) cx.error(`the maximum body preread buffer size is ${MAX_WINDOW}`);
};

/** ngx_http_v2_streams_index_mask: a power of two. */
const streamsIndexMask: Setter = (cx, args) => {
  const n = parseNumber(args[0]?.value ?? '');
  if (n === null) return;
  const b = BigInt(n);
  if (b === 0n || (b & (b - 1n)) !== 0n) cx.fail('must be a power of two');
};

/** ngx_http_v2_chunk_size: not zero (larger values are cut to the maximum frame size). */
const chunkSize: Setter = (cx, args) => {
  if (parseSize(args[0]?.value ?? '') === 0) cx.error('the http2 chunk size cannot be zero');
};

/** ngx_http_v2_obsolete: a warning naming the directive that replaced it; the value is not read. */
function obsolete(newName: string): Setter {
  return (cx) => {
    cx.error(`the "${cx.directive.name}" directive is obsolete, use the "${newName}" directive instead`, 'warn');
  };
}

/** ngx_http_v2_push: `off`, or URIs that add up; the two do not mix at one level. */
const http2Push: Setter = (cx, args) => {
  const key = 'ngx_http_v2_module:push';
  const state = cx.level.get(key);
  if ((args[0]?.value ?? '') === 'off') {
    if (state === 'list') {
      cx.fail('"off" parameter cannot be used with URI');
      return;
    }
    if (state === 'off') {
      cx.fail('is duplicate');
      return;
    }
    cx.level.set(key, 'off');
    return;
  }
  if (state === 'off') {
    cx.fail('URI cannot be used with "off" parameter');
    return;
  }
  cx.level.set(key, 'list');
};

const directives: readonly DirectiveSpec[] = [
  {
    name: 'http2_recv_buffer_size',
    module: M,
    contexts: ['HTTP_MAIN'],
    args: [1],
    slot: { kind: 'size' },
    set: recvBufferSize,
    effect: 'none',
  },
  { name: 'http2_pool_size', module: M, contexts: MS, args: [1], slot: { kind: 'size' }, set: poolSize, effect: 'none' },
  { name: 'http2_max_concurrent_streams', module: M, contexts: MS, args: [1], slot: { kind: 'num' }, effect: 'none' },
  { name: 'http2_max_concurrent_pushes', module: M, contexts: MS, args: [1], slot: { kind: 'num' }, effect: 'none' },
  {
    name: 'http2_max_requests',
    module: M,
    contexts: MS,
    args: [1],
    slot: { kind: 'none' },
    set: obsolete('keepalive_requests'),
    effect: 'none',
  },
  {
    name: 'http2_max_field_size',
    module: M,
    contexts: MS,
    args: [1],
    slot: { kind: 'none' },
    set: obsolete('large_client_header_buffers'),
    effect: 'none',
  },
  {
    name: 'http2_max_header_size',
    module: M,
    contexts: MS,
    args: [1],
    slot: { kind: 'none' },
    set: obsolete('large_client_header_buffers'),
    effect: 'none',
  },
  {
    name: 'http2_body_preread_size',
    module: M,
    contexts: MS,
    args: [1],
    slot: { kind: 'size' },
    set: prereadSize,
    effect: 'none',
  },
  {
    name: 'http2_streams_index_size',
    module: M,
    contexts: MS,
    args: [1],
    slot: { kind: 'num' },
    set: streamsIndexMask,
    effect: 'none',
  },
  {
    name: 'http2_recv_timeout',
    module: M,
    contexts: MS,
    args: [1],
    slot: { kind: 'none' },
    set: obsolete('client_header_timeout'),
    effect: 'none',
  },
  {
    name: 'http2_idle_timeout',
    module: M,
    contexts: MS,
    args: [1],
    slot: { kind: 'none' },
    set: obsolete('keepalive_timeout'),
    effect: 'none',
  },
  { name: 'http2_chunk_size', module: M, contexts: MSL, args: [1], slot: { kind: 'size' }, set: chunkSize, effect: 'none' },
  { name: 'http2_push_preload', module: M, contexts: MSL, args: 'FLAG', slot: { kind: 'flag' }, effect: 'none' },
  { name: 'http2_push', module: M, contexts: MSL, args: [1], slot: { kind: 'none' }, set: http2Push, effect: 'none' },
];

export const ngxHttpV2Module: ModuleSpec = { name: M, directives };
