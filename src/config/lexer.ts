/**
 * The tokenizer of nginx's configuration language, as moo rules. It mirrors ngx_conf_read_token
 * (src/core/ngx_conf_file.c): whitespace is only space, tab, CR and LF; `#` starts a comment only
 * where a token starts; quotes open a string only where a token starts; inside an unquoted word `}`,
 * quotes and `#` are ordinary characters and only whitespace, `;` and `{` end it (except the `{`
 * right after a `$`, for `${var}`); a backslash protects the next character.
 *
 * Sources are decoded as latin1 so that one character is one byte, as nginx sees them: columns are
 * byte columns and values round-trip to the original bytes with Buffer.from(s, 'latin1').
 */
import moo from 'moo';

/** The characters of an unquoted word after its first: anything but whitespace, `;`, `{`, `\`, `$`. */
// Runs of plain characters are matched with `+` so that a 10 MB word is a few regex iterations,
// not ten million (V8's backtracking stack overflows on the latter).
const WORD_REST = String.raw`(?:[^ \t\r\n;{\\$]+|\\[^]|\\$|\$\{?)*`;

/**
 * The whitespace that ends a token. nginx's reader skips it as part of reading the token before
 * (ngx_conf_read_token's last_space), and so do these rules: a word, a comment, `;`, `{` and `}`
 * match with the whitespace after them, so moo makes one token, not two, for each (half of the
 * tokens of a configuration were whitespace). A token's text is then its characters and that
 * whitespace; tokenText() (src/config/statements.ts) takes the whitespace off.
 */
const TRAILING_WS = String.raw`[ \t\r\n]*`;

const rules = {
  main: {
    lbrace: { match: new RegExp('\\{' + TRAILING_WS), lineBreaks: true },
    rbrace: { match: new RegExp('\\}' + TRAILING_WS), lineBreaks: true },
    semi: { match: new RegExp(';' + TRAILING_WS), lineBreaks: true },
    // Whitespace no token before has taken: at the start of the file and after a closing quote.
    ws: { match: /[ \t\r\n]+/, lineBreaks: true },
    comment: { match: new RegExp('#[^\\n]*' + TRAILING_WS), lineBreaks: true },
    // Unrolled (`"` plain* (escape plain*)* `"`), never `(?:plain+|escape)*`: with a nested `+` an
    // unclosed quote makes V8 try every split of the text before giving up, 2^n steps (`a "` and 30
    // characters took seconds, 5000 never ended). Unrolled, each character has one way to match.
    dq: { match: /"[^"\\]*(?:\\[^][^"\\]*)*"/, lineBreaks: true, next: 'afterQuote' },
    sq: { match: /'[^'\\]*(?:\\[^][^'\\]*)*'/, lineBreaks: true, next: 'afterQuote' },
    // A quote that is never closed runs to the end of the file.
    unterminated: { match: /["'][^]*/, lineBreaks: true },
    word: {
      match: new RegExp(String.raw`(?:[^ \t\r\n;{}"'#\\$]|\\[^]|\\$|\$\{?)` + WORD_REST + TRAILING_WS),
      lineBreaks: true,
    },
  },
  // After a closing quote nginx wants whitespace, `;`, `{` or `)` (which starts a new word).
  afterQuote: {
    semi: { match: new RegExp(';' + TRAILING_WS), lineBreaks: true, next: 'main' },
    lbrace: { match: new RegExp('\\{' + TRAILING_WS), lineBreaks: true, next: 'main' },
    ws: { match: /[ \t\r\n]+/, lineBreaks: true, next: 'main' },
    word: { match: new RegExp(String.raw`\)` + WORD_REST + TRAILING_WS), lineBreaks: true, next: 'main' },
    junk: { match: /[^]/, lineBreaks: true, next: 'main' },
  },
};

/** Token types the lexer produces. */
export type TokenType =
  | 'ws'
  | 'comment'
  | 'dq'
  | 'sq'
  | 'unterminated'
  | 'lbrace'
  | 'rbrace'
  | 'semi'
  | 'word'
  | 'junk';

// Compiled once: moo.states() builds its combined regexes on every call, which cost more than
// lexing a small included file (a tenth of the time of bench/parse-check.mjs went there).
const compiled = moo.states(rules) as moo.Lexer & { clone(): moo.Lexer };

/** A fresh lexer (moo lexers are stateful; one per file). Clones share the compiled rules. */
export function createLexer(): moo.Lexer {
  return compiled.clone();
}
