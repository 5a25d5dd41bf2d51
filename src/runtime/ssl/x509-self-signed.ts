/**
 * A self-signed X.509 v3 certificate (RFC 5280) made without OpenSSL's command line: node:crypto
 * makes the EC P-256 key pair and the ECDSA-SHA256 signature; this file writes the DER (X.690)
 * around them. Used by `ngts run --dev-certs` only: a server certificate for a list of host names
 * (wildcards allowed) and IP addresses, valid from yesterday for a year.
 */
import { createHash, generateKeyPairSync, randomBytes, sign } from 'node:crypto';
import { isIPv4, isIPv6 } from 'node:net';

// Universal tags (X.690 8.1.2) and the context-specific ones RFC 5280 uses.
const INTEGER = 0x02;
const BIT_STRING = 0x03;
const OCTET_STRING = 0x04;
const OID = 0x06;
const UTF8_STRING = 0x0c;
const UTC_TIME = 0x17;
const GENERALIZED_TIME = 0x18;
const SEQUENCE = 0x30;
const SET = 0x31;
const BOOLEAN = 0x01;

/** One TLV: the tag, the definite length (short or long form), the contents. */
function tlv(tag: number, contents: Buffer): Buffer {
  const n = contents.length;
  let len: Buffer;
  if (n < 0x80) len = Buffer.from([n]);
  else {
    const bytes: number[] = [];
    for (let v = n; v > 0; v = Math.floor(v / 256)) bytes.unshift(v & 0xff);
    len = Buffer.from([0x80 | bytes.length, ...bytes]);
  }
  return Buffer.concat([Buffer.from([tag]), len, contents]);
}

const seq = (...items: Buffer[]): Buffer => tlv(SEQUENCE, Buffer.concat(items));

/** An OBJECT IDENTIFIER from its dotted form (base-128 arcs, the first two folded together). */
function oid(dotted: string): Buffer {
  const arcs = dotted.split('.').map(Number);
  const out: number[] = [40 * arcs[0]! + arcs[1]!];
  for (const arc of arcs.slice(2)) {
    const bytes = [arc & 0x7f];
    for (let v = Math.floor(arc / 128); v > 0; v = Math.floor(v / 128)) bytes.unshift(0x80 | (v & 0x7f));
    out.push(...bytes);
  }
  return tlv(OID, Buffer.from(out));
}

/** A non-negative INTEGER from big-endian bytes (a leading zero keeps the sign bit clear). */
function unsignedInteger(bytes: Buffer): Buffer {
  let i = 0;
  while (i < bytes.length - 1 && bytes[i] === 0) i++;
  const trimmed = bytes.subarray(i);
  return tlv(INTEGER, (trimmed[0]! & 0x80) !== 0 ? Buffer.concat([Buffer.from([0]), trimmed]) : trimmed);
}

/** UTCTime before 2050, GeneralizedTime from then on (RFC 5280 4.1.2.5), to the second, in Z. */
function time(d: Date): Buffer {
  const iso = d.toISOString().replace(/[-:T]/g, '').slice(0, 14) + 'Z';
  return d.getUTCFullYear() < 2050 ? tlv(UTC_TIME, Buffer.from(iso.slice(2), 'ascii')) : tlv(GENERALIZED_TIME, Buffer.from(iso, 'ascii'));
}

/** A Name of RDNs, one attribute each (CN = 2.5.4.3, O = 2.5.4.10). */
function name(attributes: readonly (readonly [string, string])[]): Buffer {
  return seq(...attributes.map(([type, value]) => tlv(SET, seq(oid(type), tlv(UTF8_STRING, Buffer.from(value, 'utf8'))))));
}

/** An Extension: the OID, `critical` when true, the DER value wrapped in an OCTET STRING. */
function extension(id: string, critical: boolean, value: Buffer): Buffer {
  return seq(oid(id), ...(critical ? [tlv(BOOLEAN, Buffer.from([0xff]))] : []), tlv(OCTET_STRING, value));
}

/** subjectAltName's GeneralNames: dNSName [2] and iPAddress [7], both implicit primitives. */
function subjectAltNames(dns: readonly string[], ips: readonly string[]): Buffer {
  const names = [
    ...dns.map((d) => tlv(0x82, Buffer.from(d, 'ascii'))),
    ...ips.map((ip) => tlv(0x87, ipBytes(ip))),
  ];
  return seq(...names);
}

function ipBytes(ip: string): Buffer {
  if (isIPv4(ip)) return Buffer.from(ip.split('.').map(Number));
  // IPv6: expand `::` to the missing zero groups, 16 bytes in all.
  const [head, tail] = ip.includes('::') ? ip.split('::') : [ip, undefined];
  const h = head ? head.split(':') : [];
  const t = tail ? tail.split(':') : [];
  const groups = tail === undefined ? h : [...h, ...Array<string>(8 - h.length - t.length).fill('0'), ...t];
  const out = Buffer.alloc(16);
  groups.forEach((g, i) => out.writeUInt16BE(parseInt(g, 16), i * 2));
  return out;
}

export interface SelfSignedCertificate {
  /** The certificate, PEM. */
  readonly cert: string;
  /** The private key, PKCS#8 PEM (unencrypted). */
  readonly key: string;
}

export interface SelfSignedOptions {
  /** Host names (exact or `*.` wildcards), the first one is also the subject's CN. */
  readonly dnsNames: readonly string[];
  readonly ipAddresses: readonly string[];
  readonly days?: number;
  /** For tests: the moment the certificate is made. */
  readonly now?: Date;
}

/** Makes a key pair and a self-signed server certificate for the names given. */
export function selfSignedCertificate(opts: SelfSignedOptions): SelfSignedCertificate {
  const { publicKey, privateKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const spki = publicKey.export({ type: 'spki', format: 'der' });
  const now = opts.now ?? new Date();
  const notBefore = new Date(now.getTime() - 24 * 3600 * 1000);
  const notAfter = new Date(now.getTime() + (opts.days ?? 365) * 24 * 3600 * 1000);
  const subject = name([
    ['2.5.4.10', 'ngts dev certificate (self-signed)'],
    ['2.5.4.3', opts.dnsNames[0] ?? opts.ipAddresses[0] ?? 'localhost'],
  ]);
  // subjectKeyIdentifier: SHA-1 of the subjectPublicKey BIT STRING's bytes (RFC 5280 4.2.1.2 (1)).
  const keyBits = spki.subarray(-65);
  const keyId = createHash('sha1').update(keyBits).digest();
  const ecdsaWithSha256 = seq(oid('1.2.840.10045.4.3.2'));
  const serial = randomBytes(16);
  serial[0] = serial[0]! & 0x7f;
  const extensions = seq(
    extension('2.5.29.19', true, seq()), // basicConstraints: not a CA
    extension('2.5.29.15', true, tlv(BIT_STRING, Buffer.from([0x07, 0x80]))), // keyUsage: digitalSignature
    extension('2.5.29.37', false, seq(oid('1.3.6.1.5.5.7.3.1'))), // extKeyUsage: serverAuth
    extension('2.5.29.17', false, subjectAltNames(opts.dnsNames, opts.ipAddresses)),
    extension('2.5.29.14', false, tlv(OCTET_STRING, keyId)),
  );
  const tbs = seq(
    tlv(0xa0, tlv(INTEGER, Buffer.from([2]))), // version v3, [0] EXPLICIT
    unsignedInteger(serial),
    ecdsaWithSha256,
    subject, // issuer: self-signed
    seq(time(notBefore), time(notAfter)),
    subject,
    spki,
    tlv(0xa3, extensions), // [3] EXPLICIT
  );
  // crypto.sign with an EC key gives the DER ECDSA-Sig-Value the BIT STRING carries.
  const signature = sign('sha256', tbs, privateKey);
  const der = seq(tbs, ecdsaWithSha256, tlv(BIT_STRING, Buffer.concat([Buffer.from([0]), signature])));
  const b64 = der.toString('base64').replace(/.{64}/g, '$&\n').replace(/\n$/, '');
  return {
    cert: `-----BEGIN CERTIFICATE-----\n${b64}\n-----END CERTIFICATE-----\n`,
    key: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
  };
}

/** Whether `ip` is an address a certificate can name (iPAddress). */
export function isIpAddress(ip: string): boolean {
  return isIPv4(ip) || isIPv6(ip);
}
