/**
 * htpasswd hashes (ngx_crypt and libc crypt_r) against real tools: a table recorded from Debian
 * 12's libcrypt (libxcrypt 4.4.33, the library nginx calls; via python3 ctypes `crypt()`), and, when
 * `openssl` is installed, `openssl passwd` run live for MD5, APR1, SHA-256 and SHA-512 crypt.
 */
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { ngxCrypt } from '../../../src/runtime/http/crypt.js';

// [key, setting, crypt(key, setting)] as libxcrypt answered; `*0`/`*1` are its failure tokens.
const LIBXCRYPT: readonly (readonly [string, string, string])[] = [
  ['secret', '$6$saltsalt', '$6$saltsalt$TVLlQcbpFVof5W3Yz4DTP6gRstiNuHwwTt6GLc1E5n0U0aDehy0S5knV8wiOQSpT0Y77vwPZN.Pq.H91p5hVO1'],
  ['secret', '$6$saltsalt$TVLlQcbp', '$6$saltsalt$TVLlQcbpFVof5W3Yz4DTP6gRstiNuHwwTt6GLc1E5n0U0aDehy0S5knV8wiOQSpT0Y77vwPZN.Pq.H91p5hVO1'],
  ['secret', '$6$rounds=1000$saltsalt', '$6$rounds=1000$saltsalt$LAV5VE5Y7w1d73x1mFNspYWUpazfmwv2SoepNXNKJ/otop/Zok96Hr8Q13LEv0DRY/x8v0/crpIjl8NJSAqXV/'],
  // An explicit default is kept in the answer, so it differs from the setting without rounds.
  ['secret', '$6$rounds=5000$saltsalt', '$6$rounds=5000$saltsalt$TVLlQcbpFVof5W3Yz4DTP6gRstiNuHwwTt6GLc1E5n0U0aDehy0S5knV8wiOQSpT0Y77vwPZN.Pq.H91p5hVO1'],
  ['secret', '$6$rounds=12345$abc', '$6$rounds=12345$abc$.urMXJdx6cg.rnOhsOQiKTYa2G0UrmWEKpCZeXBibmpJqTnTnY1kxRukP0w/9HxkNzwQgkrEEfmRO/5vTiHWs1'],
  ['', '$6$', '$6$$/chiBau24cE26QQVW3IfIe68Xu5.JQ4E8Ie7lcRLwqxO5cxGuBhqF2HmTL.zWJ9zjChg3yJYFXeGBQ2y3Ba1d1'],
  // The salt is cut to 16 bytes; keys longer than the digest.
  ['a'.repeat(200), '$6$abcdefghijklmnopqrstuvwxyz', '$6$abcdefghijklmnop$gQkYRWfta4iF60eDreWGuHbilwMPVnEbL66RDZNW1..QKqDJWKrAvvyiIP806nETPz.mJHJAf4ZLEr4KhQChC/'],
  ['secret', '$5$saltsalt', '$5$saltsalt$0IyaXrmV7.sGNS6tirgqHLqX/G.FBvgkYA.lpPdS5sA'],
  ['secret', '$5$rounds=1000$saltsalt', '$5$rounds=1000$saltsalt$eKLZU9t9OoPWrqOQsoTIKG0aYkZ5rGOoOQhiIvoSWX2'],
  ['secret', '$5$rounds=5000$x', '$5$rounds=5000$x$u/w5rkS/ZkEW8w7w0VcSy915tS82tDWKB5Ee9giohyD'],
  ['Hello world!', '$5$rounds=10000$saltstringsaltstring', '$5$rounds=10000$saltstringsaltst$3xv.VbSHBb41AL9AvLeujZkZRBAwqFMz2.opqey6IcA'],
  ['x'.repeat(100), '$5$0123456789abcdef', '$5$0123456789abcdef$aKdz8fxxSEF2.sRL0xIqHdch3EAvPX6eVmzomlrlwFC'],
  ['secret', '$5$', '$5$$o1w7HPzHt8gHmL5zUzDkRqt6Az.BjDfkvuDNNLWnXx5'],
  // libxcrypt refuses rounds out of 1000..999999999 (glibc clamped them) and a leading zero.
  ['secret', '$5$rounds=999$abc', '*0'],
  ['secret', '$6$rounds=1000000000$abc', '*0'],
  ['secret', '$6$rounds=0$abc', '*0'],
  ['secret', '$5$rounds=01000$abc', '*0'],
  ['secret', '$5$rounds=1000', '*0'],
  ['secret', '$5$rounds=x$abc', '*0'],
  // Bytes no hash contains, anywhere in the setting.
  ['secret', '$5$a b$', '*0'],
  ['secret', '$6$abc$x!y', '*0'],
  ['secret', '$5$ab;c', '*0'],
  ['secret', '$5$ab\\c', '*0'],
  // Traditional DES: two salt characters, the key's first 8 bytes.
  ['secret', 'ab', 'abNANd1rDfiNc'],
  ['secret', 'abNANd1rDfiNc', 'abNANd1rDfiNc'],
  ['secretpassword', 'ab', 'abSsy3GvmHpeQ'],
  ['', '..', '..X8NBuQ4l6uQ'],
  ['\u00e9t\u00e9', 'zz', 'zzA12497yeYak'],
  // bigcrypt: a longer key with a setting longer than 13 characters.
  ['secretpassword', 'abSsy3GvmHpeQNhzBNrKIGK6', 'abSsy3GvmHpeQNhzBNrKIGK6'],
  // BSDi extended DES.
  ['secret', '_J9..abcd', '_J9..abcd/H6HLCcf7nw'],
  ['a much longer passphrase', '_J9..abcd', '_J9..abcdeyAKL4tdUXs'],
  ['secret', '_....abcd', '_....abcdqv914M7v2rI'],
  ['secret', '_J9.', '*0'],
  // Unknown or malformed settings.
  ['secret', 'a', '*0'],
  ['secret', '', '*0'],
  ['secret', 'a!', '*0'],
  ['secret', '$9$abc', '*0'],
  ['secret', '*0', '*1'],
  ['secret', '*1', '*0'],
  ['secret', '$2b$05$abcdefghijklmnopqrstu!', '*0'],
  // bcrypt (htpasswd -B): the salt's last character loses its two unused bits in the answer.
  ['U*U', '$2a$05$CCCCCCCCCCCCCCCCCCCCC.', '$2a$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW'],
  ['secret', '$2y$04$abcdefghijklmnopqrstuv', '$2y$04$abcdefghijklmnopqrstuu2r9OfJnfCsdneAXAGHnS4UpFFP8WIrW'],
  ['secret', '$2b$04$abcdefghijklmnopqrstuu', '$2b$04$abcdefghijklmnopqrstuu2r9OfJnfCsdneAXAGHnS4UpFFP8WIrW'],
  ['', '$2y$04$abcdefghijklmnopqrstuu', '$2y$04$abcdefghijklmnopqrstuubyCG3zY1GIXMyxfivm.ClDiInHzxjiq'],
  ['secret', '$2y$10$abcdefghijklmnopqrstuu', '$2y$10$abcdefghijklmnopqrstuuqflPDzB6gcMhKa1rZqKiun2YGL5sa2u'],
  ['secret', '$2y$04$abcdefghijklmnopqrstuugarbage', '$2y$04$abcdefghijklmnopqrstuu2r9OfJnfCsdneAXAGHnS4UpFFP8WIrW'],
  // bcrypt reads 72 bytes: the key and its NUL, repeated.
  ['a'.repeat(71), '$2b$04$abcdefghijklmnopqrstuu', '$2b$04$abcdefghijklmnopqrstuuMCu.k1vM/ywQwiONaEn3oEMlZoCVBd6'],
  ['a'.repeat(72), '$2b$04$abcdefghijklmnopqrstuu', '$2b$04$abcdefghijklmnopqrstuuBzzIgyKkz7xMWYSzkIjUSnxEQFQ0WNe'],
  ['a'.repeat(73), '$2b$04$abcdefghijklmnopqrstuu', '$2b$04$abcdefghijklmnopqrstuuBzzIgyKkz7xMWYSzkIjUSnxEQFQ0WNe'],
  // Bytes above 0x7f: $2x$ sign-extends them (the old bug), $2a$ deviates where a key would
  // collide with a buggy one (the second key), $2b$ and $2y$ are the correct algorithm.
  ['\u00e9t\u00e9', '$2a$04$abcdefghijklmnopqrstuu', '$2a$04$abcdefghijklmnopqrstuuBiPQ3O.6nKDK/WlyiFzTPP1xe3qNvYK'],
  ['\u00e9t\u00e9', '$2b$04$abcdefghijklmnopqrstuu', '$2b$04$abcdefghijklmnopqrstuuBiPQ3O.6nKDK/WlyiFzTPP1xe3qNvYK'],
  ['\u00e9t\u00e9', '$2x$04$abcdefghijklmnopqrstuu', '$2x$04$abcdefghijklmnopqrstuuaSb5v.KUKS3KhaKvAn0GDsIN62Esoe.'],
  ['\u00ff\u00a334\u00ff\u00ff\u00ff\u00a3345', '$2a$04$abcdefghijklmnopqrstuu', '$2a$04$abcdefghijklmnopqrstuuE8Lpo1/qkGPTBDBxEsJjeEzh9nkZ9uW'],
  ['\u00ff\u00a334\u00ff\u00ff\u00ff\u00a3345', '$2y$04$abcdefghijklmnopqrstuu', '$2y$04$abcdefghijklmnopqrstuu9f4sA9SRA0scUKcRyC5kce8dao2.GKe'],
  ['\u00ff\u00a334\u00ff\u00ff\u00ff\u00a3345', '$2x$04$abcdefghijklmnopqrstuu', '$2x$04$abcdefghijklmnopqrstuu9f4sA9SRA0scUKcRyC5kce8dao2.GKe'],
  ['\u00a3', '$2a$04$abcdefghijklmnopqrstuu', '$2a$04$abcdefghijklmnopqrstuurz1efvzeJjL4mQ813hrZNg3p1.ivOii'],
  ['\u00a3', '$2x$04$abcdefghijklmnopqrstuu', '$2x$04$abcdefghijklmnopqrstuuMOaOTHB4gEm.rriBjXNwBNh.Oc4mKGG'],
  // Costs outside 04..31, unknown subtypes, short or bad salts.
  ['secret', '$2y$03$abcdefghijklmnopqrstuu', '*0'],
  ['secret', '$2y$32$abcdefghijklmnopqrstuu', '*0'],
  ['secret', '$2c$04$abcdefghijklmnopqrstuu', '*0'],
  ['secret', '$2$04$abcdefghijklmnopqrstuu', '*0'],
  ['secret', '$2y$4$abcdefghijklmnopqrstuu', '*0'],
  ['secret', '$2y$04$abcdefghijklmnopqrst', '*0'],
  ['secret', '$2y$04$abcdefghijklmnopqrstu-', '*0'],
  ['secret', '$1$saltsalt', '$1$saltsalt$9xy1btjgzLYfb7hivXtC//'],
  ['secret', '$1$abcdefghijk$', '$1$abcdefgh$cHJi5PXp/ki/ktXzqlk6I1'],
  // CRYPT_MAX_PASSPHRASE_SIZE.
  ['x'.repeat(511), 'ab', 'abzDJoqKYZJww'],
  ['x'.repeat(512), 'ab', '*0'],
];

describe('ngxCrypt: libc crypt() as libxcrypt answers', () => {
  for (const [key, setting, want] of LIBXCRYPT) {
    it(`${key.length > 20 ? `${key.length} bytes` : JSON.stringify(key)} with ${JSON.stringify(setting)}`, () => {
      expect(ngxCrypt(key, setting)).toBe(want);
    });
  }

  it('the key ends at a NUL, as a C string', () => {
    expect(ngxCrypt('secret\0more', '$5$saltsalt')).toBe(ngxCrypt('secret', '$5$saltsalt'));
  });

  it('schemes libxcrypt has and ngts does not compute are null', () => {
    expect(ngxCrypt('secret', '$y$j9T$abcdefghijklmnop')).toBeNull();
  });
});

function openssl(args: readonly string[]): string | null {
  try {
    return execFileSync('openssl', args, { encoding: 'latin1' }).trim();
  } catch {
    return null;
  }
}

const HAVE_OPENSSL = openssl(['version']) !== null;

describe.skipIf(!HAVE_OPENSSL)('ngxCrypt against openssl passwd', () => {
  // (openssl passwd prints <NULL> for an empty password: the table above has the empty key.)
  const keys = ['secret', 'p', 'correct horse battery staple', 'x'.repeat(70)];
  const salts: readonly (readonly [string, string, string])[] = [
    ['-1', '$1$', 'saltsalt'],
    ['-apr1', '$apr1$', 'abcdefgh'],
    ['-5', '$5$', 'saltsaltsaltsalt'],
    ['-5', '$5$', 'x'],
    ['-6', '$6$', 'saltsalt'],
    ['-6', '$6$', './09AZaz'],
  ];
  for (const [flag, prefix, salt] of salts) {
    it(`openssl passwd ${flag} -salt ${salt}`, () => {
      for (const key of keys) {
        const want = openssl(['passwd', flag, '-salt', salt, key]);
        expect(want).not.toBeNull();
        expect(ngxCrypt(key, want!)).toBe(want);
        expect(ngxCrypt(key, prefix + salt)).toBe(want);
      }
    });
  }
});
