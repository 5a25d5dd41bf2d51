import { describe, expect, it } from 'vitest';
import type { Directive, Statement } from '../../src/config/ast.js';
import { parseConfig } from '../../src/config/parser.js';

function directives(list: readonly Statement[]): Directive[] {
  return list.filter((s): s is Directive => s.kind === 'directive');
}

describe('parser: nginx syntax', () => {
  it('parses directives, blocks, quoting and positions', () => {
    const f = parseConfig('events {}\nhttp {\n  server { listen 127.0.0.1:80; return 200 "a\\"b"; }\n}\n', 'x.conf');
    expect(f.error).toBeNull();
    const [events, http] = directives(f.statements);
    expect(events!.name).toBe('events');
    expect(events!.block).toEqual([]);
    const server = directives(http!.block!)[0]!;
    const [listen, ret] = directives(server.block!);
    expect(listen!.args.map((a) => a.value)).toEqual(['127.0.0.1:80']);
    expect(listen!.nameSpan.start).toEqual({ line: 3, column: 12, offset: 28 });
    expect(ret!.args[1]).toMatchObject({ raw: '"a\\"b"', value: 'a"b', quote: '"' });
  });

  it('unescapes as ngx_conf_read_token: \\" \\\' \\\\ \\n \\t \\r, other backslashes stay', () => {
    const f = parseConfig("a 'x\\'y' \"t\\tn\\nr\\r\" w\\ord \\$x \"\\d\";", 'x.conf');
    const args = directives(f.statements)[0]!.args.map((a) => a.value);
    expect(args).toEqual(["x'y", 't\tn\nr\r', 'w\\ord', '\\$x', '\\d']);
  });

  it('keeps ${var}, }, # and quotes inside unquoted words', () => {
    const f = parseConfig('set $a ${b}c}d#e"f;', 'x.conf');
    expect(directives(f.statements)[0]!.args.map((a) => a.value)).toEqual(['$a', '${b}c}d#e"f']);
  });

  it('quoted strings may span lines; a quoted directive name is a name', () => {
    const f = parseConfig('"return" 200 "a\nb";', 'x.conf');
    const d = directives(f.statements)[0]!;
    expect(d.name).toBe('return');
    expect(d.args[1]!.value).toBe('a\nb');
  });

  it('treats `)` after a closing quote as the start of a new word (if conditions)', () => {
    const f = parseConfig('if ($a = "b") { return 200; }', 'x.conf');
    expect(directives(f.statements)[0]!.args.map((a) => a.value)).toEqual(['($a', '=', 'b', ')']);
  });

  it('keeps comments, including those between arguments', () => {
    const f = parseConfig('# top\nlisten 80 # why\n  default_server;\n', 'x.conf');
    expect(f.comments.map((c) => c.text)).toEqual(['# top', '# why']);
    expect(directives(f.statements)[0]!.args.map((a) => a.value)).toEqual(['80', 'default_server']);
    expect(f.statements[0]!.kind).toBe('comment');
  });

  it('reads CRLF line endings', () => {
    const f = parseConfig('a 1;\r\nb {\r\n c 2;\r\n}\r\n', 'x.conf');
    expect(f.error).toBeNull();
    expect(directives(f.statements).map((d) => d.name)).toEqual(['a', 'b']);
  });

  const errors: [string, string, number][] = [
    ['a { b "x"y; }', 'unexpected "y"', 1],
    ['a {\n b;\n', 'unexpected end of file, expecting "}"', 3],
    ['a b', 'unexpected end of file, expecting ";" or "}"', 1],
    ['a { } }', 'unexpected "}"', 1],
    ['a { b c }', 'unexpected "}"', 1],
    ['{', 'unexpected "{"', 1],
    ['a;\n;', 'unexpected ";"', 2],
    ['a "unterminated ;\n}\n', 'unexpected end of file, expecting ";" or "}"', 3],
    ['a "x"}', 'unexpected "}"', 1],
    ['a \'x\'"y";', 'unexpected """', 1],
  ];
  for (const [text, message, line] of errors) {
    it(`reports ${JSON.stringify(message)} for ${JSON.stringify(text)} at line ${line}`, () => {
      const f = parseConfig(text, 'x.conf');
      expect(f.error).not.toBeNull();
      expect(f.error!.message).toBe(message);
      expect(f.error!.position.line).toBe(line);
    });
  }

  it('keeps the statements before a syntax error, with the error in the innermost open block', () => {
    const f = parseConfig('a 1;\nb {\n c 2;\n d "x"y;\n}', 'x.conf');
    const [a, b] = directives(f.statements);
    expect(a!.name).toBe('a');
    expect(b!.block!.map((s) => s.kind)).toEqual(['directive', 'syntax-error']);
  });

  it('applies the 4096-byte token limit as nginx does', () => {
    const ok = parseConfig(`a ${'x'.repeat(4095)};`, 'x.conf');
    expect(ok.error).toBeNull();
    const long = parseConfig(`a ${'x'.repeat(4096)};`, 'x.conf');
    expect(long.error!.message).toBe('too long parameter "xxxxxxxxxx..." started');
    const quoted = parseConfig(`a "${'x'.repeat(4095)}";`, 'x.conf');
    expect(quoted.error!.message).toBe('too long parameter "xxxxxxxxxx..." started');
    const open = parseConfig(`a "${'x'.repeat(5000)}`, 'x.conf');
    expect(open.error!.message).toBe('too long parameter, probably missing terminating """ character');
    const comment = parseConfig(`#${'x'.repeat(5000)}\na;`, 'x.conf');
    expect(comment.error!.message).toBe('too long parameter "#xxxxxxxxx..." started');
  });
});

describe('parser: hostile input never crashes or hangs', () => {
  // Inputs are built when their test runs, not while vitest collects the file. The parse is
  // synchronous, so vitest's timeout cannot stop one that hangs: the lexer's quoted-string rules once
  // backtracked exponentially on an unclosed quote, and this file then seemed to hang while loading.
  const cases: [string, () => string][] = [
    ['binary garbage', () => Buffer.from(Array.from({ length: 20000 }, (_, i) => (i * 7919) % 256)).toString('latin1')],
    ['NUL bytes', () => 'a\0b 1;\0'],
    ['invalid UTF-8', () => Buffer.from([0x61, 0x20, 0xff, 0xfe, 0xc3, 0x28, 0x3b]).toString('latin1')],
    ['a 10 MB line', () => 'a ' + 'x'.repeat(10 * 1024 * 1024) + ';'],
    ['a 10 MB quoted string', () => 'a "' + 'x'.repeat(10 * 1024 * 1024) + '";'],
    ['10,000 nested blocks', () => 'a {'.repeat(10000) + '}'.repeat(10000)],
    ['an unterminated string at EOF', () => 'a "' + 'x'.repeat(100)],
    ['an unterminated 10 MB string at EOF', () => 'a "' + 'x'.repeat(10 * 1024 * 1024)],
    ['an unterminated single-quoted string with escapes', () => "a '" + 'x\\y'.repeat(10000)],
    ['a lone backslash at EOF', () => 'a \\'],
  ];
  for (const [name, make] of cases) {
    it(name, () => {
      const text = make();
      const t0 = Date.now();
      const f = parseConfig(text, 'x.conf');
      expect(Date.now() - t0).toBeLessThan(5_000);
      expect(f.path).toBe('x.conf');
    });
  }
});
