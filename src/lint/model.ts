/**
 * The view of a configuration the lint rules read: every configuration level (http, server,
 * location, `if`, limit_except) with nginx's inheritance (ConfLevel), each server's compiled
 * location tree so that a rule can ask where nginx would really send a URI, the upstream blocks,
 * and every variable reference. Built once per `ngts check`, from a configuration without errors.
 */
import type { Directive, Statement } from '../config/ast.js';
import { directivesOf } from '../config/checks/expanded.js';
import type { IncludeStep } from '../config/diagnostics.js';
import { COMMAND_LINE, locationModifier, type CheckedConfig } from '../config/validate.js';
import { scanVariables } from '../config/variables.js';
import { ConfLevel, type LevelKind } from '../compile/conf-level.js';
import type { HttpLocConf } from '../compile/http-loc-conf.js';
import type { Location, LocationLevel, LocationModifier, LocationTreeNode } from '../compile/location-tree.js';
import { compileHttp, type CompiledHttp, type CompiledServer, type LocationConf } from '../compile/servers.js';
import { findLocation, type LocationMatch } from '../runtime/find-location.js';

/** One configuration level, with its place in the tree. */
export interface LintLevel {
  readonly kind: LevelKind;
  /** Directives of this level (includes expanded) and nginx's inheritance from the levels around it. */
  readonly conf: ConfLevel;
  /** The block directive that opened the level; null for the main level. */
  readonly block: Directive | null;
  readonly parent: LintLevel | null;
  readonly children: readonly LintLevel[];
  /** The server this level is in (itself for a server level). */
  readonly server: LintServer | null;
  /** For a location level: how it is written. */
  readonly location: { readonly modifier: LocationModifier; readonly name: string } | null;
}

export interface LintServer {
  readonly level: LintLevel;
  readonly compiled: CompiledServer;
}

/** Where a variable is used: the directive and the level it is written at. */
export interface VariableUse {
  readonly directive: Directive;
  readonly level: LintLevel;
  readonly arg: number;
}

/** Arguments that define a variable rather than use it, by directive name. */
const DEFINES: Readonly<Record<string, number>> = {
  set: 0,
  map: 1,
  auth_request_set: 0,
  split_clients: 1,
  perl_set: 0,
  js_set: 0,
};

export class LintModel {
  readonly main: LintLevel;
  readonly http: LintLevel | null;
  /** Every level, depth first in file order. */
  readonly levels: readonly LintLevel[];
  readonly servers: readonly LintServer[];
  readonly compiled: CompiledHttp;
  /** `upstream` blocks by name. */
  readonly upstreams: ReadonlyMap<string, Directive>;
  /** Uses of each variable (lower-cased name, without `$`), map sources and values included. */
  readonly variableUses: ReadonlyMap<string, readonly VariableUse[]>;
  private readonly byBlock = new Map<Directive, LintLevel>();
  private readonly chains = new Map<Directive, readonly IncludeStep[]>();
  private readonly levelOf = new Map<Directive, LintLevel>();
  private readonly payloads = new Map<Directive, LocationConf>();

  constructor(readonly checked: CheckedConfig, prefix: string) {
    this.compiled = compileHttp(checked, { prefix });
    const globals = checked.files.find((f) => f.path === COMMAND_LINE);
    const mainConf = new ConfLevel('main', null, [...(globals?.statements ?? []), ...checked.main.statements], checked.includes);
    const levels: LintLevel[] = [];
    const servers: LintServer[] = [];
    const compiledServers = this.compiled.servers;
    const build = (kind: LevelKind, conf: ConfLevel, block: Directive | null, parent: LintLevel | null, server: LintServer | null): LintLevel => {
      const children: LintLevel[] = [];
      const level: LintLevel = {
        kind,
        conf,
        block,
        parent,
        children,
        server,
        location: kind === 'location' && block ? toLocation(block) : null,
      };
      let own = server;
      if (kind === 'server') {
        const compiled = compiledServers[servers.length];
        if (compiled === undefined) throw new Error('lint: server blocks and compiled servers disagree');
        own = { level, compiled };
        (level as { server: LintServer | null }).server = own;
        servers.push(own);
      }
      levels.push(level);
      if (block) this.byBlock.set(block, level);
      for (const d of conf.directives) {
        this.levelOf.set(d, level);
        const childKind = childLevelKind(kind, d);
        if (childKind !== null && d.block !== null) children.push(build(childKind, conf.child(childKind, d), d, level, own));
      }
      return level;
    };
    this.main = build('main', mainConf, null, null, null);
    this.http = this.main.children.find((l) => l.kind === 'http') ?? null;
    this.levels = levels;
    this.servers = servers;
    const upstreams = new Map<string, Directive>();
    for (const d of this.http?.conf.own('upstream') ?? []) {
      const name = d.args[0]?.value;
      if (name !== undefined && !upstreams.has(name.toLowerCase())) upstreams.set(name.toLowerCase(), d);
    }
    this.upstreams = upstreams;
    this.variableUses = this.collectVariableUses();
    this.collectChains();
    for (const s of compiledServers) {
      collectLocations(s.locations, this.payloads);
      for (const named of s.locations.namedLocations.values()) collectLocations(named.locations, this.payloads, named);
    }
  }

  /**
   * The merged configuration nginx would use at a server or location level (r->loc_conf); null for
   * `if` and limit_except levels and outside servers.
   */
  locConf(level: LintLevel): HttpLocConf | null {
    if (level.kind === 'server') return level.server?.compiled.conf ?? null;
    if (level.kind === 'location' && level.block) return this.payloads.get(level.block)?.conf ?? null;
    return null;
  }

  /** The compiled location of a location level (null when nginx would not build one). */
  compiledLocation(level: LintLevel): LocationConf | null {
    return level.block ? (this.payloads.get(level.block) ?? null) : null;
  }

  /** The level a directive is written at. */
  levelOfDirective(d: Directive): LintLevel | undefined {
    return this.levelOf.get(d);
  }

  /** The level a block directive (server, location, if …) opens. */
  levelOfBlock(d: Directive): LintLevel | undefined {
    return this.byBlock.get(d);
  }

  /** The includes that led to a directive's file, outermost first (empty for the main file). */
  includeChain(d: Directive): readonly IncludeStep[] {
    return this.chains.get(d) ?? [];
  }

  /**
   * Where nginx sends `uri` (normalized, decoded) inside `server`: the location level that wins,
   * or null when no location matches and the server's own configuration applies.
   */
  route(server: LintServer, uri: string): { readonly level: LintLevel | null; readonly match: LocationMatch<LocationConf> } {
    const match = findLocation(server.compiled.locations, uri);
    const level = match.loc ? (this.byBlock.get(match.loc.payload.directive) ?? null) : null;
    return { level, match };
  }

  /** Every directive named `name` anywhere in the configuration, with its level. */
  *directives(name: string): Generator<{ readonly directive: Directive; readonly level: LintLevel }> {
    for (const level of this.levels) for (const d of level.conf.own(name)) yield { directive: d, level };
  }

  private collectVariableUses(): Map<string, VariableUse[]> {
    const uses = new Map<string, VariableUse[]>();
    const add = (name: string, use: VariableUse): void => {
      const key = name.toLowerCase();
      let list = uses.get(key);
      if (!list) uses.set(key, (list = []));
      list.push(use);
    };
    const visit = (d: Directive, level: LintLevel): void => {
      const defines = DEFINES[d.name] ?? -1;
      d.args.forEach((a, i) => {
        if (i === defines || !a.value.includes('$')) return;
        for (const ref of scanVariables(a.value).refs) if (!ref.capture) add(ref.name, { directive: d, level, arg: i });
      });
      // The lines of map, geo and split_clients blocks are values (and map keys may name captures).
      if (d.block !== null && (d.name === 'map' || d.name === 'geo' || d.name === 'split_clients')) {
        for (const line of directivesOf(d.block, this.checked.includes)) {
          for (const ref of scanVariables(line.args.map((a) => a.value).join(' ')).refs) {
            if (!ref.capture) add(ref.name, { directive: line, level, arg: 0 });
          }
        }
      }
    };
    for (const level of this.levels) for (const d of level.conf.directives) visit(d, level);
    return uses;
  }

  /** Records the include chain of every directive read from an included file. */
  private collectChains(): void {
    const walk = (statements: readonly Statement[], chain: readonly IncludeStep[]): void => {
      for (const s of statements) {
        if (s.kind !== 'directive') continue;
        if (chain.length > 0) this.chains.set(s, chain);
        if (s.name === 'include') {
          const next = [...chain, { file: s.span.file, line: s.terminator.line }];
          for (const f of this.checked.includes.get(s) ?? []) walk(f.statements, next);
        } else if (s.block !== null) {
          walk(s.block, chain);
        }
      }
    };
    walk(this.checked.main.statements, []);
  }
}

/** Every location of a level (static tree, regexes, nested levels), by its block directive. */
function collectLocations(level: LocationLevel<LocationConf>, out: Map<Directive, LocationConf>, self?: Location<LocationConf>): void {
  if (self) out.set(self.payload.directive, self.payload);
  const add = (l: Location<LocationConf>): void => {
    out.set(l.payload.directive, l.payload);
    collectLocations(l.locations, out);
  };
  const walk = (n: LocationTreeNode<LocationConf> | null): void => {
    if (n === null) return;
    if (n.exact) add(n.exact);
    if (n.inclusive) add(n.inclusive);
    walk(n.left);
    walk(n.right);
    walk(n.tree);
  };
  walk(level.staticLocations);
  for (const r of level.regexLocations) add(r);
}

function toLocation(block: Directive): { modifier: LocationModifier; name: string } {
  const [modifier, name] = locationModifier(block.args);
  return { modifier: modifier as LocationModifier, name };
}

/** The level a block directive opens, or null for blocks that are not configuration levels. */
function childLevelKind(parent: LevelKind, d: Directive): LevelKind | null {
  switch (d.name) {
    case 'http':
      return parent === 'main' ? 'http' : null;
    case 'server':
      return parent === 'http' ? 'server' : null;
    case 'location':
      return 'location';
    case 'if':
      return 'if';
    case 'limit_except':
      return 'limit_except';
    default:
      return null;
  }
}
