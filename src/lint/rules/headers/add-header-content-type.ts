/**
 * add-header-content-type: `add_header Content-Type …`. The headers filter appends a header line;
 * it does not replace the Content-Type nginx already sends, so the response carries two.
 */
import type { Rule } from '../../rule.js';

function quoted(v: string): string {
  return /[\s;{}'"]/.test(v) ? `"${v.replace(/["\\]/g, '\\$&')}"` : v;
}

export const addHeaderContentType: Rule = {
  id: 'add-header-content-type',
  category: 'headers',
  severity: 'warning',
  summary: 'add_header Content-Type sends a second Content-Type header',
  explain:
    'add_header appends a header to the response; it does not replace the ones nginx sets itself. nginx ' +
    'always sends a Content-Type (from `types` and `default_type`, or from the upstream), so ' +
    '`add_header Content-Type …` yields two Content-Type headers, which clients resolve differently ' +
    '(nginx 1.22.1 sends `Content-Type: text/plain` from default_type and the added one after it). Set ' +
    'the type with `default_type` (or a `types { }` block) instead; for proxied responses, ' +
    'proxy_hide_header Content-Type first and then add_header.',
  bad: `server {
    listen 127.0.0.1:8000;
    location /api/status {
        add_header Content-Type application/json;
        return 200 '{"ok":true}';
    }
}`,
  good: `server {
    listen 127.0.0.1:8000;
    location /api/status {
        default_type application/json;
        return 200 '{"ok":true}';
    }
}`,
  check(model, report) {
    for (const { directive, level } of model.directives('add_header')) {
      const name = directive.args[0]?.value ?? '';
      if (name.toLowerCase() !== 'content-type') continue;
      // An empty value adds nothing (ngx_http_add_header skips it).
      if ((directive.args[1]?.value ?? '') === '') continue;
      // With proxy_hide_header Content-Type the upstream's is removed: for a location that proxies,
      // the added one is the only one.
      const conf = model.locConf(level.kind === 'if' ? level.parent! : level);
      const hidden = conf !== null && conf.proxy.pass !== null && conf.proxy.hideHeaders.has('content-type');
      if (hidden) continue;
      report({
        directive,
        arg: 0,
        message: `add_header Content-Type adds a second Content-Type header: nginx still sends its own (from default_type/types or the upstream)`,
        hint: `set the type with default_type ${quoted(directive.args[1]?.value ?? '…')} (or a types { } block) instead of add_header`,
      });
    }
  },
};
