/**
 * The directive dispatcher: walks the parsed files in the order nginx reads them (includes
 * inline, blocks depth first) and checks every directive as ngx_conf_handler does — known name,
 * allowed here, block or not, argument count, then the setter. Unlike nginx it does not stop at the
 * first error: every diagnostic is collected, in the order nginx would meet them, so that `-t` can
 * print the first and `check` all of them.
 */
import type { Arg, ConfigFile, Directive, Position, Statement } from './ast.js';
import type { Diagnostic, IncludeStep, Level } from './diagnostics.js';
import { expandGlob, isGlob } from './glob.js';
import { parseConfig } from './parser.js';
import { registry } from './registry/index.js';
import type { Context, DirectiveSpec, SetterContext } from './registry/types.js';
import { checkSlot } from './registry/slots.js';
import { checkDuplicateLocations } from './checks/duplicate-location.js';
import { directivesOf } from './checks/expanded.js';
import type { PostCheckContext } from './checks/post-check.js';
import { checkServerNames } from './checks/server-names.js';
import { checkVariables } from './checks/unknown-variable.js';
import { checkZones } from './checks/zones.js';
import { checkProxySsl } from './checks/proxy-ssl.js';
import { checkSslCertificates } from './checks/ssl-certificate.js';
import { fullName, readConfigFile } from './source.js';
import { suggestName } from './suggest.js';

/** Where the configuration comes from and how relative paths resolve (nginx's -p, -c, -g). */
export interface CheckOptions {
  /** The main configuration file, absolute. */
  readonly file: string;
  /** nginx's prefix (-p), with a trailing slash: relative paths of most directives resolve here. */
  readonly prefix: string;
  /** nginx's conf_prefix: the directory of the main file, with a trailing slash; includes resolve here. */
  readonly confPrefix: string;
  /** Directives given with -g, parsed before the file as nginx does. */
  readonly globals?: string;
  /** What preparing the configuration found (`-t` reads it again with this to report it in place). */
  readonly prepared?: PreparedFindings;
}

/**
 * What nginx finds while it reads a configuration and ngts only when it prepares one (resolving,
 * loading files): `-t` reads the configuration a second time with these, so that the failure
 * comes where nginx meets it, after the warnings nginx prints before it and before the others.
 */
export interface PreparedFindings {
  /** `host not found in upstream "…"` by the `FILE:LINE` of the proxy_pass or server line. */
  readonly hostNotFound: ReadonlyMap<string, string>;
  /** A certificate or proxy_ssl_* file nginx cannot use (it loads them as it merges the servers). */
  readonly mergeFailure: string | null;
}

/** A directive that ngts accepts but does not execute, with its first occurrence. */
export interface Effectless {
  readonly spec: DirectiveSpec;
  readonly file: string;
  readonly line: number;
  readonly count: number;
}

/** The result of reading and checking a configuration. */
export interface CheckedConfig {
  readonly main: ConfigFile;
  /** Every file read, in the order nginx reads them (one entry per include site). */
  readonly files: readonly ConfigFile[];
  /** For each `include` directive, the files it brought in. */
  readonly includes: ReadonlyMap<Directive, readonly ConfigFile[]>;
  readonly diagnostics: readonly Diagnostic[];
  /** Directives accepted without effect, by name. */
  readonly effectless: ReadonlyMap<string, Effectless>;
  /** True when a syntax or read error stopped the walk, as it stops nginx. */
  readonly aborted: boolean;
  /** Shared state setters left for the compiler (zones, upstream names, …). */
  readonly global: ReadonlyMap<string, unknown>;
}

/** The name nginx uses for directives given with -g. */
export const COMMAND_LINE = 'command line';

const MAX_INCLUDE_DEPTH = 64;

interface Deferred {
  readonly run: (cx: SetterContext) => void;
  readonly cx: SetterContext;
}

/** Reads the configuration at `opts.file` with its includes and checks every directive. */
export function checkConfig(opts: CheckOptions): CheckedConfig {
  const walker = new Walker(opts);
  return walker.run();
}

/** Checks configuration text that does not come from a file (tests, -g). */
export function checkText(text: string, opts: CheckOptions): CheckedConfig {
  return new Walker(opts, text).run();
}

class Walker {
  private readonly diagnostics: Diagnostic[] = [];
  private readonly files: ConfigFile[] = [];
  private readonly includes = new Map<Directive, ConfigFile[]>();
  private readonly effectless = new Map<string, Effectless>();
  readonly global = new Map<string, unknown>();
  private readonly includeStack: IncludeStep[] = [];
  /** A copy of includeStack for the setter contexts, shared until the stack changes. */
  private stackCopy: readonly IncludeStep[] | null = null;
  private readonly openFiles: string[] = [];
  private httpDeferred: Deferred[] = [];
  private readonly cycleDeferred: Deferred[] = [];
  private readonly cycleChecks: (() => void)[] = [];
  private aborted = false;
  private sawEvents = false;
  private fatals = 0;

  constructor(
    private readonly opts: CheckOptions,
    private readonly text?: string,
  ) {}

  run(): CheckedConfig {
    const topLevel = new Map<string, unknown>();
    if (this.opts.globals) {
      const params = readParams(this.opts.globals);
      this.walkFile(params, 'MAIN', topLevel);
    }
    let main: ConfigFile;
    if (this.text !== undefined) {
      main = readParamsFrom(this.text, this.opts.file);
    } else {
      const read = readConfigFile(this.opts.file);
      if ('failed' in read) {
        this.report('emerg', read.message, this.opts.file, undefined, 'open-failed', { unlocated: true });
        main = { path: this.opts.file, statements: [], comments: [], error: null };
        this.aborted = true;
        return this.result(main);
      }
      main = read;
    }
    if (!this.aborted) this.walkFile(main, 'MAIN', topLevel);
    // ngx_event_init_conf, at cycle init: the one section nginx cannot run without.
    if (!this.aborted && !this.sawEvents) {
      this.report('emerg', 'no "events" section in configuration', main.path, { line: 1, column: 1, offset: 0 }, 'no-events', { unlocated: true });
    }
    if (!this.aborted) for (const d of this.cycleDeferred) d.run(d.cx);
    if (!this.aborted) for (const c of this.cycleChecks) c();
    return this.result(main);
  }

  private result(main: ConfigFile): CheckedConfig {
    return {
      main,
      files: this.files,
      includes: this.includes,
      diagnostics: this.diagnostics,
      effectless: this.effectless,
      aborted: this.aborted,
      global: this.global,
    };
  }

  private walkFile(file: ConfigFile, ctx: Context, level: Map<string, unknown>): void {
    this.files.push(file);
    this.openFiles.push(file.path);
    this.walkBlock(file.statements, ctx, level, file.path);
    this.openFiles.pop();
  }

  private walkBlock(statements: readonly Statement[], ctx: Context, level: Map<string, unknown>, file: string): void {
    // Indexed, not for-of: ngts -t runs this code cold, and V8's interpreter makes an iterator
    // result object for every step of a for-of loop (bench/parse-check.mjs: 30,000 statements).
    for (let i = 0; i < statements.length; i++) {
      const s = statements[i]!;
      if (this.aborted) return;
      if (s.kind === 'comment') continue;
      if (s.kind === 'syntax-error') {
        this.report('emerg', s.message, s.file, s.position, 'syntax');
        this.aborted = true;
        return;
      }
      this.dispatch(s, ctx, level, file);
    }
  }

  /** ngx_conf_handler: find the directive, check where it stands and its arguments, run its setter. */
  private dispatch(d: Directive, ctx: Context, level: Map<string, unknown>, file: string): void {
    const at = d.terminator;
    if (d.name === 'include') {
      this.include(d, ctx, level, file);
      return;
    }
    const candidates = registry.get(d.name);
    if (!candidates) {
      const hint = suggestName(d.name, registry.keys());
      this.report('emerg', `unknown directive "${d.name}"`, file, at, 'unknown-directive', {
        hint: hint ? `did you mean "${hint}"?` : undefined,
        column: d.nameSpan.start.column,
      });
      return;
    }
    const spec = candidates.find((c) => c.contexts.includes(ctx));
    if (!spec) {
      this.report('emerg', `"${d.name}" directive is not allowed here`, file, at, 'not-allowed-here', {
        column: d.nameSpan.start.column,
        hint: `allowed in: ${[...new Set(candidates.flatMap((c) => c.contexts))].map(contextName).join(', ')}`,
      });
      return;
    }
    if (!spec.block && d.block !== null) {
      this.report('emerg', `directive "${d.name}" is not terminated by ";"`, file, at, 'not-terminated');
      return;
    }
    if (spec.block && d.block === null) {
      this.report('emerg', `directive "${d.name}" has no opening "{"`, file, at, 'no-opening-brace');
      return;
    }
    if (!arityOk(spec, d.args.length)) {
      this.report('emerg', `invalid number of arguments in "${d.name}" directive`, file, at, 'invalid-arguments');
      return;
    }

    const errorsBefore = this.fatalCount();
    const cx = this.setterContext(d, ctx, level, file);
    checkSlot(spec, cx, d.args);
    if (spec.set && this.fatalCount() === errorsBefore) spec.set(cx, d.args);
    // ngx_http_upstream_add and ngx_http_upstream_server resolve the host as they read the line.
    if (this.opts.prepared !== undefined && (d.name === 'proxy_pass' || (d.name === 'server' && ctx === 'HTTP_UPS'))) {
      const notFound = this.opts.prepared.hostNotFound.get(`${file}:${at.line}`);
      if (notFound !== undefined && this.fatalCount() === errorsBefore) this.report('emerg', notFound, file, at, 'host-not-found');
    }
    if (this.fatalCount() !== errorsBefore) return;

    if (spec.effect === 'none') this.noteEffectless(spec, file, at);
    if (spec.block && d.block !== null) this.enterBlock(d, spec, ctx, level, file);
  }

  private enterBlock(d: Directive, spec: DirectiveSpec, ctx: Context, level: Map<string, unknown>, file: string): void {
    const body = spec.block!;
    const child = new Map<string, unknown>();
    // What a directive may need to know of its enclosing location (proxy_pass's URI rules, alias):
    // nginx reads it from the parent location conf; we pass it down level by level.
    level.forEach((v, k) => {
      if (k.startsWith('location:')) child.set(k, v);
    });
    if (d.name === 'location') {
      const [mod, name] = locationModifier(d.args);
      child.set('location:modifier', mod);
      child.set('location:name', name);
    }
    if (body.kind === 'freeform') {
      this.walkFreeform(d.block!, file);
      return;
    }
    let childCtx: Context;
    if (body.context === 'IF') childCtx = ctx === 'HTTP_SRV' ? 'HTTP_SIF' : 'HTTP_LIF';
    else childCtx = body.context;
    if (d.name === 'events' && ctx === 'MAIN') this.sawEvents = true;
    const isHttp = d.name === 'http' && ctx === 'MAIN';
    if (isHttp) this.httpDeferred = [];
    this.walkBlock(d.block!, childCtx, child, file);
    if (d.name === 'upstream' && !this.aborted && d.blockEnd !== null && !this.hasServer(d)) {
      // ngx_http_upstream: checked when the block closes, at the line of its `}`.
      this.report('emerg', 'no servers are inside upstream', file, d.blockEnd, 'upstream-no-servers');
    }
    if (isHttp && !this.aborted) {
      for (const x of this.httpDeferred) x.run(x.cx);
      this.httpDeferred = [];
      this.httpEndChecks(d);
      this.cycleChecks.push(() => checkZones(d, this.postContext()));
    }
  }

  private hasServer(d: Directive): boolean {
    for (const c of directivesOf(d.block ?? [], this.includes)) if (c.name === 'server') return true;
    return false;
  }

  /** What ngx_http_block does after reading the block, in its order: merging, location trees, variables. */
  private httpEndChecks(http: Directive): void {
    const cx = this.postContext();
    const mergeFailure = this.opts.prepared?.mergeFailure;
    if (mergeFailure != null) {
      this.report('emerg', mergeFailure, http.span.file, http.terminator, 'ssl-files', { unlocated: true });
      return;
    }
    // ngx_http_merge_servers comes before the location trees and the variables.
    if (!checkProxySsl(http, cx)) return;
    if (!checkDuplicateLocations(http, cx)) return;
    // The modules' postconfiguration (ngx_http_ssl_init) runs before the variables are checked.
    if (!checkSslCertificates(http, cx)) return;
    if (!checkVariables(http, cx)) return;
    checkServerNames(http, cx);
  }

  private postContext(): PostCheckContext {
    return {
      includes: this.includes,
      global: this.global,
      report: (level, message, file, at, code, opts = {}) => this.report(level, message, file, at, code, opts),
    };
  }

  /**
   * Blocks whose lines are not directives (map, types, geo, …): their own handlers read them. Here
   * we only follow their includes and stop at syntax errors; the block's handler checks the lines.
   */
  private walkFreeform(statements: readonly Statement[], file: string): void {
    for (const s of statements) {
      if (this.aborted) return;
      if (s.kind === 'syntax-error') {
        this.report('emerg', s.message, s.file, s.position, 'syntax');
        this.aborted = true;
        return;
      }
      if (s.kind === 'directive' && s.name === 'include' && s.args.length === 1 && s.block === null) {
        for (const f of this.resolveInclude(s, file)) {
          this.files.push(f);
          this.openFiles.push(f.path);
          this.walkFreeform(f.statements, f.path);
          this.openFiles.pop();
          this.popInclude();
        }
      }
    }
  }

  /** ngx_conf_include: a literal file, or a pattern whose matches are read in sorted order. */
  private include(d: Directive, ctx: Context, level: Map<string, unknown>, file: string): void {
    if (d.block !== null) {
      this.report('emerg', `directive "include" is not terminated by ";"`, file, d.terminator, 'not-terminated');
      return;
    }
    if (d.args.length !== 1) {
      this.report('emerg', `invalid number of arguments in "include" directive`, file, d.terminator, 'invalid-arguments');
      return;
    }
    for (const f of this.resolveInclude(d, file)) {
      if (this.aborted) break;
      this.walkFile(f, ctx, level);
      this.popInclude();
    }
  }

  /**
   * Reads the files an include names. For each file returned, an include step has been pushed;
   * the caller pops it after walking the file.
   */
  private *resolveInclude(d: Directive, file: string): Generator<ConfigFile> {
    const name = fullName(this.opts.confPrefix, d.args[0]!.value);
    const paths = isGlob(name) ? expandGlob(name) : [name];
    const got: ConfigFile[] = [];
    this.includes.set(d, got);
    for (const path of paths) {
      if (this.aborted) return;
      // nginx has no cycle detection: it reads the file again, and a duplicate directive usually
      // stops it there. We do the same, and call it a cycle only when the file comes round twice.
      if (this.openFiles.filter((p) => p === path).length >= 2) {
        const chain = [...this.includeStack.map((s) => `${s.file}:${s.line}`), `${file}:${d.terminator.line}`, path];
        this.report('emerg', `include cycle: "${path}" includes itself`, file, d.terminator, 'include-cycle', {
          hint: `include chain: ${chain.join(' -> ')}`,
          column: d.args[0]!.span.start.column,
        });
        this.aborted = true;
        return;
      }
      if (this.includeStack.length >= MAX_INCLUDE_DEPTH) {
        this.report('emerg', `includes nested deeper than ${MAX_INCLUDE_DEPTH} levels`, file, d.terminator, 'include-depth');
        this.aborted = true;
        return;
      }
      const read = readConfigFile(path);
      if ('failed' in read) {
        // nginx logs a failed read (pread of a directory) at crit, a failed open at emerg.
        this.report(read.located ? 'emerg' : 'crit', read.message, file, d.terminator, 'open-failed', {
          unlocated: !read.located,
          column: d.args[0]!.span.start.column,
        });
        this.aborted = true;
        return;
      }
      got.push(read);
      this.includeStack.push({ file, line: d.terminator.line });
      this.stackCopy = null;
      yield read;
    }
  }

  private popInclude(): void {
    this.includeStack.pop();
    this.stackCopy = null;
  }

  private setterContext(d: Directive, ctx: Context, level: Map<string, unknown>, file: string): SetterContext {
    // One object per directive, its methods on the prototype: a context of closures and a copy of
    // the include stack for each of the 30,000 directives of bench/parse-check.mjs was a tenth of
    // what the walk allocated.
    return new DirectiveContext(this, d, ctx, level, file, (this.stackCopy ??= [...this.includeStack]));
  }

  /** SetterContext.defer: queues a check for the end of the http block or of the cycle. */
  deferCheck(when: 'http' | 'cycle', run: (cx: SetterContext) => void, cx: SetterContext): void {
    (when === 'http' ? this.httpDeferred : this.cycleDeferred).push({ run, cx });
  }

  private noteEffectless(spec: DirectiveSpec, file: string, at: Position): void {
    const seen = this.effectless.get(spec.name);
    if (seen) this.effectless.set(spec.name, { ...seen, count: seen.count + 1 });
    else this.effectless.set(spec.name, { spec, file, line: at.line, count: 1 });
  }

  /** How many fatal diagnostics have been reported (kept as a count: it is read for every directive). */
  private fatalCount(): number {
    return this.fatals;
  }

  report(
    level: Level,
    message: string,
    file: string,
    at: Position | undefined,
    code: string,
    extra: {
      hint?: string | undefined;
      column?: number;
      unlocated?: boolean;
      fatal?: boolean;
      stack?: readonly IncludeStep[];
    } = {},
  ): void {
    const stack = extra.stack ?? this.includeStack;
    const fatal = extra.fatal ?? (level === 'emerg' || level === 'alert' || level === 'crit');
    if (fatal) this.fatals++;
    this.diagnostics.push({
      level,
      fatal,
      message,
      file,
      ...(at ? { line: at.line, column: extra.column ?? at.column } : {}),
      ...(extra.hint ? { hint: extra.hint } : {}),
      ...(extra.unlocated ? { unlocated: true } : {}),
      ...(stack.length ? { includedFrom: [...stack] } : {}),
      code,
    });
  }
}

/** The setter context of one directive: where it stands, and how its setter reports and defers. */
class DirectiveContext implements SetterContext {
  readonly global: Map<string, unknown>;
  constructor(
    private readonly walker: Walker,
    readonly directive: Directive,
    readonly context: Context,
    readonly level: Map<string, unknown>,
    private readonly file: string,
    private readonly stack: readonly IncludeStep[],
  ) {
    this.global = walker.global;
  }

  fail(reason: string): void {
    const d = this.directive;
    this.walker.report('emerg', `"${d.name}" directive ${reason}`, this.file, d.terminator, 'invalid-value', { stack: this.stack });
  }

  error(message: string, lvl: 'emerg' | 'warn' = 'emerg', fatal?: boolean): void {
    this.walker.report(lvl, message, this.file, this.directive.terminator, lvl === 'emerg' ? 'invalid-value' : 'warning', {
      stack: this.stack,
      fatal: fatal ?? lvl === 'emerg',
    });
  }

  errorAt(where: string, pos: Position, message: string, lvl: 'emerg' | 'warn' = 'emerg'): void {
    this.walker.report(lvl, message, where, pos, lvl === 'emerg' ? 'invalid-value' : 'warning', { stack: this.stack });
  }

  defer(when: 'http' | 'cycle', check: (c: SetterContext) => void): void {
    this.walker.deferCheck(when, check, this);
  }
}

/** The argument-count check of ngx_conf_handler. */
export function arityOk(spec: DirectiveSpec, n: number): boolean {
  const a = spec.args;
  if (a === 'ANY') return true;
  if (a === 'FLAG') return n === 1;
  if (a === '1MORE') return n >= 1;
  if (a === '2MORE') return n >= 2;
  // NGX_CONF_MAX_ARGS: no fixed-arity directive takes more than 8 arguments.
  return n <= 8 && a.includes(n);
}

/** Location modifiers, longest first where one is a prefix of another. */
const LOCATION_MODIFIERS = ['=', '^~', '~*', '~'] as const;

/** A location's modifier ('=', '^~', '~', '~*', '@' for named, '' for prefix) and its name. */
export function locationModifier(args: readonly Arg[]): [string, string] {
  const first = args[0]?.value ?? '';
  if (args.length === 2) return [first, args[1]!.value];
  const c = first.charCodeAt(0);
  // Most locations are prefixes: `/…` starts with none of `@ = ^ ~`.
  if (c === 0x2f) return ['', first];
  if (c === 0x40) return ['@', first];
  // ngx_http_core_location: a lone `=` is an exact location named "", a lone `~` an empty regex.
  for (const m of LOCATION_MODIFIERS) {
    if (first.startsWith(m)) return [m, first.slice(m.length)];
  }
  return ['', first];
}

/** How contexts read in messages of our own. */
export function contextName(c: Context): string {
  switch (c) {
    case 'MAIN':
      return 'main';
    case 'EVENT':
      return 'events';
    case 'HTTP_MAIN':
      return 'http';
    case 'HTTP_SRV':
      return 'server';
    case 'HTTP_LOC':
      return 'location';
    case 'HTTP_UPS':
      return 'upstream';
    case 'HTTP_SIF':
      return 'if in server';
    case 'HTTP_LIF':
      return 'if in location';
    case 'HTTP_LMT':
      return 'limit_except';
  }
}

function readParams(text: string): ConfigFile {
  return parseConfig(text, COMMAND_LINE);
}

function readParamsFrom(text: string, path: string): ConfigFile {
  return parseConfig(text, path);
}

