# The syntax of nginx.conf: statements, arguments and blocks. No directive names appear here; what a
# directive means is the registry's business (src/config/registry). Tokens come from src/config/lexer.ts;
# whitespace is dropped before the parser sees the stream, comments are kept.
@preprocessor typescript

@{%
import { grammarLexer as lexer } from './lexer.js';
import { buildDirective, buildComment, type Tok } from './syntax-nodes.js';
%}

@lexer lexer

file -> statements {% id %}

statements -> null {% () => [] %}
  | statements statement {% ([list, s]) => { list.push(s); return list; } %}

statement -> directive {% id %}
  | %comment {% ([c]) => buildComment(c as Tok) %}

directive -> arg args %semi {% ([name, args, end]) => buildDirective(name, args, end, null, null) %}
  | arg args %lbrace statements %rbrace {% ([name, args, open, body, close]) => buildDirective(name, args, open, body, close) %}

# Comments may stand between arguments; they are kept in the file's comment list, not in the arguments.
args -> null {% () => [] %}
  | args arg {% ([list, a]) => { list.push(a); return list; } %}
  | args %comment {% ([list]) => list %}

arg -> %word {% id %}
  | %dq {% id %}
  | %sq {% id %}
