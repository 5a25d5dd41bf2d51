/**
 * The location tree and its lookup, over one table of cases. Each case is a server's locations and
 * the answers to some requests: a location's body, `301 <location>` for an auto redirect, `404` when
 * no location matches. The table is checked against our lookup, and, when `nginx` is on PATH,
 * against real nginx serving the same locations with `return 200 "<body>"`.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createLocationTree,
  type LocationDef,
  type LocationModifier,
  type LocationTree,
} from '../../src/compile/location-tree.js';
import { findLocation, formatLocationTrace, type LocationMatch } from '../../src/runtime/find-location.js';
import { nginxConf } from '../harness/conf.js';
import { requireNginx } from '../harness/nginx.js';
import { freePort } from '../harness/ports.js';
import { startServer, type RunningServer } from '../harness/server.js';

interface Spec {
  readonly m?: LocationModifier;
  readonly name: string;
  /** What the location answers; `$1`, `$name` are its captures. */
  readonly body: string;
  /** Adds `proxy_pass`, which sets auto_redirect when the name ends with `/`. */
  readonly proxy?: boolean;
  readonly children?: readonly Spec[];
}

interface Case {
  readonly title: string;
  readonly locations: readonly Spec[];
  readonly requests: readonly (readonly [uri: string, answer: string])[];
}

const loc = (m: LocationModifier, name: string, body: string, more: Partial<Spec> = {}): Spec => ({
  m,
  name,
  body,
  ...more,
});

const A43 = 'a'.repeat(43);

const CASES: readonly Case[] = [
  {
    title: 'exact beats everything',
    locations: [
      loc('=', '/exact', 'e'),
      loc('', '/exact', 'p'),
      loc('^~', '/ex', 'nr'),
      loc('~', '^/exact', 're'),
      loc('', '/', 'root'),
    ],
    requests: [
      ['/exact', 'e'],
      ['/exact/', 're'],
      ['/exactly', 're'],
      ['/ex', 'nr'],
      ['/exa', 'nr'],
      ['/other', 'root'],
    ],
  },
  {
    title: '^~ beats regexes; a plain longer prefix does not',
    locations: [
      loc('^~', '/static/', 's'),
      loc('', '/static/long/', 'long'),
      loc('~', '\\.css$', 'css'),
      loc('~', 'other', 'other'),
      loc('', '/', 'root'),
    ],
    requests: [
      ['/static/a.css', 's'],
      ['/static/other', 's'],
      ['/static/long/a.css', 'css'],
      ['/static/long/a', 'long'],
      ['/x.css', 'css'],
      ['/static', 'root'],
      ['/staticx.css', 'css'],
    ],
  },
  {
    title: 'longest prefix wins',
    locations: [
      loc('', '/', 'r'),
      loc('', '/api', 'a'),
      loc('', '/api/v1/users', 'u'),
      loc('', '/api/', 'a2'),
      loc('', '/api/v1/', 'v1'),
    ],
    requests: [
      ['/api', 'a'],
      ['/api/', 'a2'],
      ['/api/v1', 'a2'],
      ['/api/v1/', 'v1'],
      ['/api/v1/users/7', 'u'],
      ['/apix', 'a'],
      ['/b', 'r'],
    ],
  },
  {
    title: 'the first matching regex in file order beats the prefix',
    locations: [
      loc('', '/img/', 'img'),
      loc('~', '\\.png$', 'png'),
      loc('~*', '\\.PNG$', 'png-i'),
      loc('~', '^/img/.*\\.png$', 'imgpng'),
    ],
    requests: [
      ['/img/a.png', 'png'],
      ['/img/a.PNG', 'png-i'],
      ['/img/a.Png', 'png-i'],
      ['/img/a.gif', 'img'],
      ['/a.png', 'png'],
      ['/a.gif', '404'],
    ],
  },
  {
    title: '~* ignores case, ~ does not',
    locations: [loc('~*', '^/Admin', 'admin'), loc('~', '^/Case', 'case'), loc('', '/', 'root')],
    requests: [
      ['/admin', 'admin'],
      ['/ADMIN/x', 'admin'],
      ['/xadmin', 'root'],
      ['/case', 'root'],
      ['/Case', 'case'],
    ],
  },
  {
    title: 'nested locations: nested regexes before outer ones, nested prefixes inside prefixes',
    locations: [
      loc('', '/a/', 'a', {
        children: [
          loc('~', '\\.x$', 'ax'),
          loc('', '/a/b/', 'ab', { children: [loc('~', '\\.y$', 'aby')] }),
          loc('=', '/a/e', 'ae'),
        ],
      }),
      loc('~', '\\.x$', 'x'),
      loc('~', '\\.y$', 'y'),
      loc('~', '\\.z$', 'z'),
    ],
    requests: [
      ['/a/q.x', 'ax'],
      ['/a/b/q.y', 'aby'],
      ['/a/b/q.x', 'ax'],
      ['/a/b/q.z', 'z'],
      ['/a/e', 'ae'],
      ['/a/b/c', 'ab'],
      ['/a/c', 'a'],
      ['/q.y', 'y'],
    ],
  },
  {
    title: 'a nested ^~ skips only its own level: outer regexes still run',
    locations: [
      loc('', '/n/', 'n', {
        children: [loc('^~', '/n/x/', 'nx'), loc('^~', '/n/z/', 'nz'), loc('~', 'q', 'nq')],
      }),
      loc('~', 'x', 'rx'),
    ],
    requests: [
      ['/n/x/y', 'rx'],
      ['/n/x/q', 'rx'],
      ['/n/x/', 'rx'],
      ['/n/z/q', 'nz'],
      ['/n/q', 'nq'],
      ['/n/a', 'n'],
    ],
  },
  {
    title: 'prefixes that start other prefixes; "/" sorts lowest',
    locations: [
      loc('', '/a', 'a'),
      loc('', '/ab', 'ab'),
      loc('', '/a/', 'a/'),
      loc('', '/a-', 'a-'),
      loc('', '/a.', 'a.'),
      loc('', '/a0', 'a0'),
      loc('', '/a/-', 'a/-'),
      loc('', '/a/b', 'a/b'),
      loc('', '/a/.', 'a/.'),
    ],
    requests: [
      ['/a', 'a'],
      ['/ab', 'ab'],
      ['/abc', 'ab'],
      ['/a/', 'a/'],
      ['/a/b', 'a/b'],
      ['/a/bc', 'a/b'],
      ['/a/-x', 'a/-'],
      ['/a/.x', 'a/.'],
      ['/a/c', 'a/'],
      ['/a-', 'a-'],
      ['/a-b', 'a-'],
      ['/a.b', 'a.'],
      ['/a0', 'a0'],
      ['/a1', 'a'],
      ['/b', '404'],
    ],
  },
  {
    title: 'auto redirect: /dir meets location /dir/ with proxy_pass, before any regex',
    locations: [
      loc('', '/dir/', 'dir', { proxy: true }),
      loc('', '/d', 'd'),
      loc('~', '^/dir$', 're'),
      loc('=', '/e/', 'e', { proxy: true }),
      loc('=', '/dir2', 'd2'),
      loc('', '/dir2/', 'dir2', { proxy: true }),
      loc('', '/', 'root'),
    ],
    requests: [
      ['/dir', '301 /dir/'],
      ['/dir/', 'dir'],
      ['/dir/x', 'dir'],
      ['/di', 'd'],
      ['/dirx', 'd'],
      ['/e', '301 /e/'],
      ['/e/', 'e'],
      ['/dir2', 'd2'],
      ['/dir2/', 'dir2'],
    ],
  },
  {
    title: '= with a trailing slash matches only that URI',
    locations: [loc('=', '/', 'root-exact'), loc('', '/', 'root'), loc('=', '/x/', 'xs')],
    requests: [
      ['/', 'root-exact'],
      ['/x', 'root'],
      ['/x/', 'xs'],
      ['/x/y', 'root'],
    ],
  },
  {
    title: 'named locations are never matched',
    locations: [loc('@', '@n', 'n'), loc('', '/', 'root')],
    requests: [
      ['/', 'root'],
      ['/@n', 'root'],
      ['/n', 'root'],
    ],
  },
  {
    title: 'only a named location',
    locations: [loc('@', '@n', 'n')],
    requests: [['/', '404']],
  },
  {
    title: 'empty server',
    locations: [],
    requests: [
      ['/', '404'],
      ['/x', '404'],
    ],
  },
  {
    title: 'prefixes nested in a regex location get no tree: nginx never matches them',
    locations: [
      loc('~', '/r', 'r', { children: [loc('', '/r/x', 'rx'), loc('~', 'y$', 'ry')] }),
      loc('', '/', 'root'),
    ],
    requests: [
      ['/r/x', 'r'],
      ['/r/xy', 'ry'],
      ['/r/a', 'r'],
      ['/q', 'root'],
    ],
  },
  {
    title: 'a 300-byte name compares as its first 44 bytes (nginx keeps node lengths in a u_char)',
    locations: [loc('', `/${'a'.repeat(299)}`, 'long'), loc('', '/', 'root')],
    requests: [
      [`/${A43}`, 'long'],
      [`/${A43}b`, 'long'],
      [`/${'a'.repeat(42)}`, 'root'],
      [`/${'a'.repeat(299)}`, 'long'],
    ],
  },
  {
    title: 'captures: numbered and named; named ones survive a nested match',
    locations: [
      loc('~', '^/u/(?<user>[a-z]+)/(\\d+)$', 'u:$1:$2:$user'),
      loc('~', '^/v/(?<who>[a-z]+)', 'v:$1:$who', { children: [loc('~', '/(w)$', 'w:$1:$who')] }),
      loc('~', '^/plain/', 'plain'),
    ],
    requests: [
      ['/u/bob/42', 'u:bob:42:bob'],
      ['/v/ann/x', 'v:ann:ann'],
      ['/v/ann/w', 'w:w:ann'],
      ['/plain/', 'plain'],
    ],
  },
];

function byTitle(start: string): Case {
  const c = CASES.find((x) => x.title.startsWith(start));
  if (c === undefined) throw new Error(`no case "${start}"`);
  return c;
}

// Building the lookup input from a spec, with the line of each `{` in the generated nginx.conf.

interface Payload {
  readonly body: string;
}

function toDefs(specs: readonly Spec[], lines: Map<Spec, number>): LocationDef<Payload>[] {
  return specs.map((s) => {
    const m = s.m ?? '';
    const line = lines.get(s);
    return {
      modifier: m,
      name: s.name,
      ...(m === '~' || m === '~*' ? { regex: new RegExp(s.name, m === '~*' ? 'i' : '') } : {}),
      autoRedirect: s.proxy === true && s.name.endsWith('/'),
      children: toDefs(s.children ?? [], lines),
      payload: { body: s.body },
      file: 'nginx.conf',
      ...(line === undefined ? {} : { line }),
    };
  });
}

/** The server block's locations, one `{` per line, and where each `{` is. */
function serverBody(specs: readonly Spec[], firstLine: number): { text: string; lines: Map<Spec, number> } {
  const out: string[] = [];
  const lines = new Map<Spec, number>();
  const walk = (list: readonly Spec[], indent: string): void => {
    for (const s of list) {
      const m = s.m ?? '';
      const name = m === '~' || m === '~*' ? `"${s.name.replace(/"/g, '\\"')}"` : s.name;
      lines.set(s, firstLine + out.length);
      out.push(`${indent}location ${m === '' || m === '@' ? '' : `${m} `}${name} {`);
      if (s.proxy === true) out.push(`${indent}  proxy_pass http://127.0.0.1:9;`);
      out.push(`${indent}  return 200 "${s.body}";`);
      walk(s.children ?? [], `${indent}  `);
      out.push(`${indent}}`);
    }
  };
  walk(specs, '    ');
  return { text: out.join('\n'), lines };
}

function build(c: Case): LocationTree<Payload> {
  const { tree, diagnostics } = createLocationTree(toDefs(c.locations, new Map()));
  expect(diagnostics).toEqual([]);
  return tree;
}

/** What a client would see: the body with captures filled in, a 301, or the 404 of no location. */
function answer(m: LocationMatch<Payload>): string {
  if (m.rc === 'DONE') return `301 ${m.loc!.name}`;
  if (m.loc === null) return '404';
  return m.loc.payload.body.replace(/\$(\d+|[a-z_]+)/g, (_, v: string) =>
    /^\d+$/.test(v) ? (m.captures?.[Number(v)] ?? '') : (m.named?.[v] ?? ''),
  );
}

describe('findLocation: nginx precedence rules', () => {
  for (const c of CASES) {
    it(c.title, () => {
      const tree = build(c);
      for (const [uri, expected] of c.requests) {
        expect([uri, answer(findLocation(tree, uri))]).toEqual([uri, expected]);
        // The explained lookup takes the same decisions.
        expect([uri, answer(findLocation(tree, uri, { explain: true }))]).toEqual([uri, expected]);
      }
    });
  }

  it('reports why the winner won', () => {
    const tree = build(byTitle('^~ beats'));
    const cases: [string, string, string][] = [
      // The ^~ location has no nested locations: its nested lookup declines, and nginx passes that on.
      ['/static/a.css', 'noregex', 'DECLINED'],
      ['/x.css', 'regex', 'OK'],
      ['/static/long/a', 'longest-prefix', 'DECLINED'],
    ];
    for (const [uri, reason, rc] of cases) {
      const m = findLocation(tree, uri);
      expect([uri, m.reason, m.rc]).toEqual([uri, reason, rc]);
    }
    expect(findLocation(build(byTitle('exact beats')), '/exact')).toMatchObject({ rc: 'OK', reason: 'exact' });
    expect(findLocation(build(byTitle('auto redirect')), '/dir')).toMatchObject({ rc: 'DONE', reason: 'auto-redirect' });
    expect(findLocation(build(byTitle('empty server')), '/')).toMatchObject({ rc: 'DECLINED', reason: 'none', loc: null });
  });
});

describe('explain trace', () => {
  it('is built only when asked', () => {
    expect(findLocation(build(byTitle('exact beats')), '/exact').trace).toBeNull();
  });

  it('lists node comparisons, the candidate and skipped regexes for ^~', () => {
    const m = findLocation(build(byTitle('^~ beats')), '/static/a.css', { explain: true });
    const steps = m.trace!;
    expect(steps.some((s) => s.step === 'compare')).toBe(true);
    expect(steps.filter((s) => s.step === 'regex')).toEqual([]);
    expect(steps).toContainEqual({ step: 'skip-regexes', depth: 0, because: '^~ /static/' });
    expect(steps.at(-1)).toEqual({ step: 'result', rc: 'DECLINED', location: '^~ /static/', reason: 'noregex', nestedIn: [] });
  });

  it('lists each regex tried, in file order, and the nesting of the winner', () => {
    const m = findLocation(build(byTitle('nested locations')), '/a/b/q.x', { explain: true });
    const regexes = m.trace!.filter((s) => s.step === 'regex');
    expect(regexes.map((s) => [s.location, s.matched])).toEqual([
      ['~ \\.y$', false],
      ['~ \\.x$', true],
    ]);
    expect(m.trace!.at(-1)).toEqual({ step: 'result', rc: 'OK', location: '~ \\.x$', reason: 'regex', nestedIn: ['/a/'] });
    const text = formatLocationTrace(m.trace!);
    expect(text.at(-1)).toBe('using ~ \\.x$: first matching regex in file order, nested in /a/ (OK)');
  });
});

describe('createLocationTree', () => {
  it('builds nginx\'s balanced tree: middle item at the root, prefixes of others own an inclusive sub-tree', () => {
    const specs = ['/a', '/ab', '/b', '/c', '/c/d'].map((n) => loc('', n, n));
    const { tree } = createLocationTree(toDefs(specs, new Map()));
    const root = tree.staticLocations!;
    // Sorted: /a (with sub-tree b), /b, /c (with sub-tree /d): the middle of three is /b.
    expect(root.name).toBe('/b');
    expect(root.left!.name).toBe('/a');
    expect(root.left!.tree!.name).toBe('b');
    expect(root.right!.name).toBe('/c');
    expect(root.right!.tree!.name).toBe('/d');
  });

  it('joins = /x and /x into one node', () => {
    const { tree } = createLocationTree(toDefs([loc('', '/x', 'p'), loc('=', '/x', 'e')], new Map()));
    const node = tree.staticLocations!;
    expect([node.exact?.payload.body, node.inclusive?.payload.body, node.left, node.right]).toEqual(['e', 'p', null, null]);
  });

  it('keeps named locations in a map; of two with one name the first wins', () => {
    const { tree } = createLocationTree(toDefs([loc('@', '@n', 'first'), loc('@', '@n', 'second')], new Map()));
    expect(tree.namedLocations.get('@n')?.payload.body).toBe('first');
    expect(tree.staticLocations).toBeNull();
  });

  for (const dup of DUPLICATES()) {
    it(`reports ${dup.title}`, () => {
      const { lines } = serverBody(dup.locations, 1);
      const { diagnostics } = createLocationTree(toDefs(dup.locations, lines));
      // nginx stops at the first; we collect them all, in nginx's order.
      expect(diagnostics.map((d) => `${d.message} in ${d.file}:${d.line}`)[0]).toBe(
        `duplicate location "${dup.name}" in nginx.conf:${lines.get(dup.culprit)}`,
      );
    });
  }
});

interface Duplicate {
  readonly title: string;
  readonly locations: readonly Spec[];
  readonly name: string;
  readonly culprit: Spec;
}

function DUPLICATES(): Duplicate[] {
  const p2 = loc('', '/x', 'p2');
  const e2 = loc('=', '/x', 'e2');
  const n2 = loc('', '/a/b', 'n2');
  return [
    { title: 'two prefixes of one name', locations: [loc('', '/x', 'p1'), p2], name: '/x', culprit: p2 },
    {
      title: 'two exact ones around a prefix of the same name',
      locations: [loc('=', '/x', 'e1'), loc('', '/x', 'p'), e2],
      name: '/x',
      culprit: e2,
    },
    {
      title: 'a duplicate in a nested level before one outside',
      locations: [loc('', '/z', 'z1'), loc('', '/z', 'z2'), loc('', '/a/', 'a', { children: [loc('', '/a/b', 'n1'), n2] })],
      name: '/a/b',
      culprit: n2,
    },
  ];
}

// Differential: real nginx serving every case, one server per case, all in one process.

const hasNginx = requireNginx('the differential location tests against real nginx');

function get(port: number, path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = http.get({ host: '127.0.0.1', port, path, agent: false }, (res) => {
      let body = '';
      res.setEncoding('latin1');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => {
        if (res.statusCode === 200) resolve(body);
        else if (res.statusCode === 301) resolve(`301 ${new URL(res.headers.location ?? '').pathname}`);
        else resolve(String(res.statusCode));
      });
    });
    req.on('error', reject);
  });
}

describe.skipIf(!hasNginx)('real nginx 1.22.1 agrees', () => {
  let dir = '';
  let server: RunningServer | null = null;
  const ports: number[] = [];
  let agreed = 0;
  let total = 0;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'ngts-locations-'));
    const servers: string[] = [];
    for (const c of CASES) {
      const port = await freePort();
      ports.push(port);
      servers.push(`  server {\n    listen 127.0.0.1:${port};\n    root ${dir}/no-such-root;`);
      servers.push(serverBody(c.locations, 0).text, '  }');
    }
    writeFileSync(join(dir, 'nginx.conf'), nginxConf(dir, servers));
    server = await startServer('nginx', dir, { ports });
  });

  afterAll(async () => {
    await server?.stop();
    if (dir !== '') rmSync(dir, { recursive: true, force: true });
    console.info(`real nginx agreed with the location table on ${agreed}/${total} requests`);
  });

  CASES.forEach((c, i) => {
    it(c.title, async () => {
      const tree = build(c);
      const seen: { uri: string; real: string; ours: string }[] = [];
      for (const [uri] of c.requests) {
        const real = await get(ports[i]!, uri);
        const ours = answer(findLocation(tree, uri));
        total++;
        if (real === ours) agreed++;
        seen.push({ uri, real, ours });
      }
      expect(seen).toEqual(c.requests.map(([uri, expected]) => ({ uri, real: expected, ours: expected })));
    });
  });

  for (const dup of DUPLICATES()) {
    it(`nginx -t reports ${dup.title} at the same line`, () => {
      const d = mkdtempSync(join(tmpdir(), 'ngts-dup-'));
      try {
        // Line 1 of the server body is line 10 of the file: see nginxConf.
        const head = nginxConf(d, ['  server {', '    listen 127.0.0.1:9;']).split('\n').slice(0, -2);
        const { text, lines } = serverBody(dup.locations, head.length + 1);
        const conf = join(d, 'nginx.conf');
        writeFileSync(conf, [...head, text, '  }', '}', ''].join('\n'));
        const r = spawnSync('nginx', ['-t', '-p', `${d}/`, '-c', conf], { encoding: 'latin1' });
        const { diagnostics } = createLocationTree(toDefs(dup.locations, lines));
        const ours = diagnostics.map((x) => `${x.message} in ${conf}:${x.line}`);
        // With error_log in the file, nginx -t writes log lines: `<time> [emerg] <pid>#<tid>: <message>`.
        expect(r.stderr.split('\n').find((l) => l.includes('[emerg]'))?.replace(/^.*\[emerg\] \d+#\d+: /, '')).toBe(ours[0]);
      } finally {
        rmSync(d, { recursive: true, force: true });
      }
    });
  }
});
