/** The routing rules, in `--list-rules` order. */
import type { Rule } from '../../rule.js';

export const ROUTING_RULES: readonly Rule[] = [];
