/** ngx_events_module (src/event/ngx_event.c): the `events` block. */
import type { DirectiveSpec, ModuleSpec, Setter } from '../registry/types.js';
import { MODULES_USED } from './ngx_core_module.js';

const M = 'ngx_events_module';

/** ngx_events_block: one `events` block per configuration; it counts the modules (see load_module). */
const eventsBlock: Setter = (cx) => {
  cx.global.set(MODULES_USED, true);
  if (cx.global.has('ngx_events_module:events')) {
    cx.fail('is duplicate');
    return;
  }
  cx.global.set('ngx_events_module:events', true);
};

const directives: readonly DirectiveSpec[] = [
  {
    name: 'events',
    module: M,
    contexts: ['MAIN'],
    args: [0],
    block: { kind: 'directives', context: 'EVENT' },
    slot: { kind: 'none' },
    set: eventsBlock,
    effect: 'runtime',
  },
];

export const ngxEventsModule: ModuleSpec = { name: M, directives };
