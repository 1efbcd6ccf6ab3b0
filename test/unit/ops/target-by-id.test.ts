// The tree passes a row's exact member id; a member named like another member's id must not be picked.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { resolveMember, resolveMemberById } from '../../../src/core/ops/member-ref';
import { removeMember } from '../../../src/core/ops/remove-member';
import { Sim } from '../../../src/core/sim/engine';
import { SimPort } from '../../../src/core/sim/sim-port';
import { cluster } from './cluster-fixture';

describe('resolving a tree row by its id', () => {
  it('by id only: a member whose name is another member\'s id (or a hex prefix of it) is not picked', () => {
    const h = cluster([{ leader: true, name: '3a' }, { name: 'a' }, { name: 'cp-3' }]);
    // Ids are 1a, 2a, 3a. Typed "3a" resolves to the member named 3a (m1); the row id 3a is cp-3.
    assert.equal(resolveMember(h, '3a').member?.name, '3a');
    assert.equal(resolveMemberById(h, '3a').member?.name, 'cp-3');
    assert.equal(resolveMember(h, 'a').member?.name, 'a');
    assert.equal(resolveMemberById(h, 'a').member, undefined, 'no member has id a');
    assert.match(resolveMemberById(h, 'a').error ?? '', /no member with id a in this cluster/);
    assert.equal(resolveMemberById(h, '000000000000003A').member?.name, 'cp-3');
  });

  it('the engine with targetById removes the member with that id, not the one named after it', async () => {
    const sim = new Sim({ seed: 3 }, { members: [{ name: 'cp-1', id: 'c1' }, { name: 'c3', id: 'c2' }, { name: 'cp-3', id: 'c3' }], leader: 0 });
    const port = new SimPort(sim);
    await port.sleep(6000);
    const byId = await removeMember(port, 'c3', { dryRun: true, targetById: true });
    assert.equal(byId.ok, true, byId.reason);
    assert.equal(byId.targetId, 'c3');
    assert.equal(byId.targetName, 'cp-3');
    const typed = await removeMember(port, 'c3', { dryRun: true });
    assert.equal(typed.targetId, 'c2', 'typed input: a name wins');
  });
});
