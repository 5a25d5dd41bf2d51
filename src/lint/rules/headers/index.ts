/** The headers rules, in `--list-rules` order. */
import type { Rule } from '../../rule.js';

export const HEADERS_RULES: readonly Rule[] = [];
