// The simulator follows the rules of the etcd version it rehearses for: the table, how a version is picked
// (flag, imported topology, default), and behaviour that differs between versions.
import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import { ClusterHealth, MemberHealth, quorumOf } from '../../../src/core/cluster-model';
import { ETCD_ERRORS, mayAddMember, mayPromoteMember, ReconfigMember } from '../../../src/core/sim/etcd-server';
import { runScenario } from '../../../src/core/sim/scenario-run';
import { ScenarioSpec } from '../../../src/core/sim/scenarios';
import { simFromHealth } from '../../../src/core/sim/topology';
import {
  defaultRules, describeRules, etcdMinorOf, rulesFor, rulesFromVersions, VersionRulesError,
} from '../../../src/core/sim/version-rules';

test('version texts as servers and distributions report them map to their minor version', () => {
  assert.equal(etcdMinorOf('3.4.23'), '3.4');
  assert.equal(etcdMinorOf('v3.5.24'), '3.5');
  assert.equal(etcdMinorOf('3.6.14-k3s1'), '3.6');
  assert.equal(etcdMinorOf('3.7'), '3.7');
  assert.equal(etcdMinorOf('3.8.0'), '3.7', 'newer than the table: the newest rules known');
  assert.equal(etcdMinorOf('3.3.27'), null, 'older than learners: no rules');
  assert.equal(etcdMinorOf('4.0.0'), null);
  assert.equal(etcdMinorOf('latest'), null);
  assert.equal(etcdMinorOf(''), null);
});

test('the table: pre-vote off only in 3.4, --max-learners only from 3.6, the rest alike', () => {
  const [r34, r35, r36, r37] = ['3.4', '3.5', '3.6', '3.7'].map((v) => rulesFor(v));
  assert.deepEqual([r34.preVote, r35.preVote, r36.preVote, r37.preVote], [false, true, true, true]);
  assert.deepEqual([r34.maxLearnersFlag, r35.maxLearnersFlag, r36.maxLearnersFlag, r37.maxLearnersFlag], [false, false, true, true]);
  assert.deepEqual([r34, r35, r36, r37].map((r) => r.snapshotCount), [100_000, 100_000, 10_000, 10_000], '--snapshot-count default: 10,000 from 3.6');
  for (const r of [r34, r35, r36, r37]) {
    assert.equal(r.maxLearners, 1);
    assert.equal(r.checkQuorum, true);
    assert.equal(r.strictReconfigCheck, true);
    assert.equal(r.learnerReadyPercent, 0.9);
    assert.equal(r.stepDownOnRemoval, false, 'no etcd through 3.7 makes a removed leader step down');
  }
  assert.throws(() => rulesFor('3.5', { maxLearners: 2 }), (e: Error) => e instanceof VersionRulesError && /no --max-learners/.test(e.message));
  assert.equal(rulesFor('3.6', { maxLearners: 2 }).maxLearners, 2);
  assert.throws(() => rulesFor('3.6', { maxLearners: 0 }), VersionRulesError);
  assert.throws(() => rulesFor('2.3'), (e: Error) => e instanceof VersionRulesError && /3\.4, 3\.5, 3\.6, 3\.7/.test(e.message));
});

test('a cluster runs at its oldest member\'s version; without any, the default 3.6, and the text says so', () => {
  const mixed = rulesFromVersions(['3.6.14', '3.5.24', undefined, '3.6.14']);
  assert.equal(mixed.version, '3.5');
  assert.equal(mixed.source, 'topology');
  assert.equal(mixed.from, '3.5.24');
  const none = rulesFromVersions([undefined, '', 'unknown']);
  assert.equal(none.version, '3.6');
  assert.equal(none.source, 'default');
  assert.match(describeRules(none), /^etcd 3\.6 rules \(the cluster's version is unknown, so the default 3\.6\)/);
  assert.match(describeRules(rulesFromVersions(['3.4.23'])), /imported cluster runs 3\.4\.23\): pre-vote off/);
  assert.match(describeRules(rulesFor('3.4'), { preVote: true, checkQuorum: true, stepDownOnRemoval: false }),
    /pre-vote on \(set for this run; etcd 3\.4: off\)/);
});

const voter = (slot: number): ReconfigMember => ({ slot, isLearner: false, started: true, connected: true });
const learner = (slot: number): ReconfigMember => ({ slot, isLearner: true, started: true, connected: true });

test('a second learner: refused on 3.5, allowed on 3.6 with --max-learners=2, a third refused there', () => {
  const oneLearner = [voter(0), voter(1), voter(2), learner(3)];
  assert.equal(mayAddMember(oneLearner, 0, true, rulesFor('3.5')), ETCD_ERRORS.tooManyLearners);
  assert.equal(mayAddMember(oneLearner, 0, true, rulesFor('3.6')), ETCD_ERRORS.tooManyLearners, '3.6 at its default limit');
  assert.equal(mayAddMember(oneLearner, 0, true, rulesFor('3.6', { maxLearners: 2 })), null);
  assert.equal(mayAddMember([...oneLearner, learner(4)], 0, true, rulesFor('3.6', { maxLearners: 2 })), ETCD_ERRORS.tooManyLearners);
  // Without a rules argument, the default version's rules apply.
  assert.equal(mayAddMember(oneLearner, 0, true), ETCD_ERRORS.tooManyLearners);
});

test('promotion needs 90 % of the leader\'s log in every version', () => {
  const members = [voter(0), voter(1), voter(2), learner(3)];
  for (const v of ['3.4', '3.5', '3.6', '3.7']) {
    assert.equal(mayPromoteMember(members, 3, 899, 1000, rulesFor(v)), ETCD_ERRORS.learnerNotReady, v);
    assert.equal(mayPromoteMember(members, 3, 900, 1000, rulesFor(v)), null, v);
  }
});

/** A follower cut off for four election timeouts, then back: without pre-vote it returns with a higher term. */
const REJOIN: ScenarioSpec = {
  name: 'rejoin-after-partition',
  members: 3,
  leader: 'm1',
  steps: [{ action: 'isolate', member: 'm3', at: 1000, durationMs: 4000 }],
};

test('pre-vote off in 3.4: a rejoining partitioned member unseats the leader; on in 3.5+ it does not', async () => {
  for (const seed of [1, 2, 3]) {
    const r34 = await runScenario(REJOIN, seed, { rules: rulesFor('3.4') });
    assert.equal(r34.rules.version, '3.4');
    assert.match(r34.rulesText, /pre-vote off/);
    assert.ok(r34.elections >= 1, `seed ${seed}: 3.4 should elect again after m3 rejoins (elections ${r34.elections})`);
    assert.ok(r34.leaderlessMs > 0, `seed ${seed}: the step-down costs writes on 3.4`);
    for (const v of ['3.5', '3.6', '3.7']) {
      const r = await runScenario(REJOIN, seed, { rules: rulesFor(v) });
      assert.equal(r.elections, 0, `seed ${seed}: etcd ${v} keeps its leader (elections ${r.elections})`);
      assert.equal(r.leaderlessMs, 0, `seed ${seed}: etcd ${v} never stops committing`);
    }
  }
});

test('a scenario\'s explicit pre-vote wins over the version default, and the result says so', async () => {
  const r = await runScenario({ ...REJOIN, timing: { preVote: true } }, 1, { rules: rulesFor('3.4') });
  assert.equal(r.elections, 0);
  assert.match(r.rulesText, /pre-vote on \(set for this run; etcd 3\.4: off\)/);
});

test('without a version, a run follows the default 3.6 rules', async () => {
  const r = await runScenario(REJOIN, 1);
  assert.deepEqual(r.rules, defaultRules());
  assert.equal(r.elections, 0);
});

function health(versions: string[]): ClusterHealth {
  const members: MemberHealth[] = versions.map((version, i) => ({
    id: (0x1000 + i).toString(16), name: `n${i + 1}`, peerURLs: [`https://10.1.0.${i + 1}:2380`], clientURLs: [`https://10.1.0.${i + 1}:2379`],
    isLearner: false, started: true, endpoint: `https://10.1.0.${i + 1}:2379`, healthy: true, isLeader: i === 0, latencyMs: 1, error: null,
    status: { leader: (0x1000).toString(16), raftTerm: 4, raftIndex: 500, appliedIndex: 500, dbSize: 1, dbSizeInUse: 1, version, isLearner: false, errors: [] },
    alarms: [],
  }));
  return { clusterId: null, leader: members[0].id, members, quorum: quorumOf(members), findings: [], endpoints: [], takenAt: 0, durationMs: 0 };
}

test('an imported topology brings its version\'s rules: pre-vote follows the members\' Status version', () => {
  const k3s = simFromHealth(health(['3.6.14-k3s1', '3.6.14-k3s1', '3.6.14-k3s1']));
  assert.equal(k3s.rules.version, '3.6');
  assert.equal(k3s.rules.source, 'topology');
  assert.equal(k3s.timing.preVote, true);
  const debian = simFromHealth(health(['3.4.23', '3.4.23', '3.4.23']));
  assert.equal(debian.rules.version, '3.4');
  assert.equal(debian.timing.preVote, false);
  const upgrading = simFromHealth(health(['3.6.14', '3.5.24', '3.6.14']));
  assert.equal(upgrading.rules.version, '3.5');
  const unknown = simFromHealth(health(['', '', '']));
  assert.equal(unknown.rules.source, 'default');
  assert.match(unknown.members[0].version, /^3\.6\.\d+$/, 'simulated members run a release of the rules\' version');
  assert.equal(debian.members[0].version, '3.4.23', 'a member keeps what it reported');
});
