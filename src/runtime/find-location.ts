/**
 * The FIND_CONFIG lookup: which location serves a URI (ngx_http_core_find_location and
 * ngx_http_core_find_static_location, src/http/ngx_http_core_module.c), over the tree built by
 * src/compile/location-tree.ts. With `explain`, it also records every step for `ngts route`.
 */
import type { Location, LocationLevel, LocationTree, LocationTreeNode } from '../compile/location-tree.js';

/**
 * nginx's return codes, as they leave ngx_http_core_find_location (only DONE changes what the
 * caller does: nginx answers 301 with the location's name):
 *   OK       an exact (`=`) location, or a regex location (whatever its nested lookup said);
 *   DONE     auto redirect: `/dir` met `location /dir/` that has proxy_pass & co;
 *   AGAIN    a prefix found among the nested locations of a prefix, and no regex after it;
 *   DECLINED no exact or regex match: `loc` is the longest prefix, or null. (A prefix without
 *            nested locations ends in DECLINED too: its empty nested lookup declines.)
 */
export type FindLocationRc = 'OK' | 'AGAIN' | 'DONE' | 'DECLINED';

/** Why the winner won, in the words `ngts route` uses. */
export type LocationReason =
  | 'exact' // `=` location equal to the URI
  | 'noregex' // longest prefix is `^~`: the regexes of its level were skipped
  | 'longest-prefix' // longest prefix, no regex matched
  | 'regex' // first regex in file order that matched
  | 'auto-redirect' // the URI plus `/` names a proxy_pass location: 301
  | 'none'; // no location: the server's own configuration applies

/** One step of the lookup, in the order nginx takes them. `depth` 0 is the server level. */
export type LocationTraceStep =
  | {
      readonly step: 'compare';
      readonly depth: number;
      /** The node's location, the part of its name the node holds, and the URI left to match. */
      readonly node: string;
      readonly part: string;
      readonly rest: string;
      readonly outcome: 'left' | 'right' | 'prefix' | 'exact' | 'equal-prefix' | 'auto-redirect' | 'shorter';
    }
  | { readonly step: 'candidate'; readonly depth: number; readonly location: string; readonly why: LocationReason }
  | { readonly step: 'nested'; readonly depth: number; readonly location: string }
  | { readonly step: 'regex'; readonly depth: number; readonly location: string; readonly matched: boolean }
  | { readonly step: 'skip-regexes'; readonly depth: number; readonly because: string }
  | {
      readonly step: 'result';
      readonly rc: FindLocationRc;
      readonly location: string | null;
      readonly reason: LocationReason;
      /** The locations the winner is nested in, outermost first. */
      readonly nestedIn: readonly string[];
    };

/** The answer of findLocation. */
export interface LocationMatch<T> {
  readonly rc: FindLocationRc;
  /** null: no location matched; the server level's configuration applies. */
  readonly loc: Location<T> | null;
  readonly reason: LocationReason;
  /**
   * The groups of the last regex that matched ($0, $1…), null when it had none: nginx then has
   * no numbered captures. Named groups are in `named`: nginx sets them as variables, so those of
   * an outer regex survive a nested match.
   */
  readonly captures: RegExpExecArray | null;
  readonly named: Readonly<Record<string, string | undefined>> | null;
  /** Present only with `explain: true`. */
  readonly trace: readonly LocationTraceStep[] | null;
}

/** Options of findLocation. */
export interface FindLocationOptions {
  /** Record the steps (allocates; the plain lookup allocates only its result and regex matches). */
  readonly explain?: boolean;
}

// The lookup is synchronous and not re-entrant, so its state lives here, as it lives in
// ngx_http_request_t for nginx; this keeps the hot path free of per-call closures and objects.
let uri = '';
let current: Location<unknown> | null = null;
let reason: LocationReason = 'none';
let captures: RegExpExecArray | null = null;
let named: Record<string, string | undefined> | null = null;
let trace: LocationTraceStep[] | null = null;
const NO_PARENTS: readonly string[] = Object.freeze([]);
let parents: string[] = [];
let winnerParents: readonly string[] = NO_PARENTS;

/**
 * Finds the location for a normalized, percent-decoded URI (latin1: one char per byte), as nginx's
 * FIND_CONFIG phase does. The caller stores `captures` and `named` for $1 and named variables.
 */
export function findLocation<T>(tree: LocationTree<T>, path: string, options?: FindLocationOptions): LocationMatch<T> {
  uri = path;
  current = null;
  reason = 'none';
  captures = null;
  named = null;
  trace = options?.explain === true ? [] : null;
  if (trace !== null) parents = [];
  winnerParents = NO_PARENTS;
  const rc = findLocationIn(tree, 0);
  const loc = current as Location<T> | null;
  const steps = trace;
  if (steps !== null) {
    steps.push({ step: 'result', rc, location: loc === null ? null : loc.label, reason, nestedIn: winnerParents });
  }
  const match: LocationMatch<T> = { rc, loc, reason, captures, named, trace: steps };
  // Drop references so that a finished lookup does not keep a request's URI or matches alive.
  uri = '';
  current = null;
  captures = null;
  named = null;
  trace = null;
  return match;
}

/**
 * Return codes of one level (ngx_http_core_find_location):
 *   OK        exact or regex match: stop;
 *   DONE      auto redirect: stop, skip every regex;
 *   AGAIN     a prefix matched among the nested locations of this level's prefix (the caller
 *             still tries its own regexes);
 *   DECLINED  nothing matched here (`current` keeps what outer levels chose).
 */
// ngx_http_core_find_location
function findLocationIn(level: LocationLevel<unknown>, depth: number): FindLocationRc {
  let noregex: Location<unknown> | null = null;
  let rc = findStaticLocation(level.staticLocations, depth);

  if (rc === 'AGAIN') {
    const prefix = current!;
    if (prefix.noregex) noregex = prefix;
    rc = findNested(prefix, depth);
  }

  if (rc === 'OK' || rc === 'DONE') return rc;

  const regexes = level.regexLocations;
  if (noregex !== null) {
    if (trace !== null && regexes.length > 0) trace.push({ step: 'skip-regexes', depth, because: noregex.label });
    return rc;
  }

  for (let i = 0; i < regexes.length; i++) {
    const loc = regexes[i]!;
    const matched = regexMatches(loc);
    if (trace !== null) trace.push({ step: 'regex', depth, location: loc.label, matched });
    if (matched) {
      choose(loc, 'regex', depth);
      findNested(loc, depth);
      return 'OK';
    }
  }
  return rc;
}

/** Looks up the nested locations of `loc`, if it has any (nginx always calls; we skip empty levels). */
function findNested(loc: Location<unknown>, depth: number): FindLocationRc {
  const level = loc.locations;
  if (level.staticLocations === null && level.regexLocations.length === 0) return 'DECLINED';
  if (trace !== null) {
    trace.push({ step: 'nested', depth: depth + 1, location: loc.label });
    parents.push(loc.label);
  }
  const rc = findLocationIn(level, depth + 1);
  if (trace !== null) parents.pop();
  return rc;
}

function regexMatches(loc: Location<unknown>): boolean {
  const re = loc.regex!;
  // A regex without groups only needs a yes or no: `test` allocates no match array.
  if (!loc.regexCaptures) {
    if (!re.test(uri)) return false;
    captures = null;
    return true;
  }
  const m = re.exec(uri);
  if (m === null) return false;
  captures = m;
  if (m.groups !== undefined) named = named === null ? m.groups : { ...named, ...m.groups };
  return true;
}

function choose(loc: Location<unknown>, why: LocationReason, depth: number): void {
  current = loc;
  reason = why;
  if (trace !== null) {
    trace.push({ step: 'candidate', depth, location: loc.label, why });
    winnerParents = parents.slice();
  }
}

/**
 * Return codes (ngx_http_core_find_static_location):
 *   OK        the URI equals an exact location;
 *   AGAIN     a prefix location matched (the longest, or one equal to the URI);
 *   DONE      the URI plus `/` is a location with auto_redirect;
 *   DECLINED  no static location matched.
 */
// ngx_http_core_find_static_location
function findStaticLocation(start: LocationTreeNode<unknown> | null, depth: number): FindLocationRc {
  let node = start;
  let offset = 0;
  let len = uri.length;
  let rv: FindLocationRc = 'DECLINED';

  for (;;) {
    if (node === null) return rv;

    const n = len <= node.len ? len : node.len;
    const rc = compareBytes(offset, node.name, n);

    if (rc !== 0) {
      if (trace !== null) traceCompare(node, offset, n, rc < 0 ? 'left' : 'right', depth);
      node = rc < 0 ? node.left : node.right;
      continue;
    }

    if (len > node.len) {
      if (node.inclusive !== null) {
        if (trace !== null) traceCompare(node, offset, n, 'prefix', depth);
        choose(node.inclusive, node.inclusive.noregex ? 'noregex' : 'longest-prefix', depth);
        rv = 'AGAIN';
        node = node.tree;
        offset += n;
        len -= n;
        continue;
      }
      // exact only
      if (trace !== null) traceCompare(node, offset, n, 'right', depth);
      node = node.right;
      continue;
    }

    if (len === node.len) {
      if (node.exact !== null) {
        if (trace !== null) traceCompare(node, offset, n, 'exact', depth);
        choose(node.exact, 'exact', depth);
        return 'OK';
      }
      if (trace !== null) traceCompare(node, offset, n, 'equal-prefix', depth);
      choose(node.inclusive!, node.inclusive!.noregex ? 'noregex' : 'longest-prefix', depth);
      return 'AGAIN';
    }

    // len < node.len
    if (len + 1 === node.len && node.autoRedirect) {
      if (trace !== null) traceCompare(node, offset, n, 'auto-redirect', depth);
      choose(node.exact ?? node.inclusive!, 'auto-redirect', depth);
      rv = 'DONE';
    } else if (trace !== null) {
      traceCompare(node, offset, n, 'shorter', depth);
    }
    node = node.left;
  }
}

// ngx_filename_cmp on the URI at `offset` (the compile side has the general version): inlined
// here because this loop is the whole cost of a static lookup.
function compareBytes(offset: number, name: string, n: number): number {
  for (let i = 0; i < n; i++) {
    let c1 = uri.charCodeAt(offset + i);
    let c2 = name.charCodeAt(i);
    if (c1 === c2) {
      if (c1 === 0) return 0;
      continue;
    }
    if (c1 === 0 || c2 === 0) return c1 - c2;
    // `/` sorts lowest, as in the tree's order.
    if (c1 === 0x2f) c1 = 0;
    if (c2 === 0x2f) c2 = 0;
    return c1 - c2;
  }
  return 0;
}

function traceCompare(
  node: LocationTreeNode<unknown>,
  offset: number,
  n: number,
  outcome: 'left' | 'right' | 'prefix' | 'exact' | 'equal-prefix' | 'auto-redirect' | 'shorter',
  depth: number,
): void {
  const loc = node.exact ?? node.inclusive!;
  trace!.push({ step: 'compare', depth, node: loc.label, part: node.name.slice(0, node.len), rest: uri.slice(offset), outcome });
}

/** One line per step, indented by depth: what `ngts route` prints. */
export function formatLocationTrace(steps: readonly LocationTraceStep[]): string[] {
  return steps.map((s) => {
    switch (s.step) {
      case 'compare':
        return `${pad(s.depth)}compare "${s.rest}" with "${s.part}" (${s.node}): ${COMPARE_WORDS[s.outcome]}`;
      case 'candidate':
        return `${pad(s.depth)}candidate: ${s.location} (${CANDIDATE_WORDS[s.why]})`;
      case 'nested':
        return `${pad(s.depth)}nested locations of ${s.location}`;
      case 'regex':
        return `${pad(s.depth)}test location: ${s.location} → ${s.matched ? 'match' : 'no match'}`;
      case 'skip-regexes':
        return `${pad(s.depth)}regexes skipped: ${s.because}`;
      case 'result': {
        const where = s.nestedIn.length > 0 ? `, nested in ${s.nestedIn.join(' → ')}` : '';
        return `using ${s.location ?? 'the server level'}: ${REASON_WORDS[s.reason]}${where} (${s.rc})`;
      }
    }
  });
}

function pad(depth: number): string {
  return '  '.repeat(depth);
}

const COMPARE_WORDS = {
  left: 'smaller, go left',
  right: 'greater, go right',
  prefix: 'prefix matches, search its sub-tree',
  exact: 'equal to an exact location',
  'equal-prefix': 'equal to a prefix location',
  'auto-redirect': 'the URI + "/" equals it: auto redirect',
  shorter: 'the URI is shorter, go left',
} as const;

const CANDIDATE_WORDS: Readonly<Record<LocationReason, string>> = {
  exact: 'exact match, stop',
  noregex: 'prefix with ^~',
  'longest-prefix': 'prefix',
  regex: 'regex matched, stop',
  'auto-redirect': 'auto redirect, unless a later match replaces it',
  none: '',
};

const REASON_WORDS: Readonly<Record<LocationReason, string>> = {
  exact: 'exact match',
  noregex: 'longest prefix, ^~ skips the regexes',
  'longest-prefix': 'longest prefix, no regex matched',
  regex: 'first matching regex in file order',
  'auto-redirect': 'auto redirect with 301 to the location',
  none: 'no location matched',
};
