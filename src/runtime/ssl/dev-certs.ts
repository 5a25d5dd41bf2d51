/**
 * `ngts run --dev-certs`: a certificate or key file the configuration names but that does not
 * exist is replaced by a self-signed pair (x509-self-signed.ts) for the names of the servers that
 * use it, plus localhost, 127.0.0.1 and ::1, so that a config written for production runs on a
 * laptop. Where the pair goes:
 *   - at the paths the configuration wants, when both files are missing, their directory exists
 *     and is writable, and it lies inside the prefix or the configuration's directory (a project
 *     directory: ngts never writes into /etc and the like);
 *   - else in the cache, `$NGTS_DEV_CERTS_DIR` or `$XDG_CACHE_HOME/ngts/dev-certs` (by default
 *     `~/.cache/ngts/dev-certs`), one directory per certificate/key path pair, reused while it is
 *     valid for another day and names every host.
 */
import { accessSync, constants, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { X509Certificate, createHash } from 'node:crypto';
import { homedir } from 'node:os';
import { dirname, join, relative, isAbsolute } from 'node:path';
import type { ServerNameEntry } from '../../compile/servers.js';
import { isIpAddress, selfSignedCertificate } from './x509-self-signed.js';

/** Names every dev certificate carries. */
const ALWAYS_DNS = ['localhost'];
const ALWAYS_IP = ['127.0.0.1', '::1'];

/** Where a dev pair was put, and the line that tells the operator. */
export interface DevPair {
  readonly cert: string;
  readonly key: string;
  readonly warning: string;
}

export interface DevCertPlaces {
  /** The prefix and the configuration's directory, both with a trailing slash. */
  readonly prefix: string;
  readonly confDir: string;
}

/** The names of a certificate for servers named so: plain host names and `*.` wildcards. */
export function certificateNames(entries: readonly ServerNameEntry[]): { dns: string[]; ip: string[] } {
  const dns: string[] = [];
  const ip: string[] = [];
  const add = (list: string[], n: string): void => {
    if (!list.includes(n)) list.push(n);
  };
  for (const e of entries) {
    if (e.regex !== null || e.name.startsWith('~')) continue;
    let n = e.name;
    if (isIpAddress(n)) {
      add(ip, n);
      continue;
    }
    // `.example.com` is example.com and every name under it.
    if (n.startsWith('.')) {
      n = n.slice(1);
      if (isHostName(n)) {
        add(dns, n);
        add(dns, `*.${n}`);
      }
      continue;
    }
    if (n.startsWith('*.') ? isHostName(n.slice(2)) : isHostName(n)) add(dns, n);
  }
  for (const n of ALWAYS_DNS) add(dns, n);
  for (const n of ALWAYS_IP) add(ip, n);
  return { dns, ip };
}

/** A name a certificate can carry: letters, digits, `-` and `_` in dot-separated labels. */
function isHostName(n: string): boolean {
  return n.length > 0 && n.length <= 253 && /^[a-z0-9_]([a-z0-9_-]*[a-z0-9_])?(\.[a-z0-9_]([a-z0-9_-]*[a-z0-9_])?)*$/.test(n);
}

/** Gives a usable pair for the missing `certPath`/`keyPath`, made now or earlier. */
export function provideDevPair(certPath: string, keyPath: string, names: { dns: string[]; ip: string[] }, places: DevCertPlaces): DevPair {
  const listed = [...names.dns, ...names.ip].join(', ');
  if (inPlace(certPath, keyPath, places)) {
    write(certPath, keyPath, names);
    return {
      cert: certPath,
      key: keyPath,
      warning: `--dev-certs: "${certPath}" and its key were missing: wrote a self-signed certificate for ${listed} there (key "${keyPath}"); clients will not trust it`,
    };
  }
  const dir = join(cacheDir(), createHash('sha256').update(`${certPath}\0${keyPath}`).digest('hex').slice(0, 16));
  const cert = join(dir, 'cert.pem');
  const key = join(dir, 'key.pem');
  const reused = stillGood(cert, key, names);
  if (!reused) {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    write(cert, key, names);
  }
  return {
    cert,
    key,
    warning: `--dev-certs: "${existsSync(certPath) ? keyPath : certPath}" is missing: ${reused ? 'using the self-signed certificate made earlier' : 'made a self-signed certificate'} for ${listed}, in ${cert} (key ${key}); clients will not trust it`,
  };
}

function cacheDir(): string {
  const own = process.env.NGTS_DEV_CERTS_DIR;
  if (own !== undefined && own !== '') return own;
  const xdg = process.env.XDG_CACHE_HOME;
  return join(xdg !== undefined && xdg !== '' ? xdg : join(homedir(), '.cache'), 'ngts', 'dev-certs');
}

/** Both files are missing, in one writable project directory. */
function inPlace(certPath: string, keyPath: string, places: DevCertPlaces): boolean {
  if (existsSync(certPath) || existsSync(keyPath)) return false;
  for (const p of [certPath, keyPath]) {
    const dir = dirname(p);
    if (!within(dir, places.prefix) && !within(dir, places.confDir)) return false;
    try {
      if (!statSync(dir).isDirectory()) return false;
      accessSync(dir, constants.W_OK);
    } catch {
      return false;
    }
  }
  return true;
}

function within(path: string, dir: string): boolean {
  const rel = relative(dir, path);
  return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel));
}

function write(certPath: string, keyPath: string, names: { dns: string[]; ip: string[] }): void {
  const pair = selfSignedCertificate({ dnsNames: names.dns, ipAddresses: names.ip });
  writeFileSync(keyPath, pair.key, { mode: 0o600 });
  writeFileSync(certPath, pair.cert);
}

/** A cached pair valid for one more day that names every host wanted. */
function stillGood(cert: string, key: string, names: { dns: string[]; ip: string[] }): boolean {
  try {
    if (!existsSync(key)) return false;
    const x = new X509Certificate(readFileSync(cert));
    if (Date.parse(x.validTo) < Date.now() + 24 * 3600 * 1000) return false;
    const san = (x.subjectAltName ?? '').split(', ');
    return names.dns.every((n) => san.includes(`DNS:${n}`)) && names.ip.every((ip) => san.some((s) => s.startsWith('IP Address:') && sameIp(s.slice(11), ip)));
  } catch {
    return false;
  }
}

/** `0:0:0:0:0:0:0:1` (as X509Certificate prints it) is `::1`. */
function sameIp(printed: string, ip: string): boolean {
  if (printed.toLowerCase() === ip.toLowerCase()) return true;
  return ip.includes(':') && printed.split(':').map((g) => parseInt(g, 16)).join(':') === expand6(ip).join(':');
}

function expand6(ip: string): number[] {
  const [head, tail] = ip.includes('::') ? ip.split('::') : [ip, undefined];
  const h = head ? head.split(':') : [];
  const t = tail ? tail.split(':') : [];
  const groups = tail === undefined ? h : [...h, ...Array<string>(8 - h.length - t.length).fill('0'), ...t];
  return groups.map((g) => parseInt(g, 16));
}
