/** The headers rules, in `--list-rules` order. */
import type { Rule } from '../../rule.js';
import { addHeaderRedefinition } from './add-header-redefinition.js';
import { proxySetHeaderRedefinition } from './proxy-set-header-redefinition.js';
import { addHeaderContentType } from './add-header-content-type.js';

export const HEADERS_RULES: readonly Rule[] = [addHeaderRedefinition, proxySetHeaderRedefinition, addHeaderContentType];
