/** The upstreams rules, in `--list-rules` order. */
import type { Rule } from '../../rule.js';
import { unusedUpstream } from './unused-upstream.js';
import { upstreamKeepaliveIneffective } from './upstream-keepalive-ineffective.js';
import { unusedMap } from './unused-map.js';
import { missingResolver } from './missing-resolver.js';

export const UPSTREAMS_RULES: readonly Rule[] = [unusedUpstream, upstreamKeepaliveIneffective, unusedMap, missingResolver];
