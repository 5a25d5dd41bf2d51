/** The security rules, in `--list-rules` order. */
import type { Rule } from '../../rule.js';

export const SECURITY_RULES: readonly Rule[] = [];
