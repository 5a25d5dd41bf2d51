# The syntax of nginx.conf: statements, arguments and blocks. No directive names appear here; what a
# directive means is the registry's business (src/config/registry). Tokens come from src/config/lexer.ts;
# whitespace is dropped before the parser sees the stream, comments are kept.
@preprocessor typescript

@{%
import { grammarLexer as lexer } from './lexer.js';
import { buildDirective, buildComment, type Tok } from './syntax-nodes.js';

// An argument (or a directive's name) is a word or a quoted string: one terminal that matches three
// token types. As a nonterminal (`arg -> %word | %dq | %sq`) it cost the Earley parser four more
// states per token, and the parse about 40% more time (bench/parse-check.mjs).
// `var`, not `const`: nearleyc declares every %name it meets as `declare var name: any`.
var arg = { test: (t: Tok) => t.type === 'word' || t.type === 'dq' || t.type === 'sq' };
%}

@lexer lexer

file -> statements {% id %}

statements -> null {% () => [] %}
  | statements directive {% ([list, d]) => { list.push(d); return list; } %}
  | statements %comment {% ([list, c]) => { list.push(buildComment(c as Tok)); return list; } %}

directive -> %arg args %semi {% ([name, args, end]) => buildDirective(name, args, end, null, null) %}
  | %arg args %lbrace statements %rbrace {% ([name, args, open, body, close]) => buildDirective(name, args, open, body, close) %}

# Comments may stand between arguments; they are kept in the file's comment list, not in the arguments.
args -> null {% () => [] %}
  | args %arg {% ([list, a]) => { list.push(a); return list; } %}
  | args %comment {% ([list]) => list %}
