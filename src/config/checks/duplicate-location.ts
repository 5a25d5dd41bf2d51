/**
 * `duplicate location "X"`: ngx_http_join_exact_locations finds two exact (`=`) or two prefix
 * (plain or `^~`) locations with the same name at one level. Regex locations are never compared.
 * nginx names the second one, at the line of its opening `{`.
 */
import type { Directive } from '../ast.js';
import { locationModifier } from '../validate.js';
import { directivesOf } from './expanded.js';
import type { PostCheckContext } from './post-check.js';

/** Checks every server of an http block, level by level (nested locations included). */
export function checkDuplicateLocations(http: Directive, cx: PostCheckContext): boolean {
  for (const server of directivesOf(http.block ?? [], cx.includes)) {
    if (server.name !== 'server' || server.block === null) continue;
    if (!checkLevel(server, cx)) return false;
  }
  return true;
}

function checkLevel(parent: Directive, cx: PostCheckContext): boolean {
  const children = directivesOf(parent.block ?? [], cx.includes);
  const locations: Directive[] = [];
  // Indexed, not for-of or filter: this runs cold in ngts -t for every location, most of which
  // have no location inside.
  for (let i = 0; i < children.length; i++) {
    const d = children[i]!;
    if (d.name === 'location' && d.block !== null) locations.push(d);
  }
  if (locations.length === 0) return true;
  const seen = new Map<string, Directive>();
  for (let i = 0; i < locations.length; i++) {
    const loc = locations[i]!;
    const [mod, name] = locationModifier(loc.args);
    if (mod === '~' || mod === '~*' || mod === '@') continue;
    const key = (mod === '=' ? 'exact:' : 'prefix:') + name;
    if (seen.has(key)) {
      cx.report('emerg', `duplicate location "${name}"`, loc.span.file, loc.terminator, 'duplicate-location', {
        column: loc.nameSpan.start.column,
      });
      return false;
    }
    seen.set(key, loc);
  }
  for (let i = 0; i < locations.length; i++) if (!checkLevel(locations[i]!, cx)) return false;
  return true;
}
