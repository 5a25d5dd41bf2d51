/**
 * ngx_http_referer_module (src/http/modules/ngx_http_referer_module.c): $invalid_referer, computed
 * from the Referer header against valid_referers. Host names go into a wildcard hash (with
 * ngx_hash_add_key's conflict rules); `~` entries are caseless regexes.
 */
import type { Context, DirectiveSpec, ModuleSpec, Setter } from '../registry/types.js';
import { HashKeys } from '../hash-keys.js';
import { regexError } from './ngx_http_rewrite_module.js';

const M = 'ngx_http_referer_module';
const SL: readonly Context[] = ['HTTP_SRV', 'HTTP_LOC'];

/** What valid_referers collected at one level (nginx's rlcf). */
interface Referers {
  readonly keys: HashKeys;
  none: boolean;
  blocked: boolean;
  valid: boolean;
}

/**
 * ngx_http_valid_referers: `none`, `blocked`, `server_names`, `~regex` or `host[/uri]`; may repeat.
 * `server_names` adds the server's names in nginx, which is not modelled (their conflicts are not
 * found). `none`/`blocked` alone is refused when the location's configuration is merged.
 */
const validReferers: Setter = (cx, args) => {
  const key = `${M}:referers`;
  let r = cx.level.get(key) as Referers | undefined;
  const first = r === undefined;
  if (r === undefined) {
    r = { keys: new HashKeys(), none: false, blocked: false, valid: false };
    cx.level.set(key, r);
  }
  const state = r;
  for (const a of args) {
    const v = a.value;
    if (v.length === 0) {
      cx.error(`invalid referer "${v}"`);
      return;
    }
    if (v === 'none') {
      state.none = true;
      continue;
    }
    if (v === 'blocked') {
      state.blocked = true;
      continue;
    }
    if (v === 'server_names') {
      state.valid = true;
      continue;
    }
    if (v.startsWith('~')) {
      const err = regexError(v.slice(1), true);
      if (err !== null) {
        cx.error(err);
        return;
      }
      state.valid = true;
      continue;
    }
    const slash = v.indexOf('/');
    const host = slash < 0 ? v : v.slice(0, slash);
    const added = state.keys.add(host, true);
    if (added.rc === 'declined') {
      cx.error(`invalid hostname or wildcard "${host}"`);
      return;
    }
    if (added.rc === 'busy') {
      cx.error(`conflicting parameter "${added.shown}"`);
      return;
    }
    state.valid = true;
  }
  if (first) {
    cx.defer('http', (later) => {
      if ((state.none || state.blocked) && !state.valid) {
        later.error(
          'the "none" or "blocked" referers are specified in the "valid_referers" directive without any valid referer',
        );
      }
    });
  }
};

const directives: readonly DirectiveSpec[] = [
  { name: 'valid_referers', module: M, contexts: SL, args: '1MORE', slot: { kind: 'none' }, set: validReferers, effect: 'runtime' },
  // Hash sizing only; ngts uses its own tables.
  { name: 'referer_hash_max_size', module: M, contexts: SL, args: [1], slot: { kind: 'num' }, effect: 'none' },
  { name: 'referer_hash_bucket_size', module: M, contexts: SL, args: [1], slot: { kind: 'num' }, effect: 'none' },
];

export const ngxHttpRefererModule: ModuleSpec = { name: M, directives };
