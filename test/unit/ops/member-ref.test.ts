import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { resolveMember } from '../../../src/core/ops/member-ref';
import { cluster } from './cluster-fixture';

describe('resolving the member an operator names', () => {
  const h = cluster([{ leader: true, name: 'cp-1' }, { name: 'cp-2' }, { name: 'ab' }]);
  // Fixture ids are 1a, 2a, 3a (hex).
  it('by name, hex id (any case, 0x, padded) and decimal id', () => {
    assert.equal(resolveMember(h, 'cp-2').member?.id, '2a');
    assert.equal(resolveMember(h, '2A').member?.name, 'cp-2');
    assert.equal(resolveMember(h, '0x1a').member?.name, 'cp-1');
    assert.equal(resolveMember(h, '000000000000001a').member?.name, 'cp-1');
    assert.equal(resolveMember(h, '18446744073709551').member, undefined, 'a long decimal that matches no id');
  });

  it('prefers a name over an id spelled the same', () => {
    const clash = cluster([{ leader: true, name: '3a' }, {}, {}]);
    assert.equal(resolveMember(clash, '3a').member?.id, '1a');
  });

  it('accepts the decimal form etcd3 returns', () => {
    const big = cluster([{ leader: true }, {}]);
    big.members[1].id = 'e96baad417dc1bda';
    assert.equal(resolveMember(big, BigInt('0xe96baad417dc1bda').toString(10)).member?.name, 'm2');
  });

  it('says which members exist when nothing matches', () => {
    const r = resolveMember(h, 'cp-9');
    assert.match(r.error ?? '', /no member "cp-9" in this cluster \(members: cp-1 1a, cp-2 2a, ab 3a\)/);
  });
});
