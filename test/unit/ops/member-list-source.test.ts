// The member list quorum math rests on: the leader's, read linearizably. Pure logic over a refresh, plus
// the engine on the simulator (3.4 members ignore the flag; 3.5+ members confirm with the leader).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { honoursLinearizableList, withLeaderList } from '../../../src/core/ops/member-list-source';
import { memberInfos } from '../../../src/core/ops/member-ref';
import { removalChecks } from '../../../src/core/ops/removal-rules';
import { removeMember } from '../../../src/core/ops/remove-member';
import { Sim } from '../../../src/core/sim/engine';
import { SimPort } from '../../../src/core/sim/sim-port';
import { cluster, member } from './cluster-fixture';
import { RecordingPort } from './recording-port';

describe('member list through the leader', () => {
  it('a removed member still answering with its stale list is not counted; members only the leader lists are', () => {
    // The refresh saw m1..m4 healthy (m4's own stale list); the leader lists m1..m3 and an unstarted m5.
    const h = cluster([{ leader: true }, {}, {}, {}]);
    const leaderList = [...memberInfos(h).slice(0, 3), { id: '5a', name: '', peerURLs: ['https://10.0.0.5:2380'], clientURLs: [], isLearner: false }];
    const { view, notes } = withLeaderList(h, leaderList);
    assert.deepEqual(view.members.map((m) => m.id), ['1a', '2a', '3a', '5a']);
    assert.deepEqual(view.quorum, { voters: 4, healthy: 3, needed: 3, ok: true });
    assert.ok(notes.some((n) => /m4 \(4a\) answered the refresh but is not in the leader's member list: not counted/.test(n)), notes.join('; '));
    assert.ok(notes.some((n) => /unstarted member 5a is listed by the leader but was not in the refresh/.test(n)), notes.join('; '));
    // The stale view counts m4: removing m2 would seem to leave 3 healthy voters; the leader's list leaves 2 (and m5 unreachable).
    const stale = removalChecks(h, member(h, 'm2'), { maxLagEntries: 1000 });
    const real = removalChecks(view, member(view, 'm2'), { maxLagEntries: 1000 });
    assert.equal(stale.checks.find((c) => c.name === 'strict-reconfig')?.ok, true);
    assert.equal(real.checks.find((c) => c.name === 'strict-reconfig')?.ok, true);
    assert.equal(real.checks.find((c) => c.name === 'quorum-after')?.detail, 'removing m2 leaves 2 healthy voters of 3; quorum of 3 needs 2');
    assert.equal(stale.checks.find((c) => c.name === 'quorum-after')?.detail, 'removing m2 leaves 3 healthy voters of 3; quorum of 3 needs 2');
  });

  it('learner or voter comes from the leader\'s list', () => {
    const h = cluster([{ leader: true }, {}, { learner: true }]);
    const list = memberInfos(h).map((m) => ({ ...m, isLearner: false }));
    const { view, notes } = withLeaderList(h, list);
    assert.equal(view.quorum.voters, 3);
    assert.ok(notes.some((n) => /m3 is a voter in the leader's list/.test(n)));
  });

  it('etcd versions that honour MemberListRequest.linearizable', () => {
    assert.equal(honoursLinearizableList('3.4.23'), false);
    assert.equal(honoursLinearizableList('3.5.0'), true);
    assert.equal(honoursLinearizableList('3.6.14-k3s1'), true);
    assert.equal(honoursLinearizableList('3.7.0'), true);
    assert.equal(honoursLinearizableList(undefined), false);
  });

  for (const version of ['3.4.23', '3.6.14']) {
    it(`the engine reads the list through the leader, linearizably, and says so (etcd ${version})`, async () => {
      const sim = new Sim({ seed: 5 }, { members: [{ version }, { version }, { version }], leader: 1 });
      const sp = new SimPort(sim);
      await sp.sleep(6000);
      const port = new RecordingPort(sp);
      const r = await removeMember(port, 'm3', { dryRun: true });
      assert.equal(r.ok, true, r.reason);
      const lists = port.calls.filter((c) => c.method === 'memberList');
      assert.deepEqual(lists.map((c) => c.args), [[sim.members[1].id, 'linearizable']], 'one list, through the leader m2');
      const source = r.checks.find((c) => c.name === 'member-list-source');
      assert.equal(source?.ok, true);
      assert.match(source!.detail, version.startsWith('3.4')
        ? /^quorum math uses the member list read through the leader m2 \([0-9a-f]+\), as its own applied state \(etcd 3\.4\.23 ignores the linearizable flag, which needs 3\.5: the best available\)$/
        : /^quorum math uses the member list read through the leader m2 \([0-9a-f]+\), linearizably$/);
    });
  }

  it('a leader that cannot confirm its list refuses the removal', async () => {
    const sim = new Sim({ seed: 6 }, { members: [{ version: '3.6.14' }, { version: '3.6.14' }, { version: '3.6.14' }], leader: 0 });
    const sp = new SimPort(sim);
    await sp.sleep(6000);
    const port = new RecordingPort(sp);
    const r = await removeMember(port, 'm3', {
      onProgress: (e) => { if (e.kind === 'step-started' && e.step.startsWith('read the member list through the leader')) sim.crash(0); },
    });
    assert.equal(r.refused, true, r.reason);
    assert.match(r.reason, /could not read the member list through the leader m1/);
    assert.deepEqual(port.actions(), []);
  });
});
