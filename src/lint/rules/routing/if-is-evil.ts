/**
 * if-is-evil: an `if` in a location with directives other than the rewrite module's return, rewrite,
 * set and break. nginx makes the `if` block a configuration of its own (an implicit nested
 * location) that serves the request when the condition holds; other directives in it then behave in
 * ways that surprise (nginx wiki, "If is Evil").
 */
import type { Rule } from '../../rule.js';

/** The rewrite module's directives: these run in order while the condition's block is evaluated. */
const SAFE = new Set(['return', 'rewrite', 'set', 'break', 'rewrite_log', 'uninitialized_variable_warn']);

/** What goes wrong with a directive in an `if`, for the ones people put there most. */
const WHY: Readonly<Record<string, string>> = {
  add_header:
    'the block has its own add_header list, so the location\'s (and server\'s) add_header lines are not sent when the condition holds',
  proxy_pass:
    'the block becomes the request\'s configuration when the condition holds; proxy_pass there cannot have a URI part and directives after the if still run with the block\'s settings',
};

export const ifIsEvil: Rule = {
  id: 'if-is-evil',
  category: 'routing',
  severity: 'warning',
  summary: 'an if block in a location with directives other than return, rewrite, set or break',
  explain:
    'An `if` inside a location is not a plain condition: when it holds, nginx serves the request with the ' +
    'block as a configuration of its own (an implicit nested location) that inherits the location\'s. Only ' +
    'the rewrite module\'s directives (return, rewrite, set, break) run in order as written; others (add_header, ' +
    'proxy_pass, root, expires …) replace or lose settings of the location in ways that surprise, and the last ' +
    'matching if wins. Keep if blocks to return and rewrite … last; choose values with map and use the ' +
    'variable in the location instead.',
  bad: `server {
    listen 127.0.0.1:8000;
    location / {
        add_header X-Frame-Options DENY;
        if ($arg_debug) {
            add_header X-Debug on;
        }
        return 200 "ok";
    }
}`,
  good: `map $arg_debug $debug_header {
    default "";
    ~.      on;
}
server {
    listen 127.0.0.1:8000;
    location / {
        add_header X-Frame-Options DENY;
        add_header X-Debug $debug_header;
        if ($request_method = POST) {
            return 405;
        }
        return 200 "ok";
    }
}`,
  check(model, report) {
    for (const level of model.levels) {
      if (level.kind !== 'if' || level.parent?.kind !== 'location') continue;
      const seen = new Set<string>();
      for (const d of level.conf.directives) {
        if (SAFE.has(d.name) || seen.has(d.name)) continue;
        seen.add(d.name);
        const why = WHY[d.name] ?? 'only return, rewrite, set and break behave as written inside an if in a location';
        report({
          directive: d,
          message: `${d.name} inside "if" in a location: ${why}`,
          hint: 'move it out of the if: pick the value with map (or set) and use the variable in the location, or return/rewrite … last to another location',
        });
      }
    }
  },
};
