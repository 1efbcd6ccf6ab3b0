import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { pickSuccessor, transferChecks } from '../../../src/core/ops/transfer-rules';
import { blockingChecks, OpCheck } from '../../../src/core/ops/types';
import { cluster, member, MemberSpec } from './cluster-fixture';

const failed = (checks: OpCheck[]) => blockingChecks(checks).map((c) => c.name);

describe('leader transfer preflight rules', () => {
  it('accepts a healthy, caught-up follower', () => {
    const h = cluster([{ leader: true }, { applied: 4990 }, {}]);
    const checks = transferChecks(h, member(h, 'm2'), 1000);
    assert.deepEqual(failed(checks), []);
    assert.match(checks.find((c) => c.name === 'target-caught-up')!.detail, /trails the leader by 10 applied entries \(limit 1000\)/);
  });

  it('refuses a learner, an unstarted member, an unhealthy one, the leader itself, and a lagging one', () => {
    const h = cluster([{ leader: true }, { learner: true }, { started: false }, { healthy: false }, { applied: 3000 }, {}, {}]);
    assert.deepEqual(failed(transferChecks(h, member(h, 'm2'), 1000)), ['target-voter']);
    const unstarted = h.members[2];
    assert.ok(failed(transferChecks(h, unstarted, 1000)).includes('target-started'));
    assert.ok(failed(transferChecks(h, member(h, 'm4'), 1000)).includes('target-healthy'));
    assert.deepEqual(failed(transferChecks(h, member(h, 'm1'), 1000)), ['target-not-leader']);
    assert.deepEqual(failed(transferChecks(h, member(h, 'm5'), 1000)), ['target-caught-up']);
    assert.deepEqual(failed(transferChecks(h, member(h, 'm5'), 2000)), [], 'the lag limit is an option');
  });

  it('refuses when no leader is known', () => {
    const h = cluster([{}, {}, {}]);
    assert.ok(failed(transferChecks(h, member(h, 'm2'), 1000)).includes('leader-known'));
  });

  it('picks the least lagging healthy voter, never a learner or the excluded member', () => {
    const h = cluster([{ leader: true }, { applied: 4500 }, { applied: 4900, learner: true }, { applied: 4800 }]);
    assert.equal(pickSuccessor(h, h.members[0].id!, 1000)?.member.name, 'm4');
    assert.equal(pickSuccessor(h, h.members[0].id!, 100), null);
  });

  it('property: whatever the checks allow is a started, healthy voter, not the leader, within the lag limit', () => {
    const spec: fc.Arbitrary<MemberSpec> = fc.record({ learner: fc.boolean(), started: fc.boolean(), healthy: fc.boolean(), applied: fc.integer({ min: 0, max: 5000 }) });
    fc.assert(fc.property(fc.array(spec, { minLength: 2, maxLength: 6 }), fc.nat(), fc.integer({ min: 0, max: 3000 }), (specs, pick, maxLag) => {
      specs[0] = { leader: true, applied: 5000 };
      const h = cluster(specs);
      const t = h.members[pick % h.members.length];
      if (blockingChecks(transferChecks(h, t, maxLag)).length) return;
      assert.ok(!t.isLearner && t.started && t.healthy && !t.isLeader);
      assert.ok(5000 - (t.status?.appliedIndex ?? -Infinity) <= maxLag);
    }), { numRuns: 1000 });
  });
});
