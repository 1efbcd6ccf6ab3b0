// Just enough DER to read the X.509 KeyUsage bits, which node:crypto does not expose (it gives the
// extended key usages only). Every length is checked against its parent, so bad bytes return null.

interface Tlv { tag: number; start: number; end: number; next: number }

function readTlv(buf: Uint8Array, pos: number, limit: number): Tlv | null {
  if (pos + 2 > limit) return null;
  const tag = buf[pos];
  let len = buf[pos + 1];
  let p = pos + 2;
  if (len & 0x80) {
    const n = len & 0x7f;
    if (n === 0 || n > 4 || p + n > limit) return null;
    len = 0;
    for (let i = 0; i < n; i++) len = len * 256 + buf[p + i];
    p += n;
  }
  if (p + len > limit) return null;
  return { tag, start: p, end: p + len, next: p + len };
}

/** At most `max` children: certificates have few, but SAN lists can be long (each name costs bytes, so this stays bounded). */
function children(buf: Uint8Array, parent: Tlv, max = 64): Tlv[] {
  const out: Tlv[] = [];
  for (let p = parent.start; p < parent.end;) {
    const t = readTlv(buf, p, parent.end);
    if (!t || out.length >= max) return out;
    out.push(t);
    p = t.next;
  }
  return out;
}

const KEY_USAGE_OID = [0x55, 0x1d, 0x0f]; // 2.5.29.15
const SUBJECT_ALT_NAME_OID = [0x55, 0x1d, 0x11]; // 2.5.29.17
const BASIC_CONSTRAINTS_OID = [0x55, 0x1d, 0x13]; // 2.5.29.19
const KEY_USAGE_NAMES = ['digitalSignature', 'nonRepudiation', 'keyEncipherment', 'dataEncipherment', 'keyAgreement',
  'keyCertSign', 'cRLSign', 'encipherOnly', 'decipherOnly'];

/** The OCTET STRING payload of an extension (by its 3-byte OID under 2.5.29), or null. */
function extension(der: Uint8Array, oidBytes: number[]): Tlv | null {
  const cert = readTlv(der, 0, der.length);
  if (!cert || cert.tag !== 0x30) return null;
  const tbs = children(der, cert)[0];
  if (!tbs || tbs.tag !== 0x30) return null;
  const extsWrapper = children(der, tbs).find((t) => t.tag === 0xa3);
  if (!extsWrapper) return null;
  const exts = children(der, extsWrapper)[0];
  if (!exts || exts.tag !== 0x30) return null;
  for (const ext of children(der, exts)) {
    const parts = children(der, ext);
    const oid = parts[0];
    if (!oid || oid.tag !== 0x06 || oid.end - oid.start !== oidBytes.length) continue;
    if (!oidBytes.every((b, i) => der[oid.start + i] === b)) continue;
    return parts.find((t) => t.tag === 0x04) ?? null;
  }
  return null;
}

/** Names of the KeyUsage bits set in a DER certificate; null when it has no KeyUsage extension. */
export function keyUsageOf(der: Uint8Array): string[] | null {
  const octets = extension(der, KEY_USAGE_OID);
  if (!octets) return null;
  const bits = readTlv(der, octets.start, octets.end);
  if (!bits || bits.tag !== 0x03 || bits.end - bits.start < 1) return null;
  const names: string[] = [];
  for (let i = 0; i < KEY_USAGE_NAMES.length; i++) {
    const byte = bits.start + 1 + (i >> 3);
    if (byte < bits.end && der[byte] & (0x80 >> (i & 7))) names.push(KEY_USAGE_NAMES[i]);
  }
  return names;
}

/**
 * basicConstraints cA flag; null without the extension. node:crypto's `ca` answers OpenSSL's X509_check_ca,
 * which also says false for a CA whose KeyUsage lacks keyCertSign: exactly the case worth reporting.
 */
export function basicConstraintsCA(der: Uint8Array): boolean | null {
  const octets = extension(der, BASIC_CONSTRAINTS_OID);
  if (!octets) return null;
  const seq = readTlv(der, octets.start, octets.end);
  if (!seq || seq.tag !== 0x30) return null;
  const first = children(der, seq)[0];
  return Boolean(first && first.tag === 0x01 && first.end - first.start === 1 && der[first.start] !== 0);
}

/**
 * DNS names of the subjectAltName extension, as written (IA5 text); null without the extension. Read from DER
 * rather than node's subjectAltName text, whose quoting of odd values would have to be undone.
 */
export function dnsNamesOf(der: Uint8Array): string[] | null {
  const octets = extension(der, SUBJECT_ALT_NAME_OID);
  if (!octets) return null;
  const names = readTlv(der, octets.start, octets.end);
  if (!names || names.tag !== 0x30) return null;
  // GeneralName dNSName is [2] IMPLICIT IA5String: context tag 0x82.
  return children(der, names, 10_000).filter((t) => t.tag === 0x82).map((t) => Buffer.from(der.subarray(t.start, t.end)).toString('latin1'));
}
