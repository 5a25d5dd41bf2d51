/** ngx_event_core_module (src/event/ngx_event.c): connection limits and the event method. */
import type { Context, DirectiveSpec, ModuleSpec, Setter } from '../registry/types.js';
import { isDuplicate } from './setters.js';
import { parseCidr, parseNumber } from '../values.js';

const M = 'ngx_event_core_module';
const EVENT: readonly Context[] = ['EVENT'];

/**
 * The event modules of the Debian Linux build, by their ngx_event_module_t names. `event_core`
 * is one too, so nginx accepts `use event_core`.
 */
const EVENT_TYPES = ['event_core', 'epoll'];

/** ngx_event_connections: a number, with a message of its own. */
const eventConnections: Setter = (cx, args) => {
  if (isDuplicate(cx, 'ngx_event_core_module:worker_connections')) return;
  const v = args[0]?.value ?? '';
  if (parseNumber(v) === null) cx.error(`invalid number "${v}"`);
};

/** ngx_event_use: the name of a compiled-in event module. */
const eventUse: Setter = (cx, args) => {
  if (isDuplicate(cx, 'ngx_event_core_module:use')) return;
  const v = args[0]?.value ?? '';
  if (!EVENT_TYPES.includes(v)) cx.error(`invalid event type "${v}"`);
};

/**
 * ngx_event_debug_connection (debug build): `unix:`, an address or CIDR, or a host name. Host
 * names are not resolved here (nginx's `host not found in debug_connection`).
 */
const eventDebugConnection: Setter = (cx, args) => {
  const v = args[0]?.value ?? '';
  if (v === 'unix:') return;
  const cidr = parseCidr(v);
  if (cidr?.lowBitsSet) cx.error(`low address bits of ${v} are meaningless`, 'warn');
};

const directives: readonly DirectiveSpec[] = [
  {
    name: 'worker_connections',
    module: M,
    contexts: EVENT,
    args: [1],
    slot: { kind: 'none' },
    set: eventConnections,
    effect: 'runtime',
  },
  { name: 'use', module: M, contexts: EVENT, args: [1], slot: { kind: 'none' }, set: eventUse, effect: 'none' },
  { name: 'multi_accept', module: M, contexts: EVENT, args: 'FLAG', slot: { kind: 'flag' }, effect: 'none' },
  { name: 'accept_mutex', module: M, contexts: EVENT, args: 'FLAG', slot: { kind: 'flag' }, effect: 'none' },
  { name: 'accept_mutex_delay', module: M, contexts: EVENT, args: [1], slot: { kind: 'msec' }, effect: 'none' },
  {
    name: 'debug_connection',
    module: M,
    contexts: EVENT,
    args: [1],
    slot: { kind: 'none' },
    set: eventDebugConnection,
    effect: 'none',
  },
];

export const ngxEventCoreModule: ModuleSpec = { name: M, directives };
