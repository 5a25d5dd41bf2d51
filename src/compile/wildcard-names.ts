/**
 * Wildcard names as nginx's combined hash keeps them (ngx_hash_find_combined after the exact
 * lookup): leading wildcards (`*.example.com`, and `.example.com`, which also matches the bare
 * name) with the longest suffix first, then trailing ones (`www.example.*`) with the longest
 * prefix first. Server names and `map … { hostnames; }` both look names up this way.
 */

export interface HeadWildcard<T> {
  /** With its leading dot: `.example.com`. */
  readonly suffix: string;
  /** Written `.example.com`: the bare `example.com` matches too. */
  readonly bare: boolean;
  /** As written. */
  readonly name: string;
  readonly value: T;
}

export interface TailWildcard<T> {
  /** With its trailing dot: `www.example.`. */
  readonly prefix: string;
  readonly name: string;
  readonly value: T;
}

export interface Wildcards<T> {
  readonly head: readonly HeadWildcard<T>[];
  readonly tail: readonly TailWildcard<T>[];
}

/** Orders the entries as nginx's wildcard hashes answer: the most specific first. */
export function sortWildcards<T>(head: HeadWildcard<T>[], tail: TailWildcard<T>[]): Wildcards<T> {
  head.sort((x, y) => y.suffix.length - x.suffix.length);
  tail.sort((x, y) => y.prefix.length - x.prefix.length);
  return { head, tail };
}

/** The wildcard entry matching a lower-cased `host`, leading wildcards first, or null. */
export function findWildcard<T>(w: Wildcards<T>, host: string): { readonly kind: 'head' | 'tail'; readonly entry: HeadWildcard<T> | TailWildcard<T> } | null {
  for (const e of w.head) {
    if ((host.length > e.suffix.length && host.endsWith(e.suffix)) || (e.bare && host.length === e.suffix.length - 1 && e.suffix.endsWith(host))) {
      return { kind: 'head', entry: e };
    }
  }
  for (const e of w.tail) if (host.length > e.prefix.length && host.startsWith(e.prefix)) return { kind: 'tail', entry: e };
  return null;
}
