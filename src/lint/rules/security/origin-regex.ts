/**
 * origin-regex: an allow-list regex over $http_origin or $http_referer (`if ($http_origin ~ …)`,
 * or a map over them) that an attacker's origin passes: not anchored at the start or at the end,
 * or with an unescaped `.` between domain labels. The finding shows an attacker string built from
 * the pattern's tree and confirmed with the compiled pattern.
 */
import { parseIfCondition } from '../../../config/if-condition.js';
import type { Node } from '../../../config/pcre/ast.js';
import type { LintLevel, LintModel } from '../../model.js';
import type { Rule } from '../../rule.js';
import { regexFacts } from '../../facts/regex.js';
import { VariableFacts } from '../../facts/variables.js';

const SOURCES = new Set(['http_origin', 'http_referer']);

/** Whether a set is `.` (every byte but maybe the newline). */
function isAnyByte(bytes: Uint8Array): boolean {
  for (let c = 0; c < 256; c++) if (c !== 0x0a && !bytes[c]) return false;
  return true;
}

const PICK = 'abcdefghijklmnopqrstuvwxyz0123456789-.';

/**
 * A text the tree matches, kept plain: the first alternative (the one holding `attack` when
 * given), one iteration of an unbounded repeat, none of an optional one (one with `once`), a
 * letter for a class. A lone `.` (not repeated)
 * is written as `.`, or as `x` when it is `attack`. Null for what it cannot generate.
 */
function sample(root: Node, attack: Node | null, once = false): string | null {
  const contains = (n: Node, target: Node): boolean => {
    if (n === target) return true;
    switch (n.t) {
      case 'seq':
        return n.items.some((i) => contains(i, target));
      case 'alt':
        return n.branches.some((b) => contains(b, target));
      case 'group':
      case 'repeat':
        return contains(n.body, target);
      default:
        return false;
    }
  };
  const gen = (n: Node, repeated: boolean): string | null => {
    switch (n.t) {
      case 'empty':
      case 'assert':
        return '';
      case 'char': {
        const ch = String.fromCharCode(n.c);
        return n.caseless ? ch.toLowerCase() : ch;
      }
      case 'set': {
        if (isAnyByte(n.bytes) && !repeated) return n === attack ? 'x' : '.';
        for (const ch of PICK) if (n.bytes[ch.charCodeAt(0)]) return ch;
        for (let c = 0x21; c < 0x7f; c++) if (n.bytes[c]) return String.fromCharCode(c);
        return null;
      }
      case 'seq': {
        let out = '';
        for (const i of n.items) {
          const s = gen(i, repeated);
          if (s === null) return null;
          out += s;
        }
        return out;
      }
      case 'alt': {
        const order = attack ? [...n.branches].sort((a, b) => Number(contains(b, attack)) - Number(contains(a, attack))) : n.branches;
        for (const b of order) {
          const s = gen(b, repeated);
          if (s !== null) return s;
        }
        return null;
      }
      case 'group':
        return n.kind === 'capture' || n.kind === 'noncapture' ? gen(n.body, repeated) : '';
      case 'repeat': {
        // `*` and `+` once, `?` not at all (`(:[0-9]+)?` adds nothing an origin needs), or as
        // often as `once` says; once anyway when it holds the attacked dot.
        const k = n.min > 0 ? n.min : n.max === Infinity || once || (attack !== null && contains(n.body, attack)) ? 1 : 0;
        if (k > 8) return null;
        const body = gen(n.body, repeated || n.max > 1);
        if (body === null) return null;
        return body.repeat(k);
      }
      default:
        return null;
    }
  };
  return gen(root, false);
}

/** The unrepeated `.` nodes of a tree: a `.` meant as the dot between domain labels. */
function loneDots(root: Node): Node[] {
  const out: Node[] = [];
  const walk = (n: Node, repeated: boolean): void => {
    switch (n.t) {
      case 'set':
        if (!repeated && isAnyByte(n.bytes)) out.push(n);
        break;
      case 'seq':
        n.items.forEach((i) => walk(i, repeated));
        break;
      case 'alt':
        n.branches.forEach((b) => walk(b, repeated));
        break;
      case 'group':
        if (n.kind === 'capture' || n.kind === 'noncapture') walk(n.body, repeated);
        break;
      case 'repeat':
        walk(n.body, repeated || n.max > 1);
        break;
      default:
        break;
    }
  };
  walk(root, false);
  return out;
}

function hostOf(s: string): string | null {
  try {
    const u = new URL(s);
    return u.hostname === '' ? null : u.hostname.toLowerCase();
  } catch {
    return null;
  }
}

function withScheme(s: string): string {
  return /^[a-z][a-z0-9+.-]*:\/\//i.test(s) ? s : `https://${s}`;
}

/** The registrable part of a host, roughly: its last two labels. */
function site(host: string): string {
  return host.split('.').filter((l) => l !== '').slice(-2).join('.');
}

/**
 * What is wrong with an allow-list regex, with an attacker string it accepts; null when the
 * analysis finds no string it can confirm. For the Origin header only real origins count
 * (scheme://host[:port], what a browser sends); a Referer may carry a path and a query.
 */
export function originBypass(pattern: string, caseless: boolean, header: 'origin' | 'referer'): { readonly problem: string; readonly attack: string } | null {
  const facts = regexFacts(pattern, caseless);
  const re = facts.re;
  if (facts.node === null || re === null) return null;
  const node = facts.node;
  const samples = [sample(node, null), sample(node, null, true)].filter((s, i, all): s is string => s !== null && all.indexOf(s) === i);
  for (const base of samples) {
    const legit = hostOf(withScheme(base));
    if (legit === null) continue;
    const accepts = (s: string): boolean => {
      re.lastIndex = 0;
      if (!re.test(s)) return false;
      const h = hostOf(s);
      if (h === null || !h.includes('.') || h === site(legit) || h.endsWith(`.${site(legit)}`)) return false;
      if (header === 'origin') {
        try {
          if (new URL(s).origin !== s) return false;
        } catch {
          return false;
        }
      }
      return true;
    };
    const scheme = /^[a-z][a-z0-9+.-]*:\/\//i.exec(base)?.[0] ?? '';
    const rest = base.slice(scheme.length);
    if (!facts.anchoredEnd) {
      for (const c of [base + '.evil.test', withScheme(base) + '.evil.test']) {
        if (accepts(c)) return { problem: 'is not anchored at the end ($)', attack: c };
      }
    }
    if (!facts.anchoredStart) {
      for (const c of [`${scheme || 'https://'}evil${rest}`, `${scheme || 'https://'}evil-${rest}`, `https://evil.test/?${base}`]) {
        if (accepts(c)) return { problem: 'is not anchored at the start (^)', attack: c };
      }
    }
  }
  for (const dot of loneDots(node)) {
    for (const once of [false, true]) {
      const v = sample(node, dot, once);
      const legitV = sample(node, null, once);
      if (v === null || legitV === null) continue;
      const legit = hostOf(withScheme(legitV));
      for (const c of [v, withScheme(v)]) {
        re.lastIndex = 0;
        const h = hostOf(c);
        // The dot became a letter: the host is one label shorter, a name anyone can register.
        if (!re.test(c) || h === null || legit === null || h === legit || !h.includes('.')) continue;
        if (header === 'origin' && (() => { try { return new URL(c).origin !== c; } catch { return true; } })()) continue;
        return { problem: 'has an unescaped "." that matches any character', attack: c };
      }
    }
  }
  return null;
}

/** Whether an `if` block answers with an error (a deny list: matching means refused). */
function denies(level: LintLevel | undefined): boolean {
  if (!level) return false;
  return level.conf.own('return').some((d) => {
    const code = Number(d.args[0]?.value ?? '');
    return Number.isInteger(code) && code >= 400;
  });
}

/** Whether a map's variable is only used to refuse requests (`if ($bad_referer) { return 403; }`). */
function denyListMap(model: LintModel, variable: string): boolean {
  const uses = model.variableUses.get(variable.toLowerCase()) ?? [];
  const ifs = uses.filter((u) => u.directive.name === 'if');
  return ifs.length > 0 && ifs.every((u) => denies(model.levelOfBlock(u.directive)) && !/!=|!~/.test(u.directive.args.map((a) => a.value).join(' ')));
}

export const originRegex: Rule = {
  id: 'origin-regex',
  category: 'security',
  severity: 'error',
  summary: 'an Origin/Referer allow-list regex that an attacker\'s origin passes (unanchored, or an unescaped ".")',
  explain:
    'A check such as if ($http_origin ~ "example.com") or a map over $http_origin / $http_referer that decides ' +
    'which sites may make credentialed CORS requests (or pass a Referer check) must match the whole origin: ' +
    'without "^" the pattern also matches https://evil.test/?https://example.com or https://evilexample.com, without ' +
    '"$" it matches https://example.com.evil.test, and an unescaped "." matches any character, so ' +
    '"^https://api.example\\.com$" also accepts https://apixexample.com, a domain anyone can register. The rule ' +
    'builds such a string from the pattern and reports it only when the compiled pattern accepts it. Deny lists ' +
    '(a match that answers 403) are not reported: for them a loose pattern only blocks more.',
  bad: `server {
    listen 127.0.0.1:8080;
    location / {
        if ($http_origin ~* "https://example\\.com") {
            add_header Access-Control-Allow-Origin $http_origin;
        }
        return 204;
    }
}`,
  good: `server {
    listen 127.0.0.1:8080;
    location / {
        if ($http_origin ~* "^https://(www\\.)?example\\.com$") {
            add_header Access-Control-Allow-Origin $http_origin;
        }
        return 204;
    }
}`,
  check(model, report) {
    for (const { directive, level } of model.directives('if')) {
      const r = parseIfCondition(directive.args.map((a) => a.value));
      if (!r.ok || r.condition.kind !== 'regex') continue;
      const c = r.condition;
      if (!SOURCES.has(c.variable.toLowerCase())) continue;
      const deny = denies(level.children.find((l) => l.block === directive));
      if (!c.negate && deny) continue;
      const found = originBypass(c.pattern, c.caseless, c.variable.toLowerCase() === 'http_referer' ? 'referer' : 'origin');
      if (!found) continue;
      report({
        directive,
        arg: directive.args.length - 1,
        message: `the ${c.variable === 'http_referer' ? 'Referer' : 'Origin'} check "${c.pattern}" ${found.problem}: it accepts "${found.attack}"`,
        hint: 'anchor the whole origin and escape the dots: "^https://(www\\.)?example\\.com$"',
      });
    }
    const facts = VariableFacts.of(model);
    for (const d of model.http?.conf.own('map') ?? []) {
      const source = (d.args[0]?.value ?? '').replace(/^\$/, '').toLowerCase();
      if (!SOURCES.has(source)) continue;
      const variable = (d.args[1]?.value ?? '').replace(/^\$/, '');
      const map = facts.map(variable);
      if (!map || denyListMap(model, variable)) continue;
      for (const e of map.body.entries) {
        if (e.kind !== 'regex' || e.value === '' || e.value === '0') continue;
        const found = originBypass(e.pattern, e.caseless, source === 'http_referer' ? 'referer' : 'origin');
        if (!found) continue;
        report({
          directive: e.line,
          message: `the ${source === 'http_referer' ? 'Referer' : 'Origin'} pattern "${e.pattern}" of map $${source} $${variable} ${found.problem}: it accepts "${found.attack}"`,
          hint: 'anchor the whole origin and escape the dots: "~^https://(www\\.)?example\\.com$"',
        });
      }
    }
  },
};
