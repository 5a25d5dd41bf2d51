/**
 * capture-out-of-range: `$N` where every regex that can have run last before it has fewer than N
 * groups, so `$N` is always empty. nginx keeps one set of captures per request: each regex match
 * (location, rewrite, if, map, server_name, proxy_redirect) replaces it with its own groups — a match
 * without groups leaves none — and a rewrite or `if` regex that does not match clears it.
 *
 * The places checked: a rewrite replacement against its own regex; rewrite-module directives (set,
 * return, if conditions, rewrites without groups …) against the regexes that can have run last on
 * the way to them, walking the location's script in order; and the other directives of a location
 * (proxy_pass, root, alias, add_header, try_files …), which run after the whole script, against
 * every regex that can have run last by then. Outside regex locations, that includes everything that
 * may run before an internal redirect: every regex of the server and of the maps.
 */
import type { Directive } from '../../../config/ast.js';
import { directivesOf } from '../../../config/checks/expanded.js';
import { compiledArgs, indexesOf } from '../../../config/checks/variable-args.js';
import { parseIfCondition } from '../../../config/if-condition.js';
import { scanVariables } from '../../../config/variables.js';
import type { LintLevel, LintModel, LintServer } from '../../model.js';
import type { Rule, RuleReport } from '../../rule.js';
import { regexFacts } from '../../facts/regex.js';

/** Regexes that can have set the captures: what each is (for messages) and its group count. */
type Sources = Map<string, number>;

const UNKNOWN = Infinity;
const NONE = 'no regex';
/** Suffix of the sources that stand for a regex that did not match (no captures). */
const MISSED = ' that did not match';

function union(...all: Sources[]): Sources {
  const out: Sources = new Map();
  for (const s of all) for (const [k, v] of s) out.set(k, v);
  return out;
}

function one(what: string, groups: number): Sources {
  return new Map([[what, groups]]);
}

function maxOf(s: Sources): number {
  let m = -1;
  for (const v of s.values()) m = Math.max(m, v);
  return m;
}

/** The highest `$N` an argument uses, and that reference's text. */
function highestCapture(value: string): number {
  if (!value.includes('$')) return 0;
  let n = 0;
  for (const r of scanVariables(value).refs) if (r.capture) n = Math.max(n, Number(r.name));
  return n;
}

function groupsWord(n: number): string {
  return n === 0 ? 'no capture groups' : n === 1 ? '1 capture group' : `${n} capture groups`;
}

function locLabel(level: LintLevel): string {
  const loc = level.location!;
  return `location ${loc.modifier && loc.modifier !== '@' ? loc.modifier + ' ' : ''}${loc.name}`;
}

function regexPattern(arg: string): { pattern: string; caseless: boolean } | null {
  if (!arg.startsWith('~')) return null;
  const caseless = arg.startsWith('~*');
  return { pattern: arg.slice(caseless ? 2 : 1), caseless };
}

/** Directives whose first argument may be a `~regex` that their other arguments' $N refer to. */
const OWN_REGEX = new Set(['proxy_redirect', 'proxy_cookie_path', 'proxy_cookie_domain']);

interface Context {
  readonly model: LintModel;
  readonly report: (r: RuleReport) => void;
  /** Variables set by a map with a capturing regex: evaluating one replaces the captures. */
  readonly mapVars: ReadonlySet<string>;
  /** Sources that can run at any time a variable or a response header is evaluated. */
  readonly anytime: Sources;
}

function usesMapVar(cx: Context, d: Directive): boolean {
  for (const a of d.args) {
    if (!a.value.includes('$')) continue;
    for (const r of scanVariables(a.value).refs) if (!r.capture && cx.mapVars.has(r.name.toLowerCase())) return true;
  }
  return false;
}

/** The arguments of `d` whose $N are request captures (not its own regex's), with their index. */
function captureArgs(d: Directive): { index: number; n: number }[] {
  const out: { index: number; n: number }[] = [];
  if (d.name === 'rewrite') return out;
  if (OWN_REGEX.has(d.name) && regexPattern(d.args[0]?.value ?? '') !== null) return out;
  if (d.name === 'if') {
    const c = parseIfCondition(d.args.map((a) => a.value));
    if (!c.ok) return out;
    const last = d.args.length - 1;
    if (c.condition.kind === 'compare' || c.condition.kind === 'file') {
      const text = c.condition.kind === 'compare' ? c.condition.value : c.condition.path;
      const n = highestCapture(text);
      if (n > 0) out.push({ index: last, n });
    }
    return out;
  }
  const spec = compiledArgs.get(d.name);
  // Certificates are loaded during the TLS handshake, outside any request.
  if (spec === undefined || d.name.startsWith('ssl_')) return out;
  for (const i of indexesOf(spec, d.args.length)) {
    const n = highestCapture(d.args[i]!.value);
    if (n > 0) out.push({ index: i, n });
  }
  return out;
}

function reportUse(cx: Context, d: Directive, sources: Sources, where: string): void {
  if (sources.size === 0) return;
  // The directive's $N first: most have none, and a server's sources hold every regex location of
  // it (bench/parse-check.mjs: 1,000 of them, for each of 18,000 directives).
  const uses = captureArgs(d);
  if (uses.length === 0) return;
  const max = maxOf(sources);
  if (max === UNKNOWN) return;
  for (const { index, n } of uses) {
    if (n <= max) continue;
    if (usesMapVar(cx, d)) return;
    const named = [...sources.keys()].filter((k) => k !== NONE && !k.endsWith(MISSED));
    let why: string;
    if (named.length === 0) why = 'no regex with capture groups can have run before it';
    else if (named.length === 1 && max === sources.get(named[0]!)) why = `the regex that sets the captures ${where === 'before it' ? 'here' : where}, ${named[0]}, has ${groupsWord(max)}`;
    else {
      const list = named.slice(0, 3).join(', ') + (named.length > 3 ? ` and ${named.length - 3} more` : '');
      why = `every regex that can have run last ${where} has at most ${groupsWord(max)} (${list})`;
    }
    cx.report({
      directive: d,
      arg: index,
      message: `$${n} in ${d.name} is always empty: ${why}`,
      hint: max <= 0 ? `add a capture group to the regex, or use a variable instead of $${n}` : `use ${max === 1 ? '$1' : `$1…$${max}`}, or add the group to the regex`,
    });
    return;
  }
}

/** rewrite, proxy_redirect ~regex …: the replacement against the directive's own regex. */
function checkOwnRegex(cx: Context, d: Directive): void {
  let pattern: { pattern: string; caseless: boolean } | null;
  let arg: number;
  if (d.name === 'rewrite') {
    pattern = { pattern: d.args[0]?.value ?? '', caseless: false };
    arg = 1;
  } else if (OWN_REGEX.has(d.name)) {
    pattern = regexPattern(d.args[0]?.value ?? '');
    arg = 1;
  } else return;
  if (pattern === null || d.args[arg] === undefined) return;
  const n = highestCapture(d.args[arg]!.value);
  if (n === 0 || usesMapVar(cx, d)) return;
  const facts = regexFacts(pattern.pattern, pattern.caseless);
  if (facts.node === null || n <= facts.captures) return;
  cx.report({
    directive: d,
    arg,
    message: `$${n} in the ${d.name} replacement is always empty: its regex "${pattern.pattern}" has ${groupsWord(facts.captures)}`,
    hint: facts.captures === 0 ? `capture the part you need: (…) in the regex` : `use ${facts.captures === 1 ? '$1' : `$1…$${facts.captures}`}, or add the group to the regex`,
  });
}

/** Sources of a regex directive of the rewrite script (rewrite or if), or null when it has none. */
function scriptRegex(d: Directive): { what: string; groups: number; negate: boolean } | null {
  if (d.name === 'rewrite') {
    const p = d.args[0]?.value ?? '';
    return { what: `rewrite ${p}`, groups: regexFacts(p, false).captures, negate: false };
  }
  if (d.name === 'if') {
    const c = parseIfCondition(d.args.map((a) => a.value));
    const text = `if ${d.args.map((a) => a.value).join(' ')}`;
    if (!c.ok) {
      // A condition ngts cannot run: assume nothing about what it captures.
      return d.args.some((a) => /^!?~\*?$/.test(a.value)) ? { what: text, groups: UNKNOWN, negate: false } : null;
    }
    if (c.condition.kind !== 'regex') return null;
    return { what: text, groups: regexFacts(c.condition.pattern, c.condition.caseless).captures, negate: c.condition.negate };
  }
  return null;
}

const SCRIPT = new Set(['rewrite', 'set', 'return', 'break', 'if']);

/**
 * Walks a level's rewrite script in order from `entry`: checks the rewrite-module directives against
 * the captures at their point, and returns every state seen (for the directives that run later).
 */
function walkScript(cx: Context, level: LintLevel, entry: Sources, content: Directive[]): { all: Sources; end: Sources } {
  let state = entry;
  let all = entry;
  for (const d of level.conf.directives) {
    if (d.name === 'location') continue;
    checkOwnRegex(cx, d);
    if (!SCRIPT.has(d.name)) {
      if (d.block === null) content.push(d);
      else {
        // limit_except: its directives run in the location's later phases.
        const child = cx.model.levelOfBlock(d);
        if (child) collectContent(child, content);
      }
      continue;
    }
    if (usesMapVar(cx, d)) {
      all = union(all, cx.anytime);
      state = union(state, cx.anytime);
    }
    if (d.name === 'set' || d.name === 'return') reportUse(cx, d, state, 'before it');
    if (d.name === 'return' || d.name === 'break') {
      state = new Map();
      continue;
    }
    const rx = scriptRegex(d);
    if (d.name === 'rewrite') {
      if (rx === null) continue;
      const flag = d.args[2]?.value;
      // A match with last/break/redirect/permanent stops the script; going on means no match,
      // which clears the captures.
      state = union(one(`rewrite ${d.args[0]?.value ?? ''}${MISSED}`, 0), flag === undefined ? one(rx.what, rx.groups) : new Map());
      all = union(all, one(rx.what, rx.groups), state);
      continue;
    }
    if (d.name === 'if') {
      reportUse(cx, d, state, 'before it');
      const body = cx.model.levelOfBlock(d);
      let bodyEntry: Sources;
      let skipped: Sources;
      if (rx === null) {
        bodyEntry = state;
        skipped = state;
      } else {
        const matched = one(rx.what, rx.groups);
        const missed = one(`${rx.what}${MISSED}`, 0);
        bodyEntry = rx.negate ? missed : matched;
        skipped = rx.negate ? matched : missed;
      }
      all = union(all, bodyEntry, skipped);
      let after: Sources = new Map();
      if (body) {
        const walked = walkScript(cx, body, bodyEntry, content);
        all = union(all, walked.all);
        after = walked.end;
      }
      state = union(skipped, after);
      all = union(all, state);
    }
  }
  return { all, end: state };
}

function collectContent(level: LintLevel, out: Directive[]): void {
  for (const d of level.conf.directives) if (d.block === null && !SCRIPT.has(d.name)) out.push(d);
}

/** Every regex that can have set the captures somewhere in the server, and `none`. */
function serverSources(cx: Context, server: LintServer): Sources {
  const out: Sources = union(one(NONE, 0), cx.anytime);
  for (const d of server.level.conf.own('server_name')) {
    for (const a of d.args) if (a.value.startsWith('~')) out.set(`server_name ${a.value}`, regexFacts(a.value.slice(1), true).captures);
  }
  const walk = (l: LintLevel): void => {
    if (l.kind === 'location' && l.location && (l.location.modifier === '~' || l.location.modifier === '~*')) {
      out.set(locLabel(l), regexFacts(l.location.name, l.location.modifier === '~*').captures);
    }
    for (const d of l.conf.directives) {
      const rx = d.name === 'rewrite' || d.name === 'if' ? scriptRegex(d) : null;
      if (rx) out.set(rx.what, rx.groups);
    }
    l.children.forEach(walk);
  };
  walk(server.level);
  return out;
}

function checkServer(cx: Context, server: LintServer): void {
  const global = serverSources(cx, server);
  // The server's own script and the directives every location inherits.
  const serverContent: Directive[] = [];
  walkScript(cx, server.level, global, serverContent);
  for (const d of serverContent) reportUse(cx, d, global, 'in this server');
  // Each location: the sources after the lookup, its script, then its other directives, which
  // nested locations inherit (so their sources count too).
  const locationAll = new Map<LintLevel, Sources>();
  const locationContent = new Map<LintLevel, Directive[]>();
  const visit = (level: LintLevel): Sources => {
    const loc = level.location!;
    const entry = loc.modifier === '~' || loc.modifier === '~*' ? one(locLabel(level), regexFacts(loc.name, loc.modifier === '~*').captures) : global;
    const content: Directive[] = [];
    let all = walkScript(cx, level, entry, content).all;
    for (const c of level.children) if (c.kind === 'location') all = union(all, visit(c));
    locationAll.set(level, all);
    locationContent.set(level, content);
    return all;
  };
  for (const c of server.level.children) if (c.kind === 'location') visit(c);
  for (const [level, content] of locationContent) {
    // Read only: without map regexes, the location's own sources as they are (a copy of a server's
    // thousand regexes for each location was most of this rule's time on bench/parse-check.mjs).
    const sources = cx.anytime.size === 0 ? locationAll.get(level)! : union(locationAll.get(level)!, cx.anytime);
    for (const d of content) reportUse(cx, d, sources, `when ${d.name} is evaluated`);
  }
}

export const captureOutOfRange: Rule = {
  id: 'capture-out-of-range',
  category: 'routing',
  severity: 'warning',
  summary: '$N where the regex that sets the captures has fewer than N groups',
  explain:
    '$1…$9 are the groups of the last regex nginx ran for the request: the location regex, then each rewrite or ' +
    'if regex of the location in turn (a regex that does not match clears them; one without groups leaves ' +
    'none). A $N beyond the group count of that regex is silently empty, so `rewrite ^/old/(.*)$ /new/$2` ' +
    'or `location ~ ^/img/(.*)$ { alias /data/$2; }` build a wrong path without any error. Directives that run ' +
    'after the rewrite phase (proxy_pass, root, alias, add_header, try_files …) see the captures of whatever ' +
    'regex ran last; the rule reports only when no regex that can run last has enough groups.',
  bad: `server {
    listen 127.0.0.1:8000;
    location ~ ^/img/(.*)$ { alias /var/www/images/$2; }
}`,
  good: `server {
    listen 127.0.0.1:8000;
    location ~ ^/img/(.*)$ { alias /var/www/images/$1; }
}`,
  check(model, report) {
    const mapVars = new Set<string>();
    let anytime: Sources = new Map();
    const http = model.http;
    if (http) {
      for (const d of http.conf.own('map')) {
        let groups = -1;
        for (const line of directivesOf(d.block ?? [], model.checked.includes)) {
          const p = regexPattern(line.name);
          if (p) groups = Math.max(groups, regexFacts(p.pattern, p.caseless).captures);
        }
        if (groups >= 0) {
          const v = (d.args[1]?.value ?? '').replace(/^\$/, '').toLowerCase();
          mapVars.add(v);
          anytime = union(anytime, one(`map ${d.args[0]?.value ?? ''} ${d.args[1]?.value ?? ''}`, groups));
        }
      }
    }
    // proxy_redirect and proxy_cookie_* regexes run while the upstream's headers are read.
    for (const name of OWN_REGEX) {
      for (const { directive } of model.directives(name)) {
        const p = regexPattern(directive.args[0]?.value ?? '');
        if (p) anytime = union(anytime, one(`${name} ${directive.args[0]!.value}`, regexFacts(p.pattern, p.caseless).captures));
      }
    }
    const cx: Context = { model, report, mapVars, anytime };
    for (const server of model.servers) checkServer(cx, server);
  },
};
