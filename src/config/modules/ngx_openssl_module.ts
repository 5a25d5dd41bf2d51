/** ngx_openssl_module (src/event/ngx_event_openssl.c): `ssl_engine`. */
import type { DirectiveSpec, ModuleSpec, Setter } from '../registry/types.js';
import { isDuplicate } from './setters.js';

const M = 'ngx_openssl_module';

/** ngx_openssl_engine: only the duplicate check; whether OpenSSL has the engine is not modelled. */
const opensslEngine: Setter = (cx) => {
  isDuplicate(cx, 'ngx_openssl_module:ssl_engine');
};

const directives: readonly DirectiveSpec[] = [
  { name: 'ssl_engine', module: M, contexts: ['MAIN'], args: [1], slot: { kind: 'none' }, set: opensslEngine, effect: 'none' },
];

export const ngxOpensslModule: ModuleSpec = { name: M, directives };
