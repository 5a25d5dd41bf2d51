/**
 * The body of a `map` block, read as ngx_http_map (src/http/modules/ngx_http_map_module.c) reads
 * it: `hostnames`, `volatile`, `default`, `include`, regex keys (`~`, `~*`), escaped keys (`\`) and
 * exact or wildcard keys added with ngx_hash_add_key's conflict rules. Every check reports nginx's
 * message at the offending line; the result is what the compiler needs to build the map.
 */
import type { Directive, Statement } from '../ast.js';
import { compilePcre } from '../regex.js';
import { builtinVariable, scanVariables } from '../variables.js';
import { HashKeys } from '../hash-keys.js';
import { type BodyReport, bodyLines, words } from './body.js';

/** One key of a map, in the order written. */
export type MapEntry =
  | { readonly kind: 'exact'; readonly key: string; readonly value: string; readonly line: Directive }
  /** `*.example.com` or `.example.com` (hostnames only); `suffix` is `example.com`. */
  | { readonly kind: 'wildcardHead'; readonly suffix: string; readonly dot: boolean; readonly value: string; readonly line: Directive }
  /** `www.example.*` (hostnames only); `prefix` is `www.example.`. */
  | { readonly kind: 'wildcardTail'; readonly prefix: string; readonly value: string; readonly line: Directive }
  | {
      readonly kind: 'regex';
      readonly pattern: string;
      readonly caseless: boolean;
      readonly re: RegExp;
      readonly names: readonly string[];
      readonly value: string;
      readonly line: Directive;
    };

/** A map body as nginx understands it. */
export interface MapBody {
  readonly hostnames: boolean;
  readonly volatile: boolean;
  /** The `default` value, or null (nginx then yields the empty string). */
  readonly defaultValue: string | null;
  readonly entries: readonly MapEntry[];
  /** Whether every line was accepted (no emerg reported). */
  readonly ok: boolean;
}

/**
 * Checks and reads the lines of a `map` block. `expand` gives the statements of an `include` line
 * (the caller resolved the files); without it included lines are not seen.
 */
export function checkMapBody(
  body: readonly Statement[],
  report: BodyReport,
  expand?: (include: Directive) => readonly Statement[] | undefined,
): MapBody {
  let hostnames = false;
  let volatile = false;
  let defaultValue: string | null = null;
  let ok = true;
  const entries: MapEntry[] = [];
  const keys = new HashKeys();
  const fail = (message: string, at: Directive): void => {
    report(message, at);
    ok = false;
  };

  for (const line of bodyLines(body, expand)) {
    if (line.block !== null) {
      fail('unexpected "{"', line);
      break;
    }
    const w = words(line);
    if (w.length === 1 && w[0] === 'hostnames') {
      hostnames = true;
      continue;
    }
    if (w.length === 1 && w[0] === 'volatile') {
      volatile = true;
      continue;
    }
    if (w.length !== 2) {
      fail('invalid number of the map parameters', line);
      break;
    }
    let key = w[0] as string;
    const value = w[1] as string;
    // The value is compiled first (ngx_http_compile_complex_value), so its errors come first.
    const scan = scanVariables(value);
    if (scan.error !== null) {
      fail(scan.error, line);
      break;
    }
    if (key === 'default') {
      if (defaultValue !== null) {
        fail('duplicate default map parameter', line);
        break;
      }
      defaultValue = value;
      continue;
    }
    if (key.startsWith('~')) {
      const caseless = key[1] === '*';
      const pattern = key.slice(caseless ? 2 : 1);
      const r = compilePcre(pattern, caseless);
      if (!r.ok) {
        fail(r.message, line);
        break;
      }
      const clash = r.names.find((n) => builtinVariable(n)?.changeable === false);
      if (clash !== undefined) {
        fail(`the duplicate "${clash}" variable`, line);
        break;
      }
      entries.push({ kind: 'regex', pattern, caseless, re: r.re, names: r.names, value, line });
      continue;
    }
    if (key.startsWith('\\')) key = key.slice(1);
    const added = keys.add(key, hostnames);
    if (added.rc === 'declined') {
      fail(`invalid hostname or wildcard "${key}"`, line);
      break;
    }
    if (added.rc === 'busy') {
      fail(`conflicting parameter "${added.shown}"`, line);
      break;
    }
    entries.push({ ...added.entry, value, line });
  }
  return { hostnames, volatile, defaultValue, entries, ok };
}

/**
 * The checks of the `map` directive itself (ngx_http_map_block): the source is a script, the
 * target must be a `$name` that a builtin does not already own. Returns nginx's message or null.
 */
export function checkMapTarget(source: string, target: string): string | null {
  const scan = scanVariables(source);
  if (scan.error !== null) return scan.error;
  if (!target.startsWith('$')) return `invalid variable name "${target}"`;
  const name = target.slice(1);
  if (name === '') return 'invalid variable name "$"';
  if (builtinVariable(name)?.changeable === false) return `the duplicate "${name}" variable`;
  return null;
}
