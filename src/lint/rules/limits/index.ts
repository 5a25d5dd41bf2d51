/** The limits rules, in `--list-rules` order. */
import type { Rule } from '../../rule.js';
import { unusedZone } from './unused-zone.js';
import { limitReqWithoutStatus } from './limit-req-without-status.js';

export const LIMITS_RULES: readonly Rule[] = [unusedZone, limitReqWithoutStatus];
