/** The upstreams rules, in `--list-rules` order. */
import type { Rule } from '../../rule.js';
import { unusedUpstream } from './unused-upstream.js';

export const UPSTREAMS_RULES: readonly Rule[] = [unusedUpstream];
