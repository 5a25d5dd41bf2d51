/**
 * http-splitting: a value that can hold a line feed written into a header line: add_header,
 * add_trailer, the Location of a redirect (return, rewrite … redirect), proxy_set_header, or the
 * request line proxy_pass sends. nginx decodes %0A in the path ($uri) and copies variables into
 * headers as they are, so the client writes its own headers (response splitting, or request
 * splitting towards the upstream).
 */
import type { Directive } from '../../../config/ast.js';
import type { LintLevel } from '../../model.js';
import type { Rule } from '../../rule.js';
import { VariableFacts, levelsUsing } from '../../facts/variables.js';

const REDIRECT_CODES = new Set(['301', '302', '303', '307', '308']);

interface Sink {
  readonly arg: number;
  /** What the value becomes, for the message. */
  readonly what: string;
  readonly toUpstream: boolean;
  /** The rewrite module escapes numbered captures (rewrite … redirect). */
  readonly capturesEscaped: boolean;
  /** The levels where the directive applies (inherited ones apply below). */
  readonly levels: readonly LintLevel[];
}

function sinkOf(d: Directive, level: LintLevel): Sink | null {
  const args = d.args.map((a) => a.value);
  switch (d.name) {
    case 'add_header':
    case 'add_trailer':
      return { arg: 1, what: `the response header ${args[0] ?? ''}`, toUpstream: false, capturesEscaped: false, levels: levelsUsing(d, level) };
    case 'proxy_set_header':
      return { arg: 1, what: `the header ${args[0] ?? ''} sent to the upstream`, toUpstream: true, capturesEscaped: false, levels: levelsUsing(d, level) };
    case 'proxy_pass':
      return { arg: 0, what: 'the request line sent to the upstream', toUpstream: true, capturesEscaped: false, levels: [level] };
    case 'return': {
      const first = args[0] ?? '';
      if (args.length === 1 && !/^\d+$/.test(first)) return { arg: 0, what: 'the Location header of the redirect', toUpstream: false, capturesEscaped: false, levels: [level] };
      if (args.length === 2 && REDIRECT_CODES.has(first)) return { arg: 1, what: 'the Location header of the redirect', toUpstream: false, capturesEscaped: false, levels: [level] };
      return null;
    }
    case 'rewrite': {
      const replacement = args[1] ?? '';
      const flag = args[2];
      const redirect = flag === 'redirect' || flag === 'permanent' || /^(https?:\/\/|\$scheme)/.test(replacement);
      return redirect ? { arg: 1, what: 'the Location header of the redirect', toUpstream: false, capturesEscaped: true, levels: [level] } : null;
    }
    default:
      return null;
  }
}

const SINKS = ['add_header', 'add_trailer', 'proxy_set_header', 'proxy_pass', 'return', 'rewrite'];

export const httpSplitting: Rule = {
  id: 'http-splitting',
  category: 'security',
  severity: 'error',
  summary: 'a value that can hold a line feed ($uri, a capture over the path) written into a header',
  explain:
    'nginx decodes %0A (and %0D) in the request path, so $uri, $document_uri and $request_filename can hold a ' +
    'line feed, and so can a regex capture over the path whose group can match "\\n": ([^/]+) can, (.*) and (\\d+) ' +
    'cannot ("." excludes "\\n" in PCRE without (?s)). add_header, add_trailer, proxy_set_header, proxy_pass and the ' +
    'Location of return and of a redirecting rewrite copy such values as they are, so a request for ' +
    '/x%0D%0ASet-Cookie:%20a=b adds its own header to the response (or to the request sent to the upstream). ' +
    'Values set or mapped from these carry the line feed too. $request_uri, $args, $arg_* and request headers ' +
    'cannot hold a raw line feed (nginx keeps the escapes, or rejects the request), and numbered captures ' +
    'copied by set and rewrite are re-escaped by nginx when the URI had escapes: those are not reported.',
  bad: `server {
    listen 127.0.0.1:8080;
    location /old/ { return 301 https://example.com$uri; }
}`,
  good: `server {
    listen 127.0.0.1:8080;
    location /old/ { return 301 https://example.com$request_uri; }
}`,
  check(model, report) {
    const facts = VariableFacts.of(model);
    for (const name of SINKS) {
      for (const { directive, level } of model.directives(name)) {
        const sink = sinkOf(directive, level);
        if (!sink) continue;
        const value = directive.args[sink.arg]?.value ?? '';
        if (!value.includes('$')) continue;
        const refs = facts.script(value, sink.levels, 'newline', { capturesEscaped: sink.capturesEscaped });
        if (refs.length === 0) continue;
        const first = refs[0]!;
        const effect = sink.toUpstream
          ? 'a request with %0D%0A there adds its own headers to the request nginx sends the upstream'
          : 'a request with %0D%0A there adds its own headers to the response';
        report({
          directive,
          arg: sink.arg,
          message: `${first.why} goes into ${sink.what}: ${effect}`,
          hint: 'use $request_uri (which keeps the escapes) instead of $uri, or capture with a group that cannot match a line feed, e.g. ([^/\\r\\n]+)',
        });
      }
    }
  },
};
