/** The routing rules, in `--list-rules` order. */
import type { Rule } from '../../rule.js';
import { proxyPassSlashMismatch } from './proxy-pass-slash-mismatch.js';
import { shadowedLocation } from './shadowed-location.js';
import { unanchoredRegex } from './unanchored-regex.js';
import { regexCouldBeExact } from './regex-could-be-exact.js';
import { ifIsEvil } from './if-is-evil.js';
import { captureOutOfRange } from './capture-out-of-range.js';

export const ROUTING_RULES: readonly Rule[] = [proxyPassSlashMismatch, shadowedLocation, unanchoredRegex, regexCouldBeExact, ifIsEvil, captureOutOfRange];
