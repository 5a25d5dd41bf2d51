/**
 * The shape of a directive declaration, after nginx's `ngx_command_t`: where it may appear, how many
 * arguments it takes, and the setter that checks its value. One table per nginx module lives in
 * `src/config/modules/`.
 */
import type { Arg, Directive, Position } from '../ast.js';

/**
 * Configuration contexts, named after nginx's context masks (NGX_MAIN_CONF, NGX_HTTP_SRV_CONF, …).
 * HTTP_SIF / HTTP_LIF are `if` blocks in a server / in a location; HTTP_LMT is `limit_except`.
 */
export type Context =
  | 'MAIN'
  | 'EVENT'
  | 'HTTP_MAIN'
  | 'HTTP_SRV'
  | 'HTTP_LOC'
  | 'HTTP_UPS'
  | 'HTTP_SIF'
  | 'HTTP_LIF'
  | 'HTTP_LMT';

/**
 * Arity, as nginx's argument flags: a list of allowed argument counts (NOARGS = [0], TAKE12 = [1, 2]),
 * or FLAG (exactly one, on|off), 1MORE, 2MORE, ANY.
 */
export type Arity = readonly number[] | 'FLAG' | '1MORE' | '2MORE' | 'ANY';

/**
 * Generic setters, as nginx's ngx_conf_set_*_slot functions. Each one checks the value and reports a
 * second occurrence at the same level as `"x" directive is duplicate`, exactly as nginx does.
 * - flag: on|off
 * - str: any single string (duplicate-checked)
 * - str_array / keyval: may repeat (lists)
 * - num, size, off, msec, sec: numbers, sizes (`64k`), offsets (`1g`), times (`500ms`, `1h30m`)
 * - enum: one of `values`
 * - bitmask: one or more of `values`
 * - none: no checks beyond context and arity (nginx setters we have not modelled in detail).
 */
export type Slot =
  | { readonly kind: 'flag' }
  | { readonly kind: 'str' }
  | { readonly kind: 'str_array' }
  | { readonly kind: 'keyval' }
  | { readonly kind: 'num' }
  | { readonly kind: 'size' }
  | { readonly kind: 'off' }
  | { readonly kind: 'msec' }
  | { readonly kind: 'sec' }
  | { readonly kind: 'enum'; readonly values: readonly string[] }
  | { readonly kind: 'bitmask'; readonly values: readonly string[] }
  | { readonly kind: 'none' };

/**
 * What a custom setter can do. Errors are reported as nginx reports them: either a message that the
 * dispatcher wraps as `"name" directive <reason>` (`fail`), or a whole message of the setter's own
 * (`error`), at the directive's line unless an argument is named.
 */
export interface SetterContext {
  readonly directive: Directive;
  /** The context the directive appears in. */
  readonly context: Context;
  /** Report nginx's `"name" directive <reason>` (e.g. reason = "is duplicate"). */
  fail(reason: string): void;
  /**
   * Report a message of the setter's own at the given level (default emerg). `fatal` defaults to
   * true for emerg and false for warn; some nginx setters log a warn and still fail (bitmask slots).
   */
  error(message: string, level?: 'emerg' | 'warn', fatal?: boolean): void;
  /** As `error`, at another line than the directive's (a line of a map body, a block's `}`). */
  errorAt(file: string, at: Position, message: string, level?: 'emerg' | 'warn'): void;
  /**
   * Per-block memory for duplicate checks and cross-directive checks, keyed by any string. Values
   * live as long as the innermost enclosing block (nginx's per-level conf structure).
   */
  readonly level: Map<string, unknown>;
  /** State shared by the whole configuration (zones, upstream names, …) for post-parse checks. */
  readonly global: Map<string, unknown>;
  /**
   * Runs `check` later, when nginx would: at the end of the enclosing `http` block (after its
   * parse: location trees, variables, upstream init) or at cycle init (shared memory zones).
   * Errors it reports keep this directive's location.
   */
  defer(when: 'http' | 'cycle', check: (cx: SetterContext) => void): void;
}

/** A custom setter: called after context and arity checks pass. */
export type Setter = (cx: SetterContext, args: readonly Arg[]) => void;

/**
 * For a block directive: what its block contains.
 * - directives: ordinary directives, looked up in the registry in `context` ('IF' means HTTP_SIF
 *   when the `if` stands in a server and HTTP_LIF when it stands in a location).
 * - freeform: lines of key/value words that the block's own handler reads (map, types, geo,
 *   split_clients, match, charset_map) — never looked up as directives.
 */
export type BlockBody =
  | { readonly kind: 'directives'; readonly context: Context | 'IF' }
  | { readonly kind: 'freeform' };

/** Whether ngts executes a directive or only accepts it (listed once by `check` as without effect). */
export type Effect = 'runtime' | 'none';

export interface DirectiveSpec {
  readonly name: string;
  /** The nginx module that declares it, e.g. `ngx_http_proxy_module`. */
  readonly module: string;
  readonly contexts: readonly Context[];
  readonly args: Arity;
  /** Present for block directives (NGX_CONF_BLOCK). */
  readonly block?: BlockBody;
  readonly slot: Slot;
  /** Extra checks beyond the slot (runs after the slot's checks when both are given). */
  readonly set?: Setter;
  readonly effect: Effect;
}

/** A module's command table. */
export interface ModuleSpec {
  readonly name: string;
  readonly directives: readonly DirectiveSpec[];
}
