// Test-only writer of etcd WAL bytes (frames, records, CRC chain) so unit tests can build exact cases:
// torn tails, broken chains, conflicting metadata. The integration tests use WALs written by real etcd.
import { crc32cUpdate } from '../../../src/core/datadir/crc32c';

export function varint(n: bigint | number): number[] {
  let v = BigInt.asUintN(64, BigInt(n));
  const out: number[] = [];
  while (v >= 0x80n) { out.push(Number(v & 0x7fn) | 0x80); v >>= 7n; }
  out.push(Number(v));
  return out;
}

export function fieldVarint(field: number, v: bigint | number): number[] {
  return [...varint(field * 8), ...varint(v)];
}

export function fieldBytes(field: number, bytes: Uint8Array | number[]): number[] {
  return [...varint(field * 8 + 2), ...varint(bytes.length), ...bytes];
}

export const REC = { metadata: 1, entry: 2, state: 3, crc: 4, snapshot: 5 };

export function metadata(node: bigint, cluster: bigint): number[] {
  return [...fieldVarint(1, node), ...fieldVarint(2, cluster)];
}

export function entry(index: number, term: number, type = 0, data: number[] = []): number[] {
  return [...fieldVarint(1, type), ...fieldVarint(2, term), ...fieldVarint(3, index), ...(data.length ? fieldBytes(4, data) : [])];
}

export function hardState(term: number, vote: bigint, commit: number): number[] {
  return [...fieldVarint(1, term), ...fieldVarint(2, vote), ...fieldVarint(3, commit)];
}

export function walSnapshot(index: number, term: number): number[] {
  return [...fieldVarint(1, index), ...fieldVarint(2, term)];
}

export function confChangeV1(kind: number, node: bigint, context?: object): number[] {
  return [...fieldVarint(1, 0), ...fieldVarint(2, kind), ...fieldVarint(3, node),
    ...(context ? fieldBytes(4, [...Buffer.from(JSON.stringify(context))]) : [])];
}

export function confChangeV2(changes: { kind: number; node: bigint }[]): number[] {
  return changes.flatMap((c) => fieldBytes(2, [...fieldVarint(1, c.kind), ...fieldVarint(2, c.node)]));
}

/** Writes records as etcd's encoder does: running CRC, 8-byte length with padding bits, 8-byte alignment. */
export class WalWriter {
  private parts: Buffer[] = [];
  constructor(public crc = 0) {}

  record(type: number, data: number[] = [], overrideCrc?: number): this {
    let crc: number;
    if (type === REC.crc) crc = this.crc;
    else { this.crc = crc32cUpdate(this.crc, Uint8Array.from(data)); crc = this.crc; }
    const rec = Buffer.from([...fieldVarint(1, type), ...fieldVarint(2, overrideCrc ?? crc), ...(data.length ? fieldBytes(3, data) : [])]);
    const pad = (8 - (rec.length % 8)) % 8;
    const len = BigInt(rec.length) | (pad ? BigInt(0x80 | pad) << 56n : 0n);
    const head = Buffer.alloc(8);
    head.writeBigUInt64LE(len);
    this.parts.push(head, rec, Buffer.alloc(pad));
    return this;
  }

  /** Segment start as etcd writes it: crc record, metadata, then the snapshot marker. */
  start(node: bigint, cluster: bigint, snapIndex = 0, snapTerm = 0): this {
    return this.record(REC.crc).record(REC.metadata, metadata(node, cluster)).record(REC.snapshot, walSnapshot(snapIndex, snapTerm));
  }

  bytes(zeroTail = 4096): Buffer {
    return Buffer.concat([...this.parts, Buffer.alloc(zeroTail)]);
  }
}
