/**
 * nginx's value parsers. Every accept/reject case below was checked against nginx 1.22.1
 * (`nginx -t` with the value in a directive of the matching slot: client_body_buffer_size for sizes,
 * client_max_body_size for offsets, keepalive_timeout for ms and its second argument for seconds,
 * keepalive_requests for numbers, listen for addresses); the numbers are what ngx_parse_* compute.
 */
import { describe, expect, it } from 'vitest';
import {
  countVariables,
  parseAddrPort,
  parseCidr,
  parseErrorPageStatus,
  parseExpires,
  parseFlag,
  parseInet6Addr,
  parseInetAddr,
  parseListen,
  parseLocation,
  parseNumber,
  parseOffset,
  parseRate,
  parseSize,
  parseTime,
  parseUrl,
} from '../../src/config/values.js';

describe('parseSize (ngx_parse_size)', () => {
  it.each([
    ['0', 0],
    ['512', 512],
    ['1k', 1024],
    ['1K', 1024],
    ['10m', 10 * 1024 * 1024],
    ['10M', 10 * 1024 * 1024],
    ['9223372036854775807', 9223372036854775807],
    ['8796093022207k', 8796093022207 * 1024],
    ['8796093022208k', 8796093022208 * 1024],
  ])('accepts %s', (s, bytes) => {
    expect(parseSize(s)).toBe(bytes);
  });

  it.each(['', 'k', '1g', '1G', '1.5m', '-1', '+1', ' 1', '1 k', '9223372036854775808', '9007199254740993k'])(
    'refuses %j',
    (s) => {
      expect(parseSize(s)).toBeNull();
    },
  );
});

describe('parseOffset (ngx_parse_offset)', () => {
  it.each([
    ['0', 0],
    ['1g', 1024 ** 3],
    ['1G', 1024 ** 3],
    ['10M', 10 * 1024 ** 2],
    ['64k', 64 * 1024],
  ])('accepts %s', (s, bytes) => {
    expect(parseOffset(s)).toBe(bytes);
  });

  it.each(['', 'g', '1t', '1.5m', '-1', '8589934592g'])('refuses %j', (s) => {
    expect(parseOffset(s)).toBeNull();
  });
});

describe('parseTime (ngx_parse_time)', () => {
  it.each([
    ['0', 0],
    ['10', 10_000],
    ['500ms', 500],
    ['1h30m', 5_400_000],
    ['1h 30m', 5_400_000],
    ['1d1h', 90_000_000],
    ['1m1ms', 60_001],
    ['1s5', 6_000],
    ['1 2', 3_000],
    [' 5', 5_000],
    ['5 ', 5_000],
    ['1w', 604_800_000],
  ])('reads %j as milliseconds', (s, ms) => {
    expect(parseTime(s, false)).toBe(ms);
  });

  // For milliseconds nginx starts its unit order at months and forbids both y and M.
  it.each(['', '1y', '1M', '1h1d', '1ms1m', '30 s', '1 2 ', 'x', '1x', '1hh'])('refuses %j as milliseconds', (s) => {
    expect(parseTime(s, false)).toBeNull();
  });

  it.each([
    ['10', 10],
    ['1y', 31_536_000],
    ['1M', 2_592_000],
    ['1M1w', 3_196_800],
    ['1h', 3_600],
  ])('reads %j as seconds', (s, sec) => {
    expect(parseTime(s, true)).toBe(sec);
  });

  it.each(['5ms', '1w1M', '1y1y', ''])('refuses %j as seconds', (s) => {
    expect(parseTime(s, true)).toBeNull();
  });

  it('refuses values that overflow 2^63-1', () => {
    expect(parseTime('9223372036854775807', true)).not.toBeNull();
    expect(parseTime('9223372036854775808', true)).toBeNull();
    expect(parseTime('9223372036854776', false)).toBeNull();
  });
});

describe('parseNumber (ngx_atoi)', () => {
  it.each([
    ['0', 0],
    ['42', 42],
    ['007', 7],
  ])('accepts %s', (s, n) => {
    expect(parseNumber(s)).toBe(n);
  });

  it.each(['', '10k', ' 1', '+1', '-1', '1.0', '9223372036854775808'])('refuses %j', (s) => {
    expect(parseNumber(s)).toBeNull();
  });
});

describe('parseFlag', () => {
  it('reads on and off in any case, nothing else', () => {
    expect(parseFlag('on')).toBe(true);
    expect(parseFlag('ON')).toBe(true);
    expect(parseFlag('Off')).toBe(false);
    expect(parseFlag('yes')).toBeNull();
    expect(parseFlag('1')).toBeNull();
  });
});

describe('parseRate (limit_req_zone rate=)', () => {
  it.each([
    ['10r/s', 10_000],
    ['30r/m', 500],
    ['1r/m', 16],
    ['5', 5_000],
  ])('reads %s', (s, rate) => {
    expect(parseRate(s)).toBe(rate);
  });

  it.each(['r/s', '0r/s', 'x', '10r/h', ''])('refuses %j', (s) => {
    expect(parseRate(s)).toBeNull();
  });
});

describe('parseErrorPageStatus', () => {
  it('takes 300..599 but not 499', () => {
    expect(parseErrorPageStatus('404')).toEqual({ ok: true, status: 404 });
    expect(parseErrorPageStatus('499')).toEqual({ ok: false, reason: 'invalid' });
    expect(parseErrorPageStatus('40x')).toEqual({ ok: false, reason: 'invalid' });
    expect(parseErrorPageStatus('200')).toEqual({ ok: false, reason: 'range' });
    expect(parseErrorPageStatus('600')).toEqual({ ok: false, reason: 'range' });
  });
});

describe('parseExpires (ngx_http_parse_expires)', () => {
  it('reads the keywords and signed times', () => {
    expect(parseExpires('epoch', false)).toEqual({ ok: true, expires: { kind: 'epoch' } });
    expect(parseExpires('max', false)).toEqual({ ok: true, expires: { kind: 'max' } });
    expect(parseExpires('-1h', false)).toEqual({ ok: true, expires: { kind: 'access', seconds: -3600 } });
    expect(parseExpires('+1h', true)).toEqual({ ok: true, expires: { kind: 'modified', seconds: 3600 } });
    expect(parseExpires('@15h30m', false)).toEqual({ ok: true, expires: { kind: 'daily', seconds: 55_800 } });
  });

  it('gives nginx reasons', () => {
    expect(parseExpires('@1h', true)).toEqual({
      ok: false,
      reason: 'daily time cannot be used with "modified" parameter',
    });
    expect(parseExpires('@25h', false)).toEqual({ ok: false, reason: 'daily time value must be less than 24 hours' });
    expect(parseExpires('-1x', false)).toEqual({ ok: false, reason: 'invalid value' });
    // `max` is a keyword only without `modified`.
    expect(parseExpires('max', true)).toEqual({ ok: false, reason: 'invalid value' });
  });
});

describe('parseLocation', () => {
  it.each([
    [['/'], '', '/'],
    [['=', '/a'], '=', '/a'],
    [['=/a'], '=', '/a'],
    [['^~/a'], '^~', '/a'],
    [['~*', '\\.php$'], '~*', '\\.php$'],
    [['~\\.php$'], '~', '\\.php$'],
    [['~*x'], '~*', 'x'],
    [['@fallback'], '@', '@fallback'],
    [['='], '=', ''],
  ])('splits %j', (args, modifier, name) => {
    expect(parseLocation(args)).toEqual({ modifier, name });
  });

  it('refuses an unknown modifier', () => {
    expect(parseLocation(['!!', '/a'])).toBeNull();
  });
});

describe('addresses', () => {
  it('reads IPv4 as ngx_inet_addr', () => {
    expect(parseInetAddr('127.0.0.1')).toBe(0x7f000001);
    expect(parseInetAddr('0.0.0.0')).toBe(0);
    expect(parseInetAddr('256.1.1.1')).toBeNull();
    expect(parseInetAddr('1.2.3')).toBeNull();
    expect(parseInetAddr('255.255.255.255')).toBeNull();
  });

  it('reads IPv6 as ngx_inet6_addr', () => {
    expect(Array.from(parseInet6Addr('::1') ?? [])).toEqual([...Array(15).fill(0), 1]);
    expect(Array.from(parseInet6Addr('::ffff:1.2.3.4') ?? []).slice(10)).toEqual([0xff, 0xff, 1, 2, 3, 4]);
    expect(parseInet6Addr('1:2:3:4:5:6:7:8')).not.toBeNull();
    expect(parseInet6Addr('1:2:3:4:5:6:7:8:9')).toBeNull();
    expect(parseInet6Addr('1::2::3')).toBeNull();
    expect(parseInet6Addr('::g')).toBeNull();
    expect(parseInet6Addr('::ffff:1.2.3.256')).toBeNull();
    expect(parseInet6Addr('')).toBeNull();
  });

  it('reads CIDRs as ngx_ptocidr', () => {
    expect(parseCidr('10.0.0.0/8')?.lowBitsSet).toBe(false);
    expect(parseCidr('10.0.0.1/8')?.lowBitsSet).toBe(true);
    expect(Array.from(parseCidr('10.0.0.1/8')?.addr ?? [])).toEqual([10, 0, 0, 0]);
    expect(parseCidr('10.0.0.1/33')).toBeNull();
    expect(parseCidr('::1/128')?.family).toBe('inet6');
    expect(parseCidr('::1/129')).toBeNull();
    expect(parseCidr('host')).toBeNull();
  });

  it('reads address:port as ngx_parse_addr_port', () => {
    expect(parseAddrPort('1.2.3.4')).toEqual({ family: 'inet', port: null });
    expect(parseAddrPort('1.2.3.4:80')).toEqual({ family: 'inet', port: 80 });
    expect(parseAddrPort('[::1]:80')).toEqual({ family: 'inet6', port: 80 });
    expect(parseAddrPort('::1')).toEqual({ family: 'inet6', port: null });
    expect(parseAddrPort('1.2.3.4:0')).toBeNull();
    expect(parseAddrPort('host:80')).toBeNull();
  });

  it('counts variables as ngx_http_script_variables_count', () => {
    expect(countVariables('/a/$uri${args}')).toBe(2);
    expect(countVariables('/a')).toBe(0);
  });
});

describe('parseUrl (ngx_parse_url) for upstreams', () => {
  const upstream = (s: string) => parseUrl(s, { uriPart: true, defaultPort: 80 });

  it('splits host, port and URI', () => {
    const u = upstream('backend:8080/path?x');
    expect(u.ok && u.url).toMatchObject({ host: 'backend', port: 8080, noPort: false, uri: '/path?x' });
    const v = upstream('backend?x');
    expect(v.ok && v.url).toMatchObject({ host: 'backend', port: 80, noPort: true, uri: '?x' });
    const w = upstream('unix:/tmp/s:/x');
    expect(w.ok && w.url).toMatchObject({ address: { family: 'unix', path: '/tmp/s' }, uri: '/x' });
    const x = upstream('[::1]:81/');
    expect(x.ok && x.url).toMatchObject({ host: '[::1]', port: 81, uri: '/' });
  });

  // nginx: `<err> in upstream "<url>"` for proxy_pass http://<url>.
  it.each([
    ['', 'no host'],
    [':80', 'no host'],
    ['x:0', 'invalid port'],
    ['x:99999/', 'invalid port'],
    ['[::1', 'invalid host'],
    ['unix:', 'no path in the unix domain socket'],
  ])('refuses %j with %s', (s, err) => {
    expect(upstream(s)).toEqual({ ok: false, err });
  });

  it('refuses a URI where none is allowed', () => {
    expect(parseUrl('127.0.0.1/x', { defaultPort: 80 })).toEqual({ ok: false, err: 'invalid host' });
  });
});

describe('parseListen (ngx_http_core_listen)', () => {
  const error = (args: string[]) => {
    const r = parseListen(args);
    return r.ok ? null : r.error;
  };

  it('reads the address forms', () => {
    const cases: [string, object][] = [
      ['80', { port: 80, address: { family: 'inet', addr: '0.0.0.0', wildcard: true } }],
      ['127.0.0.1:8080', { port: 8080, address: { family: 'inet', addr: '127.0.0.1', wildcard: false } }],
      ['127.0.0.1', { port: 80, noPort: true }],
      ['*:80', { port: 80, address: { family: 'inet', wildcard: true } }],
      ['[::1]:8080', { port: 8080, address: { family: 'inet6', addr: '::1', wildcard: false } }],
      ['[::]:80', { port: 80, address: { family: 'inet6', wildcard: true } }],
      ['unix:/run/ngts.sock', { address: { family: 'unix', path: '/run/ngts.sock' } }],
      ['localhost:80', { port: 80, address: { family: 'name', host: 'localhost' } }],
      ['8000-8010', { port: 8000, lastPort: 8010 }],
      // Not a port: nginx resolves it as a host name (and finds none).
      ['8080-x', { address: { family: 'name', host: '8080-x' } }],
    ];
    for (const [addr, want] of cases) {
      const r = parseListen([addr]);
      expect(r.ok, addr).toBe(true);
      if (r.ok) expect(r.listen.url, addr).toMatchObject(want);
    }
  });

  it('reads the parameters', () => {
    const r = parseListen([
      '443',
      'default',
      'ssl',
      'http2',
      'proxy_protocol',
      'reuseport',
      'backlog=511',
      'rcvbuf=64k',
      'ipv6only=off',
      'so_keepalive=1m::3',
      'fastopen=10',
      'deferred',
    ]);
    expect(r.ok && r.listen.options).toMatchObject({
      defaultServer: true,
      ssl: true,
      http2: true,
      proxyProtocol: true,
      reuseport: true,
      bind: true,
      backlog: 511,
      rcvbuf: 65536,
      ipv6only: false,
      soKeepalive: { idle: 60, intvl: 0, cnt: 3 },
      fastopen: 10,
      deferred: true,
    });
  });

  it.each([
    [['127.0.0.1:80x'], 'invalid port in "127.0.0.1:80x" of the "listen" directive'],
    [['70000'], 'invalid port in "70000" of the "listen" directive'],
    [['0'], 'invalid port in "0" of the "listen" directive'],
    [['*:0'], 'invalid port in "*:0" of the "listen" directive'],
    [['8081-8080'], 'invalid port range in "8081-8080" of the "listen" directive'],
    [['127.0.0.1:8080-70000'], 'invalid port in "127.0.0.1:8080-70000" of the "listen" directive'],
    [[':8080'], 'no host in ":8080" of the "listen" directive'],
    [['[]:80'], 'no host in "[]:80" of the "listen" directive'],
    [['[::1'], 'invalid host in "[::1" of the "listen" directive'],
    [['[::1]x'], 'invalid host in "[::1]x" of the "listen" directive'],
    [['[::g]:80'], 'invalid IPv6 address in "[::g]:80" of the "listen" directive'],
    [['127.0.0.1/x'], 'invalid host in "127.0.0.1/x" of the "listen" directive'],
    [['127.0.0.1:8080?x'], 'invalid host in "127.0.0.1:8080?x" of the "listen" directive'],
    [['unix:'], 'no path in the unix domain socket in "unix:" of the "listen" directive'],
    [[`unix:/${'a'.repeat(107)}`], `too long path in the unix domain socket in "unix:/${'a'.repeat(107)}" of the "listen" directive`],
    [['80', 'foo'], 'invalid parameter "foo"'],
    [['80', 'quic'], 'invalid parameter "quic"'],
    [['80', 'setfib=1'], 'invalid parameter "setfib=1"'],
    [['80', 'DEFAULT_SERVER'], 'invalid parameter "DEFAULT_SERVER"'],
    [['80', 'ipv6only=yes'], 'invalid parameter "ipv6only=yes"'],
    [['80', 'backlog=0'], 'invalid backlog "backlog=0"'],
    [['80', 'backlog=x'], 'invalid backlog "backlog=x"'],
    [['80', 'rcvbuf=1g'], 'invalid rcvbuf "rcvbuf=1g"'],
    [['80', 'sndbuf='], 'invalid sndbuf "sndbuf="'],
    [['80', 'fastopen=x'], 'invalid fastopen "fastopen=x"'],
    [['80', 'ipv6only=ox'], 'invalid ipv6only flags "ox"'],
    [['80', 'so_keepalive=x'], 'invalid so_keepalive value: "x"'],
    [['80', 'so_keepalive=::'], 'invalid so_keepalive value: "::"'],
    [['80', 'so_keepalive=0:0:0'], 'invalid so_keepalive value: "0:0:0"'],
    [['80', 'so_keepalive=On'], 'invalid so_keepalive value: "On"'],
  ])('refuses %j as nginx does', (args, message) => {
    expect(error(args)).toBe(message);
  });

  it('accepts accept_filter= with nginx notice (emerg level, yet not fatal on Linux)', () => {
    const r = parseListen(['80', 'accept_filter=x']);
    expect(r.ok).toBe(true);
    expect(r.notices).toEqual([{ message: 'accept filters "accept_filter=x" are not supported on this platform, ignored' }]);
  });

  it('accepts `unix:` in any case, as nginx', () => {
    expect(parseListen(['UNIX:/tmp/x.sock']).ok).toBe(true);
  });
});
