/** ngx_epoll_module (src/event/modules/ngx_epoll_module.c): the Linux event method's tuning. */
import type { Context, DirectiveSpec, ModuleSpec } from '../registry/types.js';

const M = 'ngx_epoll_module';
const EVENT: readonly Context[] = ['EVENT'];

const directives: readonly DirectiveSpec[] = [
  { name: 'epoll_events', module: M, contexts: EVENT, args: [1], slot: { kind: 'num' }, effect: 'none' },
  { name: 'worker_aio_requests', module: M, contexts: EVENT, args: [1], slot: { kind: 'num' }, effect: 'none' },
];

export const ngxEpollModule: ModuleSpec = { name: M, directives };
