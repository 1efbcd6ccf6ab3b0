import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { removalChecks, quorumOfSize } from '../../../src/core/ops/removal-rules';
import { blockingChecks, OpCheck } from '../../../src/core/ops/types';
import { cluster, member, MemberSpec } from './cluster-fixture';

const opts = { maxLagEntries: 1000 };
const byName = (checks: OpCheck[], name: string) => checks.find((c) => c.name === name);
const allowed = (checks: OpCheck[]) => blockingChecks(checks).length === 0;

describe('removal preflight rules', () => {
  it('allows removing a follower of a healthy 3-member cluster, warning about the even size', () => {
    const h = cluster([{ leader: true }, {}, {}]);
    const a = removalChecks(h, member(h, 'm3'), opts);
    assert.ok(allowed(a.checks));
    assert.equal(byName(a.checks, 'quorum-after')?.detail, 'removing m3 leaves 2 healthy voters of 2; quorum of 2 needs 2');
    assert.equal(byName(a.checks, 'even-size')?.severity, 'warning');
    assert.equal(a.successor, null);
    assert.equal(a.via[0].name, 'm1', 'the leader is the preferred route for the removal');
  });

  it('refuses to remove a healthy member when another is down, naming quorum and the numbers', () => {
    const h = cluster([{ leader: true }, {}, { healthy: false }]);
    const a = removalChecks(h, member(h, 'm2'), opts);
    assert.ok(!allowed(a.checks));
    const q = byName(a.checks, 'quorum-after');
    assert.equal(q?.ok, false);
    assert.equal(q?.detail, 'removing m2 would leave 1 healthy voter of 2; quorum of 2 needs 2');
  });

  it('allows removing the member that is down when the others hold quorum', () => {
    const h = cluster([{ leader: true }, {}, { healthy: false }]);
    const a = removalChecks(h, member(h, 'm3'), opts);
    assert.ok(allowed(a.checks), JSON.stringify(blockingChecks(a.checks)));
    assert.equal(byName(a.checks, 'member-down')?.ok, true);
  });

  it("contains etcd's strict check: started voters after removal must reach quorum of the new size", () => {
    // 4 voters, one added but never started: removing a started one leaves 2 started of 3 (quorum 2): ok;
    // with two unstarted, 1 started of 3 is refused even though etcd's health might look fine.
    let h = cluster([{ leader: true }, {}, {}, { started: false }]);
    assert.ok(allowed(removalChecks(h, member(h, 'm3'), opts).checks));
    h = cluster([{ leader: true }, {}, { started: false }, { started: false }]);
    const strict = byName(removalChecks(h, member(h, 'm2'), opts).checks, 'strict-reconfig');
    assert.equal(strict?.ok, false);
    assert.match(strict!.detail, /1 started voter of 3; quorum of 3 needs 2/);
  });

  it('always allows removing a learner, without quorum arithmetic', () => {
    const h = cluster([{ leader: true }, {}, {}, { learner: true, healthy: false }]);
    const a = removalChecks(h, member(h, 'm4'), opts);
    assert.ok(allowed(a.checks));
    assert.equal(byName(a.checks, 'learner')?.ok, true);
    assert.equal(byName(a.checks, 'quorum-after'), undefined);
  });

  it('moves leadership first when the leader is removed, to the healthiest caught-up voter', () => {
    const h = cluster([{ leader: true }, { applied: 4000 }, { applied: 4990 }, { healthy: false }, { learner: true }]);
    const a = removalChecks(h, member(h, 'm1'), opts);
    assert.ok(allowed(a.checks), JSON.stringify(blockingChecks(a.checks)));
    assert.equal(a.successor?.name, 'm3', 'm3 trails by 10 entries, m2 by 1000; the learner and the dead one never qualify');
    assert.equal(a.via[0].name, 'm3', 'the removal goes through the new leader');
    assert.ok(a.via.every((m) => m.name !== 'm1'), 'never through the member being removed');
  });

  it('refuses to remove the leader when no voter can take over', () => {
    const h = cluster([{ leader: true }, { applied: 10 }, { applied: 20 }]);
    const a = removalChecks(h, member(h, 'm1'), opts);
    assert.equal(byName(a.checks, 'leader-handover')?.ok, false);
    assert.ok(!allowed(a.checks));
  });

  it('refuses to remove the last voter and warns when one voter would remain', () => {
    let h = cluster([{ leader: true }]);
    assert.equal(byName(removalChecks(h, member(h, 'm1'), opts).checks, 'not-last-voter')?.ok, false);
    h = cluster([{ leader: true }, {}]);
    const a = removalChecks(h, member(h, 'm2'), opts);
    assert.ok(allowed(a.checks));
    assert.equal(byName(a.checks, 'single-voter')?.severity, 'warning');
  });

  it('refuses everything while quorum is lost or no leader is known', () => {
    let h = cluster([{ leader: true }, { healthy: false }, { healthy: false }]);
    assert.equal(byName(removalChecks(h, member(h, 'm3'), opts).checks, 'quorum-now')?.ok, false);
    h = cluster([{}, {}, {}]);
    assert.equal(byName(removalChecks(h, member(h, 'm3'), opts).checks, 'leader-known')?.ok, false);
  });

  it('warns which profile endpoints point at the member', () => {
    const h = cluster([{ leader: true }, {}, { url: 'https://10.0.0.3:2379' }], ['https://10.0.0.1:2379', 'https://10.0.0.3:2379/']);
    const a = removalChecks(h, member(h, 'm3'), { ...opts, profiles: [{ name: 'prod', endpoints: ['https://10.0.0.3:2379'] }, { name: 'other', endpoints: ['https://10.9.9.9:2379'] }] });
    const warnings = a.checks.filter((c) => c.name === 'endpoints');
    assert.equal(warnings.length, 2);
    assert.ok(warnings.every((w) => w.severity === 'warning' && !w.ok));
    assert.match(warnings[1].detail, /profile "prod"/);
    assert.ok(allowed(a.checks), 'warnings never block');
  });
});

// Arbitrary clusters: 1-7 voters, 0-2 learners, any mix of started/healthy/lag, a leader among the
// healthy voters or none. Whatever the preflight allows must keep healthy voters at quorum.
// Mostly started and healthy, so that allowed removals are common enough to test.
const mostly = fc.constantFrom(true, true, true, false);
const memberArb: fc.Arbitrary<MemberSpec> = fc.record({
  learner: fc.boolean(), started: mostly, healthy: mostly, applied: fc.integer({ min: 3000, max: 5000 }),
});
const clusterArb = fc.tuple(
  fc.array(memberArb.map((m) => ({ ...m, learner: false })), { minLength: 1, maxLength: 7 }),
  fc.array(memberArb.map((m) => ({ ...m, learner: true })), { maxLength: 2 }),
  fc.nat(), fc.nat(), mostly,
).map(([voters, learners, leaderPick, targetPick, hasLeader]) => {
  const specs: MemberSpec[] = [...voters, ...learners];
  const candidates = specs.map((s, i) => ({ s, i })).filter(({ s }) => !s.learner && s.started && s.healthy);
  if (hasLeader && candidates.length) {
    const l = candidates[leaderPick % candidates.length];
    specs[l.i] = { ...l.s, leader: true, applied: 5000 };
  }
  return { specs, target: targetPick % specs.length };
});

describe('removal preflight properties', () => {
  it('a removal the preflight allows never leaves healthy voters below quorum', () => {
    let allowedCases = 0;
    fc.assert(fc.property(clusterArb, ({ specs, target }) => {
      const h = cluster(specs);
      const t = h.members[target];
      const a = removalChecks(h, t, opts);
      if (!allowed(a.checks)) return;
      allowedCases++;
      const after = h.members.filter((m) => m !== t && !m.isLearner);
      assert.ok(after.length >= 1, 'never the last voter');
      assert.ok(after.filter((m) => m.healthy).length >= quorumOfSize(after.length), 'healthy voters reach quorum of the new size');
      assert.ok(after.filter((m) => m.started).length >= quorumOfSize(after.length), "etcd's strict check holds");
      assert.ok(a.via.length > 0 && a.via.every((m) => m !== t && m.healthy), 'sent through a healthy survivor');
      if (t.isLeader) assert.ok(a.successor && a.successor !== t && a.successor.healthy && !a.successor.isLearner);
    }), { numRuns: 2000 });
    assert.ok(allowedCases > 100, `the generator must reach allowed removals often enough (${allowedCases})`);
  });

  it('refuses every removal that would leave healthy voters below quorum', () => {
    fc.assert(fc.property(clusterArb, ({ specs, target }) => {
      const h = cluster(specs);
      const t = h.members[target];
      if (t.isLearner) return;
      const after = h.members.filter((m) => m !== t && !m.isLearner);
      if (after.length > 0 && after.filter((m) => m.healthy).length >= quorumOfSize(after.length)) return;
      assert.ok(!allowed(removalChecks(h, t, opts).checks));
    }), { numRuns: 2000 });
  });
});
