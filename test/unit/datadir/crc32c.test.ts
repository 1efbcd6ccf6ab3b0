import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { crc32c, crc32cUpdate } from '../../../src/core/datadir/crc32c';

/** Bit-at-a-time reference, independent of the table code. */
function reference(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (const b of bytes) {
    c ^= b;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0x82f63b78 : c >>> 1;
  }
  return (c ^ 0xffffffff) >>> 0;
}

describe('CRC-32C', () => {
  it('matches the published check value and the empty input', () => {
    assert.equal(crc32c(Buffer.from('123456789')), 0xe3069283);
    assert.equal(crc32c(new Uint8Array(0)), 0);
  });

  it('equals a bit-by-bit reference and chains like Go crc32.Update', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 300 }), fc.nat(), (bytes, cut) => {
      const at = bytes.length ? cut % bytes.length : 0;
      assert.equal(crc32c(bytes), reference(bytes));
      assert.equal(crc32cUpdate(crc32cUpdate(0, bytes.subarray(0, at)), bytes.subarray(at)), crc32c(bytes));
    }), { numRuns: 300 });
  });
});
