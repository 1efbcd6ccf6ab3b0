import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { decimalToHex, hexToDecimal, paddedHex, parseMemberId, sameId } from '../../src/core/ids';

describe('member ids', () => {
  it('converts etcd3 decimal strings to hex and back, beyond 2^53', () => {
    assert.equal(decimalToHex('13596567630777307886'), 'bcb0b638f50e52ee');
    assert.equal(hexToDecimal('bcb0b638f50e52ee'), '13596567630777307886');
    assert.equal(decimalToHex('0'), null);
    assert.equal(decimalToHex(''), null);
  });

  it('round-trips every uint64', () => {
    fc.assert(fc.property(fc.bigInt({ min: 1n, max: (1n << 64n) - 1n }), (n) => {
      const hex = decimalToHex(n.toString())!;
      return hexToDecimal(hex) === n.toString() && parseMemberId(hex) === hex && parseMemberId(paddedHex(hex)) === hex;
    }));
  });

  it('reads user input as hex first, long decimal as decimal, and rejects junk', () => {
    assert.equal(parseMemberId('8E9E05C52164694D'), '8e9e05c52164694d');
    assert.equal(parseMemberId('0x00ab'), 'ab');
    assert.equal(parseMemberId('13596567630777307886'), 'bcb0b638f50e52ee');
    assert.equal(parseMemberId('m1'), null);
    assert.equal(parseMemberId(''), null);
    assert.equal(parseMemberId('99999999999999999999999'), null);
    assert.ok(sameId('00000000000000ab', 'AB'));
    assert.ok(!sameId(null, 'ab'));
  });
});
