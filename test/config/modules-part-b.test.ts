/**
 * The part B command tables against nginx's own: fixtures/registry/nginx-1.22.1-commands.json was
 * read from the ngx_command_t tables of the nginx binary this project is checked against (name,
 * module, context mask, argument mask, block flag of every directive it knows).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { partB } from '../../src/config/modules/part-b.js';

interface Command {
  readonly name: string;
  readonly module: string;
  readonly contexts: readonly string[];
  readonly args: readonly number[] | string;
  readonly block: boolean;
}

const commands = JSON.parse(
  readFileSync(join(__dirname, '../../fixtures/registry/nginx-1.22.1-commands.json'), 'utf8'),
) as Command[];

describe('part B command tables', () => {
  it('declare every directive of their modules, as nginx does', () => {
    const modules = new Set(partB.map((m) => m.name));
    const expected = commands.filter((c) => modules.has(c.module)).map((c) => `${c.module} ${c.name}`);
    const declared = partB.flatMap((m) => m.directives.map((d) => `${d.module} ${d.name}`));
    expect(declared.sort()).toEqual(expected.sort());
  });

  it('give each directive nginx contexts, arguments and block', () => {
    const wrong: string[] = [];
    for (const m of partB) {
      for (const d of m.directives) {
        expect(d.module).toBe(m.name);
        const c = commands.find((x) => x.name === d.name && x.module === d.module);
        if (!c) continue;
        const mine = { contexts: [...d.contexts].sort(), args: d.args, block: d.block !== undefined };
        const theirs = { contexts: c.contexts, args: c.args, block: c.block };
        if (JSON.stringify(mine) !== JSON.stringify(theirs)) wrong.push(`${d.name}: ${JSON.stringify(mine)} vs ${JSON.stringify(theirs)}`);
      }
    }
    expect(wrong).toEqual([]);
  });
});
