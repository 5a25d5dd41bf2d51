/** The security rules, in `--list-rules` order. */
import type { Rule } from '../../rule.js';
import { ssrf } from './ssrf.js';
import { httpSplitting } from './http-splitting.js';
import { hostSpoofing } from './host-spoofing.js';
import { originRegex } from './origin-regex.js';
import { validReferersNone } from './valid-referers-none.js';
import { aliasTraversal } from './alias-traversal.js';
import { versionDisclosure } from './version-disclosure.js';
import { allowWithoutDeny } from './allow-without-deny.js';
import { internalReachable } from './internal-reachable.js';
import { regexRedos } from './regex-redos.js';

export const SECURITY_RULES: readonly Rule[] = [
  ssrf,
  httpSplitting,
  hostSpoofing,
  originRegex,
  validReferersNone,
  aliasTraversal,
  versionDisclosure,
  allowWithoutDeny,
  internalReachable,
  regexRedos,
];
