/**
 * Every lint rule, by category; one file per rule in the category's folder. The order here is the
 * order of `ngts check --list-rules`.
 */
import type { Rule } from '../rule.js';
import { SECURITY_RULES } from './security/index.js';
import { HEADERS_RULES } from './headers/index.js';
import { ROUTING_RULES } from './routing/index.js';
import { UPSTREAMS_RULES } from './upstreams/index.js';
import { LIMITS_RULES } from './limits/index.js';

export const RULES: readonly Rule[] = [...SECURITY_RULES, ...HEADERS_RULES, ...ROUTING_RULES, ...UPSTREAMS_RULES, ...LIMITS_RULES];

const byId = new Map(RULES.map((r) => [r.id, r]));

export function ruleById(id: string): Rule | undefined {
  return byId.get(id);
}
