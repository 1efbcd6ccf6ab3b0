// etcd member and cluster ids are uint64. The etcd3 client returns them as decimal strings; etcdctl and
// operators speak hex. Internally the product always carries lower-case hex without padding.

const HEX = /^(0x)?[0-9a-f]+$/i;
const DECIMAL = /^[0-9]+$/;
const MAX_U64 = (1n << 64n) - 1n;

/** From the decimal string (or number / bigint) etcd3 returns to hex. Returns null for zero or empty. */
export function decimalToHex(value: string | number | bigint | null | undefined): string | null {
  if (value === null || value === undefined || value === '') return null;
  const n = BigInt(value);
  return n === 0n ? null : n.toString(16);
}

/** Hex id to the decimal string etcd3 requests take. */
export function hexToDecimal(hex: string): string {
  return BigInt(`0x${hex.replace(/^0x/i, '')}`).toString(10);
}

/**
 * Parses what a user typed as a member id. Hex is the default reading (what etcdctl prints); a value that
 * is only decimal digits and too long for a 16-digit hex id is taken as decimal. Returns null if invalid.
 */
export function parseMemberId(input: string): string | null {
  // Ops and the simulator compare ids in tight loops: remember the few distinct spellings seen.
  const hit = parsedIds.get(input);
  if (hit !== undefined) return hit;
  const parsed = parseMemberIdUncached(input);
  if (parsedIds.size > 4096) parsedIds.clear();
  parsedIds.set(input, parsed);
  return parsed;
}

const parsedIds = new Map<string, string | null>();

function parseMemberIdUncached(input: string): string | null {
  const s = input.trim();
  if (!s) return null;
  if (HEX.test(s) && s.replace(/^0x/i, '').length <= 16) {
    return BigInt(`0x${s.replace(/^0x/i, '')}`).toString(16);
  }
  if (DECIMAL.test(s)) {
    const n = BigInt(s);
    return n > 0n && n <= MAX_U64 ? n.toString(16) : null;
  }
  return null;
}

/** Ids compare equal however they were padded or cased. */
export function sameId(a: string | null | undefined, b: string | null | undefined): boolean {
  if (!a || !b) return false;
  const pa = parseMemberId(a);
  return pa !== null && pa === parseMemberId(b);
}

/** etcdctl pads member ids to 16 hex digits in some outputs; this is that spelling. */
export function paddedHex(hex: string): string {
  return hex.padStart(16, '0');
}
