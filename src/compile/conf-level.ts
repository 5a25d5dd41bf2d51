/**
 * One configuration level (main, http, server, location, `if` in a location, limit_except) with its
 * directives grouped by name, includes expanded, and a link to the level around it. Module
 * compilers read their directives through it and get nginx's create + merge inheritance: a value
 * set at this level wins, else the nearest enclosing level's (ngx_conf_merge_*_value), and array
 * directives (add_header, proxy_set_header, allow/deny) come whole from one level, never mixed.
 */
import type { ConfigFile, Directive, Statement } from '../config/ast.js';
import { directivesOf } from '../config/checks/expanded.js';
import { parseFlag, parseTime } from '../config/values.js';

// What a level without a directive returns: one array for every query, not a new one each time
// (compile asks each location for every directive its modules read; most are not there).
const NONE: readonly Directive[] = Object.freeze([]);

export type LevelKind = 'main' | 'http' | 'server' | 'location' | 'if' | 'limit_except';

export class ConfLevel {
  private readonly byName = new Map<string, Directive[]>();
  /**
   * The names of the directives of every level made so far in this tree, shared by its levels:
   * a level's ancestors are made before it, so a name not here is at no level `inherited` walks.
   * Module compilers ask each location for each directive they read, and most are written nowhere
   * (bench/parse-check.mjs: the walk up four levels for them was the compile's largest cost).
   */
  private readonly written: Set<string>;
  /** Directives of this level in order (includes expanded), blocks included. */
  readonly directives: readonly Directive[];
  /** What `memo` and `merged` made for this level, by their keys. */
  private memos: Map<object, unknown> | null = null;

  constructor(
    readonly kind: LevelKind,
    readonly parent: ConfLevel | null,
    statements: readonly Statement[],
    readonly includes: ReadonlyMap<Directive, readonly ConfigFile[]>,
    /** The block directive that opened this level (null for main). */
    readonly block: Directive | null = null,
  ) {
    const list: Directive[] = [];
    this.written = parent === null ? new Set() : parent.written;
    for (const d of directivesOf(statements, includes)) {
      list.push(d);
      this.written.add(d.name);
      let arr = this.byName.get(d.name);
      if (!arr) {
        arr = [];
        this.byName.set(d.name, arr);
      }
      arr.push(d);
    }
    this.directives = list;
  }

  /** A level for a block directive inside this one. */
  child(kind: LevelKind, block: Directive): ConfLevel {
    return new ConfLevel(kind, this, block.block ?? [], this.includes, block);
  }

  /**
   * nginx's nameless locations (clcf->noname): `if` and `limit_except` blocks, to which merging
   * passes their location's proxy_pass (and so its content handler).
   */
  get nameless(): boolean {
    return this.kind === 'if' || this.kind === 'limit_except';
  }

  /** The directives named `name` written at this level itself. */
  own(name: string): readonly Directive[] {
    return this.byName.get(name) ?? NONE;
  }

  /** The first directive named `name` at this level itself. */
  ownFirst(name: string): Directive | undefined {
    return this.byName.get(name)?.[0];
  }

  /**
   * The directives named `name` of the nearest level that has any: nginx's merge for both scalar
   * values (the first of them is the value) and arrays (inherited whole).
   */
  inherited(name: string): readonly Directive[] {
    if (!this.written.has(name)) return NONE;
    for (let l: ConfLevel | null = this; l; l = l.parent) {
      const arr = l.byName.get(name);
      if (arr) return arr;
    }
    return NONE;
  }

  /** The first directive named `name` at the nearest level that has it. */
  get(name: string): Directive | undefined {
    return this.inherited(name)[0];
  }

  /** The first argument value of the nearest `name`, or undefined when no level sets it. */
  value(name: string, index = 0): string | undefined {
    return this.get(name)?.args[index]?.value;
  }

  /** An inherited `on|off` directive as a boolean, `dflt` when no level sets it. */
  flag(name: string, dflt: boolean): boolean {
    const v = this.value(name);
    return v === undefined ? dflt : (parseFlag(v) ?? dflt);
  }

  /** An inherited time directive in milliseconds, `dflt` when no level sets it. */
  msec(name: string, dflt: number): number {
    const v = this.value(name);
    return v === undefined ? dflt : (parseTime(v, false) ?? dflt);
  }

  /** Whether this level itself writes a directive named in `names`. */
  writesAny(names: ReadonlySet<string>): boolean {
    for (const name of this.byName.keys()) if (names.has(name)) return true;
    return false;
  }

  /**
   * A module's conf for this level as nginx's merge makes it: a level that writes none of the
   * module's directives (`names`, every one `compile` reads) takes all of its values from the level
   * around it, so it shares that level's conf (nginx copies the values one by one; a frozen conf
   * serves both). `compile` runs for the levels that write one, and for the outermost. Only for a
   * conf that depends on its level through the inherited values of `names` alone: not on the
   * level's kind or block, nor on a directive nginx does not inherit (`internal`: a location
   * without it must not take its parent's).
   */
  merged<T>(names: ReadonlySet<string>, compile: (level: ConfLevel) => T): T {
    // The levels up to the nearest one that writes one of `names` (or has its conf already) all
    // share that one's conf: walked without recursion, as locations nest without limit.
    const sharing: ConfLevel[] = [];
    let l: ConfLevel = this;
    let conf: T | undefined;
    for (;;) {
      if (l.memos?.has(names)) {
        conf = l.memos.get(names) as T;
        break;
      }
      sharing.push(l);
      if (l.parent === null || l.writesAny(names)) {
        conf = compile(l);
        break;
      }
      l = l.parent;
    }
    for (const s of sharing) (s.memos ??= new Map()).set(names, conf);
    return conf;
  }

  /**
   * What `make` gives for this level, made once per `key` (a level belongs to one compile): for
   * what is read again, such as a location's proxy_pass, which its proxy_redirect default reads.
   */
  memo<T>(key: object, make: () => T): T {
    const memos = (this.memos ??= new Map());
    if (memos.has(key)) return memos.get(key) as T;
    const value = make();
    memos.set(key, value);
    return value;
  }

  /** The nearest enclosing level of `kind` (this one included). */
  nearest(kind: LevelKind): ConfLevel | null {
    for (let l: ConfLevel | null = this; l; l = l.parent) if (l.kind === kind) return l;
    return null;
  }
}
