/** The limits rules, in `--list-rules` order. */
import type { Rule } from '../../rule.js';

export const LIMITS_RULES: readonly Rule[] = [];
