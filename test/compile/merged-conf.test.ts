/**
 * ConfLevel.merged: a level that writes none of a module's directives shares the conf of the level
 * around it. That is only right when the module's list of directives is whole and its conf depends
 * on nothing else of the level. Both are held here against every configuration of fixtures/: while
 * each configuration compiles, every directive name a conf's compile asks a level for is recorded,
 * and each level's conf, shared or not, is compared with the conf compiled for that level alone.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ConfLevel } from '../../src/compile/conf-level.js';
import { CORE_LOC_DIRECTIVES } from '../../src/compile/http-core-conf.js';
import { INDEX_DIRECTIVES } from '../../src/compile/http-loc-conf.js';
import { ACCESS_LOG_DIRECTIVES } from '../../src/compile/log-conf.js';
import { HIDE_HEADER_DIRECTIVES, PROXY_SSL_DIRECTIVES } from '../../src/compile/proxy-conf.js';
import { compileHttp } from '../../src/compile/servers.js';
import { registry } from '../../src/config/registry/index.js';
import { checkConfig, checkText } from '../../src/config/validate.js';
import { findLocation } from '../../src/runtime/find-location.js';

const root = join(import.meta.dirname, '../../fixtures');

/** Every nginx.conf under fixtures/ (two levels deep: fixtures/KIND/NAME/nginx.conf). */
function fixtureConfigs(): string[] {
  const files: string[] = [];
  for (const kind of readdirSync(root, { withFileTypes: true })) {
    if (!kind.isDirectory()) continue;
    for (const name of readdirSync(join(root, kind.name), { withFileTypes: true })) {
      const file = join(root, kind.name, name.name, 'nginx.conf');
      if (name.isDirectory() && existsSync(file)) files.push(file);
    }
  }
  return files;
}

/** A fixture's placeholders with values that check: the prefix, and ports on 127.0.0.1. */
function fillIn(text: string, dir: string): string {
  let port = 20000;
  return text.replace(/\{\{([\w.]+)\}\}/g, (_, name: string) => {
    // The run directory holds the fixture's files/ (test/harness/fixtures.ts).
    if (name === 'prefix') return join(dir, 'files');
    port++;
    return name.startsWith('port') || name.endsWith('.port') ? String(port) : `127.0.0.1:${port}`;
  });
}

/** The lists of names given to merged(), each with the names its compile asked for. */
const asked = new Map<ReadonlySet<string>, Set<string>>();
let compared = 0;

beforeEach(() => {
  const merged = ConfLevel.prototype.merged;
  const record = (name: string): void => {
    for (const names of inside) asked.get(names)!.add(name);
  };
  const inside: ReadonlySet<string>[] = [];
  vi.spyOn(ConfLevel.prototype, 'merged').mockImplementation(function <T>(this: ConfLevel, names: ReadonlySet<string>, compile: (l: ConfLevel) => T): T {
    if (!asked.has(names)) asked.set(names, new Set());
    const recording = (l: ConfLevel): T => {
      inside.push(names);
      try {
        return compile(l);
      } finally {
        inside.pop();
      }
    };
    const conf = merged.call(this, names, recording) as T;
    // The same conf as the level's own compile gives, with nothing shared.
    expect(recording(this)).toEqual(conf);
    compared++;
    return conf;
  });
  for (const method of ['own', 'ownFirst', 'inherited'] as const) {
    const original = ConfLevel.prototype[method];
    vi.spyOn(ConfLevel.prototype, method).mockImplementation(function (this: ConfLevel, name: string) {
      record(name);
      return original.call(this, name) as never;
    });
  }
});

afterEach(() => {
  vi.restoreAllMocks();
});

describe('ConfLevel.merged', () => {
  it('shares a conf only where the level alone would compile the same one, on every fixture', () => {
    let compiledConfigs = 0;
    for (const file of fixtureConfigs()) {
      const dir = file.slice(0, -'nginx.conf'.length);
      const opts = { file, prefix: dir, confPrefix: dir };
      const text = readFileSync(file, 'latin1');
      // fixtures/http's placeholders (test/harness/fixtures.ts) filled in with made-up ports.
      const checked = text.includes('{{') ? checkText(fillIn(text, dir), opts) : checkConfig(opts);
      // Most of fixtures/check fail on purpose; some seeds include files from /etc/nginx.
      if (checked.diagnostics.some((d) => d.fatal)) continue;
      compileHttp(checked, { prefix: dir });
      compiledConfigs++;
    }
    expect(compiledConfigs).toBeGreaterThan(60);
    expect(compared).toBeGreaterThan(500);
    // Every list given to merged() is held to what its compile asked for: each name asked is on
    // it, and each name on it is a directive (a misspelt one would never match a level's).
    expect([...asked.keys()]).toEqual(expect.arrayContaining([CORE_LOC_DIRECTIVES, PROXY_SSL_DIRECTIVES, HIDE_HEADER_DIRECTIVES, INDEX_DIRECTIVES, ACCESS_LOG_DIRECTIVES]));
    for (const [names, read] of asked) {
      expect([...read].filter((n) => !names.has(n))).toEqual([]);
      expect([...names].filter((n) => !registry.has(n))).toEqual([]);
    }
  });

  it('gives a nested location its own values where it sets one, the enclosing ones elsewhere', () => {
    const checked = checkText(
      `events {}
      http {
        client_max_body_size 5m;
        server {
          listen 127.0.0.1:8080;
          root /srv;
          location /a/ { internal; location /a/b/ { } }
          location /c/ { client_max_body_size 1k; location /c/d/ { proxy_pass http://127.0.0.1:9; } }
          location /e/ { alias /data/; location /e/f/ { etag off; } }
        }
      }`,
      { file: '/p/conf/nginx.conf', prefix: '/p/', confPrefix: '/p/conf/' },
    );
    expect(checked.diagnostics.filter((d) => d.fatal)).toEqual([]);
    const server = compileHttp(checked, { prefix: '/p/' }).servers[0]!;
    const at = (uri: string) => findLocation(server.locations, uri).loc!.payload;
    const core = (uri: string) => at(uri).conf.core;
    expect(at('/a/x').internal).toBe(true);
    // `internal` is not inherited.
    expect(at('/a/b/x').internal).toBe(false);
    expect(core('/a/b/x')).toBe(server.conf.core);
    expect(core('/a/b/x').clientMaxBodySize).toBe(5 * 1024 * 1024);
    expect(core('/c/x').clientMaxBodySize).toBe(1024);
    expect(core('/c/d/x')).toBe(core('/c/x'));
    expect(core('/e/f/x')).not.toBe(core('/e/x'));
    expect(core('/e/f/x')).toMatchObject({ root: '/data/', alias: true, etag: false });
    expect(core('/e/x')).toMatchObject({ root: '/data/', alias: true, etag: true });
  });
});
