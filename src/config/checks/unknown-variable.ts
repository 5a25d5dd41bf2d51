/**
 * `unknown "x" variable`: ngx_http_variables_init_vars, at the end of the http block, finds a
 * variable that a script refers to and that no module, `set`, `map`, `geo`, `split_clients`,
 * `auth_request_set` or named regex capture defines. nginx prints it without a file:line; we keep the
 * place of the first reference. Malformed references (`invalid variable name`) are reported here
 * too, where nginx reports them, at the directive.
 */
import type { Arg, Directive } from '../ast.js';
import { compilePcre } from '../regex.js';
import { isBuiltinVariable, scanVariables } from '../variables.js';
import { locationModifier } from '../validate.js';
import { directivesOf } from './expanded.js';
import type { PostCheckContext } from './post-check.js';
import { compiledArgs } from './variable-args.js';

interface Ref {
  readonly name: string;
  readonly d: Directive;
  readonly arg: Arg;
}

const FREEFORM_DEFINERS = new Set(['map', 'geo', 'split_clients']);

/** Checks every variable reference of the http block. Returns false when it reported an error. */
export function checkVariables(http: Directive, cx: PostCheckContext): boolean {
  const defined = new Set<string>();
  const refs: Ref[] = [];
  const captureNames = (pattern: string, caseless: boolean): void => {
    // A named group needs `(?`; without one there is nothing to define (and the setter has already
    // compiled the pattern once, which is most of this check's time on regex-heavy configurations).
    if (!pattern.includes('(?')) return;
    const r = compilePcre(pattern, caseless);
    if (r.ok) for (const n of r.names) defined.add(n.toLowerCase());
  };
  const use = (d: Directive, arg: Arg): boolean => {
    const scan = scanVariables(arg.value);
    const found = scan.refs;
    for (let i = 0; i < found.length; i++) if (!found[i]!.capture) refs.push({ name: found[i]!.name.toLowerCase(), d, arg });
    return scan.error === null;
  };

  const walk = (list: readonly Directive[]): void => {
    // Indexed, not for-of: this runs cold in ngts -t, where V8's interpreter makes an object for
    // each step of a for-of loop.
    for (let k = 0; k < list.length; k++) {
      const d = list[k]!;
      const args = d.args;
      switch (d.name) {
        case 'set':
        case 'auth_request_set':
          if (args[0]?.value.startsWith('$')) defined.add(args[0].value.slice(1).toLowerCase());
          break;
        case 'map':
        case 'split_clients':
          if (args[0]) use(d, args[0]);
          if (args[1]?.value.startsWith('$')) defined.add(args[1].value.slice(1).toLowerCase());
          break;
        case 'geo': {
          const target = args.length === 2 ? args[1] : args[0];
          if (args.length === 2 && args[0]) use(d, args[0]);
          if (target?.value.startsWith('$')) defined.add(target.value.slice(1).toLowerCase());
          break;
        }
        case 'location': {
          // Only a regex location (`~`, `~*`: its first argument starts with `~`) can name captures.
          if (args[0]?.value.charCodeAt(0) !== 0x7e) break;
          const [mod, name] = locationModifier(args);
          if (mod === '~' || mod === '~*') captureNames(name, mod === '~*');
          break;
        }
        case 'server_name':
          for (const a of args) if (a.value.startsWith('~')) captureNames(a.value.slice(1), false);
          break;
        case 'rewrite':
          if (args[0]) captureNames(args[0].value, false);
          break;
        case 'if':
          ifCondition(d, use, captureNames);
          break;
        case 'log_format': {
          let i = 1;
          if (args[i]?.value.startsWith('escape=')) i++;
          for (; i < args.length; i++) use(d, args[i]!);
          break;
        }
        default: {
          const spec = compiledArgs.get(d.name);
          if (spec === undefined) break;
          // Without a list of indexes made for each directive: most compile one argument.
          const n = args.length;
          if (spec === 'all') for (let i = 0; i < n; i++) use(d, args[i]!);
          else if (spec === 'rest') for (let i = 1; i < n; i++) use(d, args[i]!);
          else if (spec === 'last') {
            if (n > 0) use(d, args[n - 1]!);
          } else for (let i = 0; i < spec.length; i++) if (spec[i]! < n) use(d, args[spec[i]!]!);
        }
      }
      if (d.block === null) continue;
      if (FREEFORM_DEFINERS.has(d.name)) {
        freeformValues(d, use, captureNames, cx);
        continue;
      }
      walk(directivesOf(d.block, cx.includes));
    }
  };
  walk(directivesOf(http.block ?? [], cx.includes));

  for (const r of refs) {
    if (defined.has(r.name) || isBuiltinVariable(r.name)) continue;
    cx.report('emerg', `unknown "${r.name}" variable`, r.d.span.file, r.d.terminator, 'unknown-variable', {
      unlocated: true,
      column: r.arg.span.start.column,
    });
    return false;
  }
  return true;
}

/** Values of map/geo/split_clients lines are scripts; regex keys of a map define named captures. */
function freeformValues(
  d: Directive,
  use: (d: Directive, a: Arg) => boolean,
  captureNames: (p: string, caseless: boolean) => void,
  cx: PostCheckContext,
): void {
  for (const line of directivesOf(d.block ?? [], cx.includes)) {
    const key = line.name;
    if (d.name === 'map' && (key.startsWith('~*') || key.startsWith('~'))) {
      const caseless = key.startsWith('~*');
      captureNames(key.slice(caseless ? 2 : 1), caseless);
    }
    if (d.name === 'map' || d.name === 'split_clients') {
      const value = line.args[0];
      if (value && key !== 'hostnames' && key !== 'volatile' && key !== 'include') use(line, value);
    }
  }
}

/** Operands of an `if` condition: variables on the left, and on the right of = and != . */
function ifCondition(
  d: Directive,
  use: (d: Directive, a: Arg) => boolean,
  captureNames: (p: string, caseless: boolean) => void,
): void {
  const args = d.args;
  const first = args[0];
  if (!first) return;
  const op = args[1]?.value;
  if (op === '~' || op === '~*' || op === '!~' || op === '!~*') {
    const pattern = args[2]?.value.replace(/\)$/, '');
    if (pattern !== undefined) captureNames(pattern, op.endsWith('*'));
    use(d, first);
    return;
  }
  for (const a of args) if (a.value !== '=' && a.value !== '!=' && !/^!?-[fdex]$/.test(a.value)) use(d, a);
}
