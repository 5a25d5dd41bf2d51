/**
 * crypt_r() as nginx's ngx_libc_crypt (src/os/unix/ngx_user.c) calls it for every htpasswd hash
 * it does not check itself. The libcrypt of Debian 12's nginx is libxcrypt 4.4 built with all its
 * hashes and with failure tokens: a setting it refuses gives `*0` (`*1` when the setting starts
 * with `*0`), which never equals the stored hash, so nginx answers 401 rather than 500.
 */
import { bcrypt } from './bcrypt.js';
import { bigCrypt, bsdiCrypt } from './des-crypt.js';
import { md5Crypt } from './md5-crypt.js';
import { sha256Crypt, sha512Crypt } from './sha-crypt.js';

// CRYPT_MAX_PASSPHRASE_SIZE: a longer key is ERANGE.
const MAX_PASSPHRASE = 512;

/**
 * Schemes libxcrypt knows that ngts does not compute (yescrypt, gost-yescrypt, scrypt,
 * sha1crypt, SunMD5, NT), by prefix as libxcrypt's get_hashfn matches them.
 */
const NOT_COMPUTED = ['$y$', '$gy$', '$7$', '$sha1', '$md5', '$3$'];

/** A libxcrypt DES salt character (is_des_salt_char). */
function isDesSaltChar(c: string | undefined): boolean {
  return c !== undefined && /^[a-zA-Z0-9./]$/.test(c);
}

/** libxcrypt's failure token for `setting` (make_failure_token). */
function failureToken(setting: string): string {
  return setting.startsWith('*0') ? '*1' : '*0';
}

/**
 * The crypt_r() answer for `key` (bytes up to the first NUL) and `setting` (the stored hash):
 * the hash, a failure token, or null for a scheme libxcrypt knows and ngts does not compute.
 */
export function libcCrypt(key: Buffer, setting: string): string | null {
  if (key.length >= MAX_PASSPHRASE) return failureToken(setting);
  // libxcrypt refuses settings with bytes no hash can contain: controls, space, `!*:;\`, non-ASCII.
  if (/[\x00-\x20!*:;\\\x7f-\xff]/.test(setting)) return failureToken(setting);
  let value: string | null;
  if (setting.startsWith('$6$')) value = sha512Crypt(key, setting);
  else if (setting.startsWith('$5$')) value = sha256Crypt(key, setting);
  else if (setting.startsWith('$1$')) value = md5Crypt(key, setting, '$1$');
  else if (/^\$2[abxy]\$/.test(setting)) value = bcrypt(key, setting);
  else if (setting.startsWith('_')) value = bsdiCrypt(key, setting);
  else if (setting === '' || (isDesSaltChar(setting[0]) && isDesSaltChar(setting[1]))) value = bigCrypt(key, setting);
  else if (NOT_COMPUTED.some((p) => setting.startsWith(p))) return null;
  else value = null;
  return value ?? failureToken(setting);
}
