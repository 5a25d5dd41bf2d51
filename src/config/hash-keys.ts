/**
 * The conflict rules of ngx_hash_add_key (src/core/ngx_hash.c), which map, valid_referers and
 * server_name use: exact keys are lowercased and unique; with NGX_HASH_WILDCARD_KEY, `*.example.com`,
 * `.example.com` and `www.example.*` are wildcards, and `.example.com` also claims `example.com`.
 */

/** A hash key without its value and line. */
export type HashEntry =
  | { readonly kind: 'exact'; readonly key: string }
  | { readonly kind: 'wildcardHead'; readonly suffix: string; readonly dot: boolean }
  | { readonly kind: 'wildcardTail'; readonly prefix: string };

/** ngx_hash_add_key's results: NGX_OK, NGX_DECLINED (bad wildcard), NGX_BUSY (conflict). */
export type AddKey =
  | { readonly rc: 'ok'; readonly entry: HashEntry }
  | { readonly rc: 'declined' }
  | { readonly rc: 'busy'; readonly shown: string };

/** The key tables of ngx_hash_keys_arrays_t, reduced to what conflict checks need. */
export class HashKeys {
  private readonly exact = new Set<string>();
  private readonly head = new Set<string>();
  private readonly tail = new Set<string>();

  /** ngx_hash_add_key(), with NGX_HASH_WILDCARD_KEY when `wildcard` (map's `hostnames`). */
  add(key: string, wildcard: boolean): AddKey {
    if (wildcard) {
      let stars = 0;
      for (let i = 0; i < key.length; i++) {
        if (key[i] === '*' && ++stars > 1) return { rc: 'declined' };
        if (key[i] === '.' && key[i + 1] === '.') return { rc: 'declined' };
      }
      if (key.length > 1 && key[0] === '.') return this.addHead(key, 1);
      if (key.length > 2) {
        if (key[0] === '*' && key[1] === '.') return this.addHead(key, 2);
        if (key.endsWith('.*')) return this.addTail(key);
      }
      if (stars > 0) return { rc: 'declined' };
    }
    const lower = key.toLowerCase();
    if (this.exact.has(lower)) return { rc: 'busy', shown: lower };
    this.exact.add(lower);
    return { rc: 'ok', entry: { kind: 'exact', key: lower } };
  }

  private addHead(key: string, skip: number): AddKey {
    // ngx_hash_strlow lowercases from `skip` on, in place: that is what the message shows.
    const shown = key.slice(0, skip) + key.slice(skip).toLowerCase();
    const suffix = shown.slice(skip);
    if (skip === 1) {
      // ".example.com" also claims the exact name "example.com".
      if (this.exact.has(suffix)) return { rc: 'busy', shown };
      this.exact.add(suffix);
    }
    if (this.head.has(suffix)) return { rc: 'busy', shown };
    this.head.add(suffix);
    return { rc: 'ok', entry: { kind: 'wildcardHead', suffix, dot: skip === 1 } };
  }

  private addTail(key: string): AddKey {
    const prefix = key.slice(0, -2).toLowerCase() + '.';
    const shown = key.slice(0, -2).toLowerCase() + key.slice(-2);
    if (this.tail.has(prefix)) return { rc: 'busy', shown };
    this.tail.add(prefix);
    return { rc: 'ok', entry: { kind: 'wildcardTail', prefix } };
  }
}

