# The syntax of nginx.conf: statements and blocks. No directive names appear here; what a directive
# means is the registry's business (src/config/registry). The grammar reads statements, not words:
# the statement reader in src/config/statements.ts (ngx_conf_parse's loop over the moo lexer's
# tokens, src/config/lexer.ts) hands it a `lines` token for each run of statements without a block
# (directives ended by `;` and the comments between statements, in order), an `open` token for a
# directive's name and arguments ended by the `{` of its block, and each `}`. With a token per word,
# the Earley parse was most of the parse's time (bench/parse-check.mjs): a token costs it about the
# same whatever it holds.
@preprocessor typescript

@{%
import { grammarLexer as lexer } from './statements.js';
import { appendLines, buildDirective } from './syntax-nodes.js';
import type { LexToken, LinesToken, OpenToken } from './statements.js';
%}

@lexer lexer

file -> statements {% id %}

statements -> null {% () => [] %}
  | statements %lines {% ([list, run]) => appendLines(list, (run as LinesToken).nodes) %}
  | statements %open statements %rbrace {% ([list, open, body, close]) => { const o = open as OpenToken; list.push(buildDirective(o.name, o.args, o.brace, body, close as LexToken)); return list; } %}
