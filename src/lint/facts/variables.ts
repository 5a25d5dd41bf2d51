/**
 * Which values a request can put into a variable, for the security rules:
 *
 *  - `client`: the client chooses the text (request headers, query arguments, cookies, the request
 *    URI and path, `$host` where any Host reaches the server, regex captures over those), so that a
 *    `*_pass` host built from it sends nginx wherever the client likes (ssrf);
 *  - `newline`: the value can hold a line feed, so that writing it into a header splits the header
 *    block (http-splitting). nginx decodes `%0A` in the path: `$uri`, `$document_uri` and
 *    `$request_filename` can hold one, and so can a regex capture over the decoded path whose group
 *    can match `\n` (`([^/]+)` can, `(.*)` and `(\d+)` cannot: `.` excludes `\n` in PCRE without
 *    (?s)). `$request_uri`, `$args`, `$arg_*` keep the client's escapes, and a request header
 *    (`$http_*`, `$cookie_*`) cannot hold a raw line feed: nginx rejects it.
 *
 * Both follow `set`, `map` (values, and captures of regex keys over the map's source) and named
 * captures. One nginx detail matters for `newline`: the rewrite module's scripts (`set`,
 * `rewrite`) copy numbered captures with ngx_escape_uri(NGX_ESCAPE_ARGS) whenever the URI had a
 * `%` escape (e->quote in ngx_http_rewrite_handler), so a `\n` a capture got from `%0A` comes out
 * as `%0A` there; `return`, `add_header`, `proxy_set_header`, `proxy_pass` and map values copy
 * captures raw, and variables are copied raw everywhere (checked against nginx 1.22.1).
 */
import type { Directive } from '../../config/ast.js';
import { checkMapBody, type MapBody } from '../../config/blocks/map.js';
import { parseIfCondition } from '../../config/if-condition.js';
import { scanVariables, type VariableRef } from '../../config/variables.js';
import type { LintLevel, LintModel, LintServer } from '../model.js';
import { regexFacts } from './regex.js';
import { consumedBytes, fixedChoices, groupsOf, renderNode } from './redos.js';

export type Taint = 'client' | 'newline';

/** A reference in a script that carries the taint, and why, in words for a message. */
export interface TaintedRef {
  readonly ref: VariableRef;
  /** `$arg_url (a query argument)`, `$1 of location ~ ^/r/([^/]+)$ (…)`. */
  readonly why: string;
}

/** A regex whose groups can be captured: where it is and what it is matched against. */
interface RegexSource {
  readonly pattern: string;
  readonly caseless: boolean;
  /** How to name it in a message: `location ~ ^/p/(.+)$`, `rewrite ^/r/(.*)$`, `if ($http_x ~ …)`. */
  readonly label: string;
  /** The server the regex is in (a request stays in its server); null for map keys. */
  readonly server: LintServer | null;
  /** The subject: a builtin or user variable, or a script (map source). */
  readonly subject: { readonly kind: 'uri' } | { readonly kind: 'script'; readonly text: string; readonly level: LintLevel | null };
}

/** Builtins whose whole value the client chooses, with how to say so. */
export const CLIENT_BUILTINS: Readonly<Record<string, string>> = {
  args: 'the query string',
  query_string: 'the query string',
  request_uri: 'the request URI',
  request: 'the request line',
  uri: 'the request path',
  document_uri: 'the request path',
  request_body: 'the request body',
  content_type: 'the Content-Type header',
  remote_user: 'the user name of the Authorization header',
};

/** Builtins that can hold a line feed, with how it gets there. */
const NEWLINE_BUILTINS: Readonly<Record<string, string>> = {
  uri: 'the decoded request path: %0A in the request becomes a line feed',
  document_uri: 'the decoded request path: %0A in the request becomes a line feed',
  request_filename: 'built from the decoded request path: %0A becomes a line feed',
  fastcgi_script_name: 'built from the decoded request path: %0A becomes a line feed',
  fastcgi_path_info: 'part of the decoded request path: %0A becomes a line feed',
  request_body: 'the request body',
  remote_user: 'decoded from base64 in the Authorization header',
};

const cache = new WeakMap<LintModel, VariableFacts>();

/** The nearest location level around `level` (itself included), or null at server/http level. */
export function enclosingLocation(level: LintLevel): LintLevel | null {
  for (let l: LintLevel | null = level; l; l = l.parent) if (l.kind === 'location') return l;
  return null;
}

export class VariableFacts {
  private readonly memo = new Map<string, string | null>();
  private readonly sets = new Map<string, { directive: Directive; level: LintLevel }[]>();
  private readonly maps = new Map<string, { directive: Directive; body: MapBody }>();
  private readonly named = new Map<string, RegexSource[]>();
  private readonly catchAll = new Map<LintServer, string | null>();

  static of(model: LintModel): VariableFacts {
    let f = cache.get(model);
    if (!f) cache.set(model, (f = new VariableFacts(model)));
    return f;
  }

  private constructor(private readonly model: LintModel) {
    for (const { directive, level } of model.directives('set')) {
      const name = (directive.args[0]?.value ?? '').replace(/^\$/, '').toLowerCase();
      let list = this.sets.get(name);
      if (!list) this.sets.set(name, (list = []));
      list.push({ directive, level });
    }
    const expand = (inc: Directive) => (model.checked.includes.get(inc) ?? []).flatMap((f) => f.statements);
    for (const d of model.http?.conf.own('map') ?? []) {
      const target = (d.args[1]?.value ?? '').replace(/^\$/, '').toLowerCase();
      const body = checkMapBody(d.block ?? [], () => undefined, expand);
      if (!this.maps.has(target)) this.maps.set(target, { directive: d, body });
      for (const e of body.entries) {
        if (e.kind !== 'regex') continue;
        const src: RegexSource = { pattern: e.pattern, caseless: e.caseless, label: `map ${d.args[0]?.value ?? ''} key ~${e.caseless ? '*' : ''}${e.pattern}`, server: null, subject: { kind: 'script', text: d.args[0]?.value ?? '', level: null } };
        for (const n of e.names) this.addNamed(n, src);
      }
    }
    for (const level of model.levels) {
      if (level.kind === 'location' && level.location && (level.location.modifier === '~' || level.location.modifier === '~*')) {
        const src = locationSource(level);
        for (const n of regexFacts(src.pattern, src.caseless).names) this.addNamed(n, src);
      }
      for (const src of ownScriptRegexes(level)) for (const n of regexFacts(src.pattern, src.caseless).names) this.addNamed(n, src);
      if (level.kind === 'server') {
        for (const d of level.conf.own('server_name')) {
          for (const a of d.args) {
            if (!a.value.startsWith('~')) continue;
            const src: RegexSource = { pattern: a.value.slice(1), caseless: true, label: `server_name ${a.value}`, server: level.server, subject: { kind: 'script', text: '$host', level } };
            for (const n of regexFacts(src.pattern, true).names) this.addNamed(n, src);
          }
        }
      }
    }
  }

  /** The map that defines `$name` (its directive and body), or null. */
  map(name: string): { readonly directive: Directive; readonly body: MapBody } | null {
    return this.maps.get(name.replace(/^\$/, '').toLowerCase()) ?? null;
  }

  private addNamed(name: string, src: RegexSource): void {
    const key = name.toLowerCase();
    let list = this.named.get(key);
    if (!list) this.named.set(key, (list = []));
    list.push(src);
  }

  /**
   * Why the variable `name` (without `$`), read at `level`, carries `taint`; null when it cannot.
   * `level` gives the server (for `$host` and `set`).
   */
  variable(name: string, level: LintLevel | null, taint: Taint, seen: ReadonlySet<string> = new Set()): string | null {
    const key = name.toLowerCase();
    const server = level?.server ?? null;
    const memoKey = `${taint}\0${key}\0${server ? server.compiled.index : -1}`;
    if (seen.size === 0 && this.memo.has(memoKey)) return this.memo.get(memoKey)!;
    if (seen.has(key)) return null;
    const inner = new Set(seen).add(key);
    const why = this.variableUncached(key, level, taint, inner);
    if (seen.size === 0) this.memo.set(memoKey, why);
    return why;
  }

  private variableUncached(key: string, level: LintLevel | null, taint: Taint, seen: ReadonlySet<string>): string | null {
    const server = level?.server ?? null;
    if (taint === 'client') {
      if (key.startsWith('http_')) return `$${key} (the request header ${key.slice(5).replace(/_/g, '-')})`;
      if (key.startsWith('arg_')) return `$${key} (a query argument)`;
      if (key.startsWith('cookie_')) return `$${key} (a cookie)`;
      const b = CLIENT_BUILTINS[key];
      if (b !== undefined) return `$${key} (${b})`;
      if (key === 'host') {
        const why = server ? this.hostOpen(server) : null;
        return why === null ? null : `$host (the Host header: ${why})`;
      }
    } else {
      const b = NEWLINE_BUILTINS[key];
      if (b !== undefined) return `$${key} (${b})`;
    }
    // set: the sets of the same server (a request stays in its server).
    for (const { directive, level: at } of this.sets.get(key) ?? []) {
      if (server && at.server !== server) continue;
      // The rewrite module escapes numbered captures it copies (see the module comment).
      const refs = this.script(directive.args[1]?.value ?? '', [at], taint, { capturesEscaped: taint === 'newline', seen });
      if (refs[0]) return `$${key} (set from ${refs[0].why})`;
    }
    const map = this.maps.get(key);
    if (map) {
      const source = map.directive.args[0]?.value ?? '';
      const values: { value: string; regex: RegexSource | null }[] = map.body.entries.map((e) => ({
        value: e.value,
        regex: e.kind === 'regex' ? { pattern: e.pattern, caseless: e.caseless, label: `map ${source} key ~${e.caseless ? '*' : ''}${e.pattern}`, server: null, subject: { kind: 'script', text: source, level } } : null,
      }));
      if (map.body.defaultValue !== null) values.push({ value: map.body.defaultValue, regex: null });
      for (const { value, regex } of values) {
        const refs = this.scriptWith(value, (n) => (regex ? this.groupTaint(regex, n, taint, seen) : null), level, taint, seen);
        if (refs[0]) return `$${key} (a value of map ${source} $${key}, from ${refs[0].why})`;
      }
    }
    for (const src of this.named.get(key) ?? []) {
      if (src.server && server && src.server !== server) continue;
      const why = this.groupTaint(src, key, taint, seen, level);
      if (why) return why;
    }
    return null;
  }

  /**
   * Why any Host reaches `server` (so that `$host` is the client's choice): it is the default
   * server of one of its addresses, or a regex server_name accepts an arbitrary host. Null otherwise.
   */
  hostOpen(server: LintServer): string | null {
    if (this.catchAll.has(server)) return this.catchAll.get(server)!;
    let why: string | null = null;
    for (const [text, a] of this.model.compiled.addresses) {
      if (a.defaultServer === server.compiled) {
        why = `this server is the default server of ${text}, so requests with any Host reach it`;
        break;
      }
    }
    if (why === null) {
      for (const n of server.compiled.names) {
        if (n.regex && n.regex.test('attacker.invalid')) {
          why = `server_name ${n.name} accepts any host`;
          break;
        }
      }
    }
    this.catchAll.set(server, why);
    return why;
  }

  /**
   * The references of a script (a directive argument) that carry `taint`, read at `levels` (the
   * level it is written at, or every level where an inherited directive applies: numbered captures
   * depend on the location that runs it).
   */
  script(text: string, levels: readonly LintLevel[], taint: Taint, opts: { readonly capturesEscaped?: boolean; readonly seen?: ReadonlySet<string> } = {}): TaintedRef[] {
    const seen = opts.seen ?? new Set<string>();
    const level = levels[0] ?? null;
    return this.scriptWith(
      text,
      (n) => {
        if (opts.capturesEscaped) return null;
        for (const l of levels) {
          const why = this.capture(n, l, taint, seen);
          if (why) return why;
        }
        return null;
      },
      level,
      taint,
      seen,
    );
  }

  private scriptWith(text: string, captureWhy: (n: number) => string | null, level: LintLevel | null, taint: Taint, seen: ReadonlySet<string>): TaintedRef[] {
    const out: TaintedRef[] = [];
    for (const ref of scanVariables(text).refs) {
      const why = ref.capture ? captureWhy(Number(ref.name)) : this.variable(ref.name, level, taint, seen);
      if (why) out.push({ ref, why });
    }
    return out;
  }

  /** Why the numbered capture `$n`, read raw at `level`, carries `taint`; null when it cannot. */
  capture(n: number, level: LintLevel, taint: Taint, seen: ReadonlySet<string> = new Set()): string | null {
    for (const src of captureSources(level)) {
      const why = this.groupTaint(src, n, taint, seen, level);
      if (why) return why;
    }
    return null;
  }

  /** Why group `group` (number or name) of `src` carries `taint`. */
  private groupTaint(src: RegexSource, group: number | string, taint: Taint, seen: ReadonlySet<string>, level: LintLevel | null = null): string | null {
    const facts = regexFacts(src.pattern, src.caseless);
    if (facts.node === null) return null;
    const groups = groupsOf(facts.node);
    const g = typeof group === 'number' ? groups.byIndex.get(group) : [...groups.byName].find(([n]) => n.toLowerCase() === group)?.[1];
    if (!g) return null;
    const label = typeof group === 'number' ? `$${group}` : `$${group}`;
    let subjectWhy: string | null;
    if (src.subject.kind === 'uri') subjectWhy = taint === 'client' ? 'the request path' : 'the decoded request path';
    else {
      const at = src.subject.level ?? level;
      const refs = this.scriptWith(src.subject.text, () => null, at, taint, seen);
      subjectWhy = refs[0]?.why ?? null;
    }
    if (subjectWhy === null) return null;
    if (taint === 'client') {
      if (fixedChoices(g.body)) return null;
      return `${label} (captured by ${renderNode(g)} in ${src.label} from ${subjectWhy})`;
    }
    if (!consumedBytes(g.body, facts.node)[0x0a]) return null;
    return `${label} (captured by ${renderNode(g)} in ${src.label} from ${subjectWhy}; the group can match a line feed)`;
  }
}

function locationSource(level: LintLevel): RegexSource {
  const loc = level.location!;
  return { pattern: loc.name, caseless: loc.modifier === '~*', label: `location ${loc.modifier} ${loc.name}`, server: level.server, subject: { kind: 'uri' } };
}

/** The rewrite and `if` regexes of a level's own script, `if` blocks inside it included. */
function ownScriptRegexes(level: LintLevel): RegexSource[] {
  if (level.kind !== 'server' && level.kind !== 'location') return [];
  const out: RegexSource[] = [];
  const walk = (l: LintLevel): void => {
    for (const d of l.conf.directives) {
      if (d.name === 'rewrite') {
        const pattern = d.args[0]?.value ?? '';
        out.push({ pattern, caseless: false, label: `rewrite ${pattern}`, server: level.server, subject: { kind: 'uri' } });
      } else if (d.name === 'if') {
        const r = parseIfCondition(d.args.map((a) => a.value));
        if (r.ok && r.condition.kind === 'regex') {
          const c = r.condition;
          const op = `${c.negate ? '!' : ''}~${c.caseless ? '*' : ''}`;
          out.push({ pattern: c.pattern, caseless: c.caseless, label: `if ($${c.variable} ${op} ${c.pattern})`, server: level.server, subject: { kind: 'script', text: `$${c.variable}`, level: l } });
        }
        const child = l.children.find((c) => c.block === d);
        if (child) walk(child);
      }
    }
  };
  walk(level);
  return out;
}

/**
 * The regexes whose numbered captures a directive at `level` may see: the regex locations it is
 * in, the rewrite and `if` regexes of its location's script, and those of the server's script.
 */
const sourcesCache = new WeakMap<LintLevel, RegexSource[]>();

function captureSources(level: LintLevel): RegexSource[] {
  let hit = sourcesCache.get(level);
  if (!hit) sourcesCache.set(level, (hit = collectCaptureSources(level)));
  return hit;
}

function collectCaptureSources(level: LintLevel): RegexSource[] {
  const out: RegexSource[] = [];
  const loc = enclosingLocation(level);
  for (let l: LintLevel | null = loc; l; l = l.parent) {
    if (l.kind === 'location' && l.location && (l.location.modifier === '~' || l.location.modifier === '~*')) out.push(locationSource(l));
  }
  if (loc) out.push(...ownScriptRegexes(loc));
  if (level.server) out.push(...ownScriptRegexes(level.server.level));
  return out;
}

/** The levels where an inherited directive `d` written at `level` is in force (itself included). */
export function levelsUsing(d: Directive, level: LintLevel): LintLevel[] {
  const out: LintLevel[] = [level];
  const walk = (l: LintLevel): void => {
    for (const c of l.children) {
      if (c.conf.inherited(d.name).includes(d)) {
        out.push(c);
        walk(c);
      }
    }
  };
  walk(level);
  return out;
}

/**
 * Whether a client can send a request that ends up at `level` (a location, an `if` in one, or a
 * server): not in an `internal` location, and not in a named location that nothing in its server
 * falls back to (try_files, error_page).
 */
export function clientReachable(model: LintModel, level: LintLevel): boolean {
  const loc = enclosingLocation(level);
  if (loc === null) return true;
  if (model.compiledLocation(loc)?.internal) return false;
  if (loc.location?.modifier === '@') {
    const name = `@${loc.location.name.replace(/^@/, '')}`;
    const server = loc.server?.level;
    if (!server) return false;
    const names = (l: LintLevel): boolean =>
      [...l.conf.own('try_files'), ...l.conf.own('error_page')].some((d) => d.args[d.args.length - 1]?.value === name) || l.children.some(names);
    return names(server) || (model.http !== null && [...model.http.conf.own('error_page')].some((d) => d.args[d.args.length - 1]?.value === name));
  }
  return true;
}
