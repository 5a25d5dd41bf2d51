/**
 * valid-referers-none: `valid_referers none …` lets every request without a Referer header pass,
 * and any page can make the browser omit it.
 */
import type { Rule } from '../../rule.js';

export const validReferersNone: Rule = {
  id: 'valid-referers-none',
  category: 'security',
  severity: 'warning',
  summary: 'valid_referers with "none": requests without a Referer pass the check',
  explain:
    'With "none" in valid_referers, $invalid_referer is empty for every request that has no Referer header. ' +
    'Clients other than browsers simply do not send one, and any page can make browsers omit it too ' +
    '(<meta name="referrer" content="no-referrer">, rel="noreferrer"), so a hotlink or CSRF-style check built on ' +
    '$invalid_referer protects nothing. "blocked" (a Referer whose scheme a proxy removed) is weaker still but ' +
    'is not reported on its own. Drop "none" where the protected resources are only ever loaded from your pages.',
  bad: `server {
    listen 127.0.0.1:8080;
    location /images/ {
        valid_referers none server_names;
        if ($invalid_referer) { return 403; }
    }
}`,
  good: `server {
    listen 127.0.0.1:8080;
    location /images/ {
        valid_referers server_names;
        if ($invalid_referer) { return 403; }
    }
}`,
  check(model, report) {
    for (const { directive } of model.directives('valid_referers')) {
      const i = directive.args.findIndex((a) => a.value === 'none');
      if (i < 0) continue;
      report({
        directive,
        arg: i,
        message: 'valid_referers none: requests without a Referer header pass, and any page can make browsers leave it out',
        hint: 'remove "none" (keep server_names and your own hosts)',
      });
    }
  },
};
