import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { crc32cUpdate, crc32cUpdateWide } from '../../../src/core/datadir/crc32c';

describe('CRC-32C, slicing-by-16', () => {
  it('equals the byte-wise CRC at every offset, length and alignment, and chains', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 2000 }), fc.nat(), fc.nat(), fc.nat({ max: 7 }), (raw, a, b, shift) => {
      // A view at an odd byteOffset exercises the alignment prologue.
      const bytes = new Uint8Array(raw.length + shift).subarray(shift);
      bytes.set(raw);
      const start = bytes.length ? a % bytes.length : 0;
      const end = start + (bytes.length - start ? b % (bytes.length - start + 1) : 0);
      assert.equal(crc32cUpdateWide(0, bytes, start, end), crc32cUpdate(0, bytes, start, end));
      assert.equal(crc32cUpdateWide(crc32cUpdateWide(0, bytes, 0, start), bytes, start), crc32cUpdate(0, bytes));
    }), { numRuns: 500 });
  });
});
