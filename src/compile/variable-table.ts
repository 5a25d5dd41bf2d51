/**
 * The variables of a configuration, indexed once at compile time (ngx_http_get_variable_index):
 * every `$name` used anywhere gets a slot, so that the request path reads and caches values by
 * number and never looks a name up.
 */
import type { HttpRequest } from '../runtime/http/request.js';
import type { ComplexValue } from './complex-value.js';

/** Reads a variable for a request; undefined is nginx's "not found" (an empty value in strings). */
export type VariableGetter = (r: HttpRequest) => string | undefined;

/** Assigns a variable that lives in the request itself (`$args`): `set` calls it instead of filling a slot. */
export type VariableSetter = (r: HttpRequest, value: string) => void;

export interface VariableDef {
  readonly name: string;
  readonly index: number;
  /** null for a variable only `set` (or a later module) assigns. */
  get: VariableGetter | null;
  /** ngx_http_variable_t.set_handler: where `set` stores the value, null for the request's slot. */
  set: VariableSetter | null;
  /** NGX_HTTP_VAR_NOCACHEABLE: evaluated on every use ($uri, $args, $request_time, …). */
  noCache: boolean;
  /** Assigned by `set`: its value lives in the request's slot. */
  settable: boolean;
}

/** Finds getters for builtin and prefix variables (`$http_x`, `$arg_y`, …) by name. */
export type BuiltinResolver = (name: string) => { get: VariableGetter; set?: VariableSetter; noCache: boolean } | null;

export class VariableTable {
  private readonly byName = new Map<string, VariableDef>();
  readonly defs: VariableDef[] = [];
  /** The complex values compiled against this table, by text (compileComplexValue). */
  readonly complexValues = new Map<string, ComplexValue>();

  constructor(private readonly builtins: BuiltinResolver) {}

  /** The slot of `name` (case-insensitive, as nginx), created on first use. */
  index(name: string): VariableDef {
    const key = name.toLowerCase();
    let def = this.byName.get(key);
    if (def) return def;
    const b = this.builtins(key);
    def = { name: key, index: this.defs.length, get: b ? b.get : null, set: b?.set ?? null, noCache: b ? b.noCache : false, settable: false };
    this.byName.set(key, def);
    this.defs.push(def);
    return def;
  }

  /** A variable `set` assigns (ngx_http_rewrite_set): it keeps its builtin getter if it has one. */
  settable(name: string): VariableDef {
    const def = this.index(name);
    def.settable = true;
    return def;
  }

  /** Defines a variable computed by a module (map, geo, split_clients, …). */
  define(name: string, get: VariableGetter, noCache = false): VariableDef {
    const def = this.index(name);
    def.get = get;
    def.noCache = noCache;
    return def;
  }

  get size(): number {
    return this.defs.length;
  }
}
