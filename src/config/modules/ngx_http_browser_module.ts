/**
 * ngx_http_browser_module (src/http/modules/ngx_http_browser_module.c): the $modern_browser,
 * $ancient_browser and $msie variables, accepted with nginx's checks but not run by ngts.
 */
import type { Context, DirectiveSpec, ModuleSpec, Setter } from '../registry/types.js';

const M = 'ngx_http_browser_module';
const MSL: readonly Context[] = ['HTTP_MAIN', 'HTTP_SRV', 'HTTP_LOC'];

/** The browsers modern_browser knows (ngx_http_modern_browser_masks), matched case-insensitively. */
const BROWSERS = ['msie', 'gecko', 'safari', 'opera', 'konqueror'];

/**
 * ngx_http_modern_browser: `unlisted`, or a known browser and a version of digits and dots. With a
 * single argument other than `unlisted`, nginx fails without a message of its own; ngts says why.
 */
const modernBrowser: Setter = (cx, args) => {
  const name = args[0]?.value ?? '';
  if (args.length === 1) {
    if (name !== 'unlisted') cx.fail('needs "unlisted" or a browser and a version (nginx prints no reason)');
    return;
  }
  if (!BROWSERS.includes(name.toLowerCase())) {
    cx.error(`unknown browser name "${name}"`);
    return;
  }
  const version = args[1]?.value ?? '';
  if (!/^[0-9.]*$/.test(version)) cx.error(`invalid browser version "${version}"`);
};

const directives: readonly DirectiveSpec[] = [
  { name: 'modern_browser', module: M, contexts: MSL, args: [1, 2], slot: { kind: 'none' }, set: modernBrowser, effect: 'none' },
  { name: 'ancient_browser', module: M, contexts: MSL, args: '1MORE', slot: { kind: 'none' }, effect: 'none' },
  { name: 'modern_browser_value', module: M, contexts: MSL, args: [1], slot: { kind: 'none' }, effect: 'none' },
  { name: 'ancient_browser_value', module: M, contexts: MSL, args: [1], slot: { kind: 'none' }, effect: 'none' },
];

export const ngxHttpBrowserModule: ModuleSpec = { name: M, directives };
