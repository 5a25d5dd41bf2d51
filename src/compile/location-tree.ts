/**
 * nginx's location tree, built once per server and per location with nested locations
 * (src/http/ngx_http.c). Exact (`=`) and prefix locations go into a sorted, balanced binary tree
 * whose nodes hold only the part of the name after their parent's; a prefix that starts other
 * names gets those names as an `inclusive` sub-tree. Regex locations stay in file order; named
 * locations sit in a map. The lookup is src/runtime/find-location.ts.
 */
import type { Diagnostic } from '../config/diagnostics.js';

/** How a location is written: `location [modifier] name`; '@' marks a named location. */
export type LocationModifier = '' | '=' | '^~' | '~' | '~*' | '@';

/** One `location` block as the caller read it, children in file order. */
export interface LocationDef<T> {
  readonly modifier: LocationModifier;
  /** The name after the modifier; the pattern for regexes; `@name` (with the `@`) for named ones. */
  readonly name: string;
  /** For `~` and `~*`: the compiled pattern (`i` flag for `~*`), no `u` flag: URIs are latin1 bytes. */
  readonly regex?: RegExp;
  /** The pattern's capture count when the caller knows it (its PCRE translation counted them). */
  readonly captures?: number;
  /** Set by proxy_pass, fastcgi_pass, grpc_pass… in a location whose name ends with `/`. */
  readonly autoRedirect?: boolean;
  readonly children: readonly LocationDef<T>[];
  readonly payload: T;
  /** Where the block's `{` is, for "duplicate location" (nginx records the line of the `{`). */
  readonly file?: string;
  readonly line?: number;
}

/** A location after compilation, with its own nested locations. */
export interface Location<T> {
  readonly modifier: LocationModifier;
  readonly name: string;
  /** How `ngts route` shows it: `= /x`, `^~ /img/`, `~* \.png$`, `/`. */
  readonly label: string;
  readonly payload: T;
  /** `=`: matches only the whole URI. */
  readonly exactMatch: boolean;
  /** `^~`: when this is the longest prefix, the regexes of its level are not tried. */
  readonly noregex: boolean;
  readonly named: boolean;
  readonly regex: RegExp | null;
  /** Whether the regex has groups: only then must the lookup pay for `exec` instead of `test`. */
  readonly regexCaptures: boolean;
  readonly autoRedirect: boolean;
  readonly locations: LocationLevel<T>;
}

/**
 * A node of the static tree (ngx_http_location_tree_node_t). `name` is the part after the parent
 * node's prefix; `len` is how much of it nginx compares: nginx keeps it in a u_char, so a part of
 * 300 bytes compares as its first 44 (300 & 0xff). Real nginx 1.22.1 does this; so do we.
 */
export interface LocationTreeNode<T> {
  readonly left: LocationTreeNode<T> | null;
  readonly right: LocationTreeNode<T> | null;
  /** The locations whose names start with this node's full name. */
  readonly tree: LocationTreeNode<T> | null;
  readonly exact: Location<T> | null;
  readonly inclusive: Location<T> | null;
  readonly autoRedirect: boolean;
  readonly len: number;
  readonly name: string;
}

/** The locations of one level: a server, or one location with nested locations. */
export interface LocationLevel<T> {
  readonly staticLocations: LocationTreeNode<T> | null;
  readonly regexLocations: readonly Location<T>[];
}

/** A server's locations: its level, plus the named locations nginx keeps on the server. */
export interface LocationTree<T> extends LocationLevel<T> {
  readonly namedLocations: ReadonlyMap<string, Location<T>>;
}

/** What createLocationTree returns: the tree, and nginx's "duplicate location" errors. */
export interface LocationTreeResult<T> {
  readonly tree: LocationTree<T>;
  readonly diagnostics: readonly Diagnostic[];
}

/** ngx_http_location_queue_t: a static location on its way into the tree. */
interface QueueItem<T> {
  readonly name: string;
  exact: Location<T> | null;
  inclusive: Location<T> | null;
  list: QueueItem<T>[];
  readonly def: LocationDef<T>;
  /** Diagnostics of the nested levels, held back to be reported in nginx's (sorted) order. */
  readonly nested: readonly Diagnostic[];
}

const EMPTY_LEVEL: LocationLevel<never> = Object.freeze({
  staticLocations: null,
  regexLocations: Object.freeze([]),
});

/**
 * Compiles a server's locations (in file order) into nginx's lookup structures.
 * Named locations below the server level are ignored: nginx refuses them while parsing.
 */
export function createLocationTree<T>(defs: readonly LocationDef<T>[]): LocationTreeResult<T> {
  const diagnostics: Diagnostic[] = [];
  const level = initLocations(defs, true, diagnostics);
  const named = new Map<string, Location<T>>();
  for (const def of defs) {
    // nginx sorts named locations by name, stably, and ngx_http_named_location takes the first:
    // of two with one name, the first in the file wins.
    if (def.modifier === '@' && !named.has(def.name)) named.set(def.name, compileLocation(def, false, diagnostics));
  }
  const tree: LocationTree<T> = Object.freeze({ ...level, namedLocations: named });
  return { tree, diagnostics };
}

/**
 * ngx_http_init_locations + ngx_http_init_static_location_trees. nginx builds static trees only
 * down chains of static locations: below a regex location, nested `=` and prefix locations get no
 * tree and are never matched (nor checked for duplicates); only nested regexes work there. Real
 * nginx 1.22.1 answers `/r/x` from `location ~ /r { location /r/x {} }` with the outer location.
 */
function initLocations<T>(
  defs: readonly LocationDef<T>[],
  withStaticTree: boolean,
  diagnostics: Diagnostic[],
): LocationLevel<T> {
  if (defs.length === 0) return EMPTY_LEVEL;
  const statics: QueueItem<T>[] = [];
  const regexes: Location<T>[] = [];
  for (const def of defs) {
    if (def.modifier === '@') continue;
    const isRegex = def.modifier === '~' || def.modifier === '~*';
    const nested: Diagnostic[] = [];
    const loc = compileLocation(def, withStaticTree && !isRegex, nested);
    if (isRegex) {
      regexes.push(loc);
    } else {
      const exact = loc.exactMatch;
      statics.push({ name: loc.name, exact: exact ? loc : null, inclusive: exact ? null : loc, list: [], def, nested });
    }
  }
  if (!withStaticTree) return Object.freeze({ staticLocations: null, regexLocations: Object.freeze(regexes) });
  // Array.prototype.sort is stable, as ngx_queue_sort's insertion sort is.
  statics.sort(cmpLocations);
  // nginx reports the nested levels' duplicates first, walking this level in sorted order.
  for (const item of statics) diagnostics.push(...item.nested);
  joinExactLocations(statics, diagnostics);
  const list = createLocationsList(statics);
  return Object.freeze({
    staticLocations: list.length === 0 ? null : createLocationsTree(list, 0),
    regexLocations: Object.freeze(regexes),
  });
}

function compileLocation<T>(def: LocationDef<T>, withStaticTree: boolean, diagnostics: Diagnostic[]): Location<T> {
  const isRegex = def.modifier === '~' || def.modifier === '~*';
  let regex: RegExp | null = null;
  if (isRegex) {
    const given = def.regex ?? new RegExp(def.name, def.modifier === '~*' ? 'i' : '');
    // `g` and `y` would make test/exec remember lastIndex between requests.
    regex = /[gy]/.test(given.flags) ? new RegExp(given.source, given.flags.replace(/[gy]/g, '')) : given;
  }
  const named = def.modifier === '@';
  return Object.freeze({
    modifier: def.modifier,
    name: def.name,
    label: def.modifier === '' || named ? def.name : `${def.modifier} ${def.name}`,
    payload: def.payload,
    exactMatch: def.modifier === '=',
    noregex: def.modifier === '^~',
    named,
    regex,
    regexCaptures: regex !== null && (def.captures ?? countGroups(regex)) > 0,
    autoRedirect: def.autoRedirect === true,
    locations: named ? EMPTY_LEVEL : initLocations(def.children, withStaticTree, diagnostics),
  });
}

/**
 * Capture groups in a pattern: an alternative that matches the empty string reveals them all. It
 * compiles the pattern again: used only where the caller did not say.
 */
function countGroups(re: RegExp): number {
  const m = new RegExp(`(?:${re.source})|`, re.flags).exec('');
  return m === null ? 0 : m.length - 1;
}

/** A byte of a latin1 string, 0 past its end: nginx's names are NUL-terminated. */
function byteAt(s: string, i: number): number {
  return i < s.length ? s.charCodeAt(i) : 0;
}

/**
 * ngx_filename_cmp on a case-sensitive filesystem: bytes compare as unsigned, except that `/`
 * sorts lowest, so that "/a/" comes before "/a-" and all names under "/a/" stay together.
 */
export function filenameCmp(a: string, aOffset: number, b: string, n: number): number {
  for (let i = 0; i < n; i++) {
    let c1 = byteAt(a, aOffset + i);
    let c2 = byteAt(b, i);
    if (c1 === c2) {
      if (c1 === 0) return 0;
      continue;
    }
    if (c1 === 0 || c2 === 0) return c1 - c2;
    if (c1 === 0x2f) c1 = 0;
    if (c2 === 0x2f) c2 = 0;
    return c1 - c2;
  }
  return 0;
}

// ngx_http_cmp_locations, for the static locations only (regexes and named ones are kept apart).
function cmpLocations<T>(one: QueueItem<T>, two: QueueItem<T>): number {
  const rc = filenameCmp(one.name, 0, two.name, Math.min(one.name.length, two.name.length) + 1);
  if (rc !== 0) return rc;
  // An exact match goes before the inclusive one of the same name. nginx's comparator says only
  // "inclusive > exact"; both directions are stated here because Array.prototype.sort needs a
  // consistent comparator, and the order it yields is the one nginx's insertion sort yields.
  const e1 = one.exact !== null;
  const e2 = two.exact !== null;
  return e1 === e2 ? 0 : e1 ? -1 : 1;
}

// ngx_http_join_exact_locations: `= /x` and `/x` share one node.
function joinExactLocations<T>(items: QueueItem<T>[], diagnostics: Diagnostic[]): void {
  let i = 0;
  while (i < items.length - 1) {
    const lq = items[i]!;
    const lx = items[i + 1]!;
    if (lq.name.length === lx.name.length && filenameCmp(lq.name, 0, lx.name, lx.name.length) === 0) {
      if ((lq.exact !== null && lx.exact !== null) || (lq.inclusive !== null && lx.inclusive !== null)) {
        diagnostics.push(duplicateLocation(lx.def));
      } else {
        lq.inclusive = lx.inclusive;
      }
      items.splice(i + 1, 1);
      continue;
    }
    i++;
  }
}

function duplicateLocation<T>(def: LocationDef<T>): Diagnostic {
  // nginx prints the place itself, through ngx_log_error: `duplicate location "/x" in FILE:LINE`.
  return {
    level: 'emerg',
    fatal: true,
    message: `duplicate location "${def.name}"`,
    ...(def.file === undefined ? {} : { file: def.file }),
    ...(def.line === undefined ? {} : { line: def.line }),
    code: 'duplicate-location',
  };
}

// ngx_http_create_locations_list: each prefix location takes the following names it starts as its
// `list` (they are adjacent, since `/` sorts lowest); the lists are built the same way in turn.
function createLocationsList<T>(items: readonly QueueItem<T>[]): QueueItem<T>[] {
  const out: QueueItem<T>[] = [];
  let i = 0;
  while (i < items.length) {
    const lq = items[i]!;
    let x = i + 1;
    if (lq.inclusive !== null) {
      const len = lq.name.length;
      while (x < items.length) {
        const lx = items[x]!;
        if (len > lx.name.length || filenameCmp(lq.name, 0, lx.name, len) !== 0) break;
        x++;
      }
      if (x > i + 1) lq.list = createLocationsList(items.slice(i + 1, x));
    }
    out.push(lq);
    i = x;
  }
  return out;
}

// ngx_http_create_locations_tree: the middle item (ngx_queue_middle: index n/2, rounded down) is
// the node; the items before and after it are its left and right sub-trees; its list, minus the
// prefix the node already consumed, is its inclusive sub-tree.
function createLocationsTree<T>(items: readonly QueueItem<T>[], prefix: number): LocationTreeNode<T> {
  const middle = items.length >> 1;
  const lq = items[middle]!;
  const len = lq.name.length - prefix;
  return Object.freeze({
    left: middle > 0 ? createLocationsTree(items.slice(0, middle), prefix) : null,
    right: middle + 1 < items.length ? createLocationsTree(items.slice(middle + 1), prefix) : null,
    tree: lq.list.length > 0 ? createLocationsTree(lq.list, prefix + len) : null,
    exact: lq.exact,
    inclusive: lq.inclusive,
    autoRedirect: (lq.exact?.autoRedirect ?? false) || (lq.inclusive?.autoRedirect ?? false),
    // node->len is a u_char in nginx; the inclusive sub-tree still starts after the full name.
    len: len & 0xff,
    name: lq.name.slice(prefix),
  });
}
