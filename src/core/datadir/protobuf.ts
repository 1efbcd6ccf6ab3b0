// A minimal, bounds-checked protobuf wire reader: enough for etcd's WAL, raft and snap messages.
// Every length is checked against the enclosing message, so bad bytes give a DataDirError, never a
// RangeError or a huge allocation (fields are returned as views into the input, not copies).
import { DataDirError } from './errors';

export const Wire = { Varint: 0, Fixed64: 1, Bytes: 2, Fixed32: 5 } as const;

export class ProtoReader {
  private pos: number;
  field = 0;
  wire = 0;

  /**
   * @param buf the bytes holding the message
   * @param file, baseOffset where `buf[0]` sits in the file, for error messages
   */
  constructor(private readonly buf: Uint8Array, private readonly file: string, private readonly baseOffset = 0,
    start = 0, private readonly end = buf.length) {
    this.pos = start;
  }

  private fail(detail: string): never {
    throw new DataDirError('bad-protobuf', this.file, this.baseOffset + this.pos, detail);
  }

  /** Advances to the next field; false at the end of the message. */
  next(): boolean {
    if (this.pos >= this.end) return false;
    const key = this.uint();
    this.field = Math.floor(key / 8);
    this.wire = key % 8;
    if (this.field === 0) this.fail('field number 0');
    return true;
  }

  /** A varint that must fit in 2^53 (indexes, terms, types, lengths). */
  uint(): number {
    let result = 0;
    let scale = 1;
    for (let i = 0; i < 10; i++) {
      if (this.pos >= this.end) this.fail('varint runs past the end of the message');
      const b = this.buf[this.pos++];
      result += (b & 0x7f) * scale;
      if (b < 0x80) {
        if (result > Number.MAX_SAFE_INTEGER) this.fail('varint value too large');
        return result;
      }
      scale *= 128;
    }
    this.fail('varint longer than 10 bytes');
  }

  /** A full uint64 varint (member and cluster ids). */
  u64(): bigint {
    let result = 0n;
    let shift = 0n;
    for (let i = 0; i < 10; i++) {
      if (this.pos >= this.end) this.fail('varint runs past the end of the message');
      const b = this.buf[this.pos++];
      result |= BigInt(b & 0x7f) << shift;
      if (b < 0x80) return result & 0xffffffffffffffffn;
      shift += 7n;
    }
    this.fail('varint longer than 10 bytes');
  }

  bool(): boolean {
    return this.u64() !== 0n;
  }

  /** Position of the next length-delimited field's payload, as [start, end) in the input buffer. */
  span(): [number, number] {
    const len = this.uint();
    if (len > this.end - this.pos) this.fail(`length ${len} runs past the end of the message (${this.end - this.pos} bytes left)`);
    const start = this.pos;
    this.pos += len;
    return [start, start + len];
  }

  bytes(): Uint8Array {
    const [s, e] = this.span();
    return this.buf.subarray(s, e);
  }

  /** Offset of the current position in the file, for nested readers' error messages. */
  fileOffset(at: number): number {
    return this.baseOffset + at;
  }

  /** Repeated packed varints, or one unpacked value, appended to `into` as bigint. */
  packedU64(into: bigint[]): void {
    if (this.wire === Wire.Bytes) {
      const [s, e] = this.span();
      const inner = new ProtoReader(this.buf, this.file, this.baseOffset, s, e);
      while (inner.pos < e) into.push(inner.u64());
    } else if (this.wire === Wire.Varint) {
      into.push(this.u64());
    } else {
      this.fail(`field ${this.field} has wire type ${this.wire}, expected varint`);
    }
  }

  skip(): void {
    switch (this.wire) {
      case Wire.Varint: this.u64(); return;
      case Wire.Fixed64: this.advance(8); return;
      case Wire.Bytes: this.span(); return;
      case Wire.Fixed32: this.advance(4); return;
      default: this.fail(`unsupported wire type ${this.wire}`);
    }
  }

  /** Checks the current field is a varint before reading it (protobuf allows any order, not any type). */
  expect(wire: number): void {
    if (this.wire !== wire) this.fail(`field ${this.field} has wire type ${this.wire}, expected ${wire}`);
  }

  private advance(n: number): void {
    if (n > this.end - this.pos) this.fail('fixed-size field runs past the end of the message');
    this.pos += n;
  }
}
