// Pure building blocks of the simulator: seeded PRNG, event heap order, quorum arithmetic, etcd's strict
// reconfiguration rules (hand-derived from etcdserver/server.go and membership/cluster.go).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { EventQueue } from '../../../src/core/sim/event-queue';
import { ETCD_ERRORS, isReadyToAddVotingMember, mayAddMember, mayPromoteMember, mayRemoveMember, ReconfigMember, requestTimeoutMs, validateTiming } from '../../../src/core/sim/etcd-server';
import { Prng } from '../../../src/core/sim/prng';
import { committedIndex, committedIndexInPlace, voteOutcome } from '../../../src/core/sim/quorum';

test('Prng: same seed same stream, different seeds differ, values in range and roughly uniform', () => {
  const a = new Prng(123);
  const b = new Prng(123);
  const c = new Prng(124);
  const xs = Array.from({ length: 1000 }, () => a.next());
  assert.deepEqual(xs, Array.from({ length: 1000 }, () => b.next()));
  assert.notDeepEqual(xs.slice(0, 10), Array.from({ length: 10 }, () => c.next()));
  assert.ok(xs.every((x) => x >= 0 && x < 1));
  const buckets = new Array(10).fill(0);
  const r = new Prng(9);
  for (let i = 0; i < 100_000; i++) buckets[r.int(10)]++;
  assert.ok(buckets.every((k) => k > 9500 && k < 10500), buckets.join(','));
  assert.throws(() => new Prng(NaN), /finite/);
});

test('EventQueue: pops by time, ties in insertion order, survives growth and interleaving', () => {
  const q = new EventQueue(4);
  const rng = new Prng(5);
  const pushed: [number, number][] = [];
  for (let i = 0; i < 500; i++) {
    const t = rng.int(50);
    q.push(t, 1, i, 0);
    pushed.push([t, i]);
  }
  const expected = [...pushed].sort((x, y) => x[0] - y[0] || x[1] - y[1]).map((p) => p[1]);
  const got: number[] = [];
  while (q.size > 0) {
    const id = q.pop();
    got.push(q.a[id]);
    q.release(id);
    if (got.length === 100) q.push(1_000, 1, 9999, 0); // later than everything left
  }
  assert.deepEqual(got.slice(0, 500), expected);
  assert.equal(got[500], 9999);
  assert.equal(q.peekTime(), Infinity);
});

test('quorum: committed index and vote outcomes (hand-checked cases besides the reference tables)', () => {
  assert.equal(committedIndex([]), Infinity);
  assert.equal(committedIndex([7]), 7);
  assert.equal(committedIndex([12, 5]), 5);
  assert.equal(committedIndex([12, 5, 6]), 6);
  assert.equal(committedIndex([101, 104, 103, 103, 0]), 103);
  const scratch = new Float64Array([9, 3, 7, 7, 1]);
  assert.equal(committedIndexInPlace(scratch, 5), 7);
  assert.equal(voteOutcome(3, 2, 0), 'VoteWon');
  assert.equal(voteOutcome(3, 1, 1), 'VotePending');
  assert.equal(voteOutcome(3, 1, 2), 'VoteLost');
  assert.equal(voteOutcome(4, 2, 2), 'VoteLost');
});

const m = (slot: number, over: Partial<ReconfigMember> = {}): ReconfigMember => ({ slot, isLearner: false, started: true, connected: true, ...over });

test('strict reconfig: removal', () => {
  const three = [m(0), m(1), m(2)];
  assert.equal(mayRemoveMember(three, 0, 2), null);
  assert.equal(mayRemoveMember(three, 0, 0), null, 'removing oneself (the leader) passes the check');
  assert.equal(mayRemoveMember(three, 0, 9), ETCD_ERRORS.memberNotFound);
  // removing a voter must leave started voters >= quorum of the new size
  assert.equal(mayRemoveMember([m(0), m(1), m(2, { started: false })], 0, 1), ETCD_ERRORS.notEnoughStarted);
  // a learner can always go
  assert.equal(mayRemoveMember([m(0), m(1, { started: false }), m(2, { isLearner: true })], 0, 2), null);
  // a member down is not in the active quorum: allowed
  assert.equal(mayRemoveMember([m(0), m(1), m(2, { connected: false })], 0, 2), null);
  // with one down, removing another live one would leave too few active: unhealthy
  assert.equal(mayRemoveMember([m(0), m(1), m(2, { connected: false })], 0, 1), ETCD_ERRORS.unhealthy);
  assert.equal(mayRemoveMember([m(0), m(1), m(2), m(3), m(4, { connected: false })], 0, 1), null);
});

test('strict reconfig: add and promote', () => {
  assert.equal(isReadyToAddVotingMember([m(0)]), true, 'second member of a single-member cluster');
  assert.equal(isReadyToAddVotingMember([m(0), m(1, { started: false })]), false, 'third while the second never started');
  assert.equal(mayAddMember([m(0), m(1, { started: false })], 0, false), ETCD_ERRORS.notEnoughStarted);
  assert.equal(mayAddMember([m(0), m(1), m(2, { connected: false })], 0, false), ETCD_ERRORS.unhealthy);
  assert.equal(mayAddMember([m(0), m(1), m(2)], 0, true), null);
  assert.equal(mayAddMember([m(0), m(1), m(2), m(3, { isLearner: true })], 0, true), ETCD_ERRORS.tooManyLearners);
  const withLearner = [m(0), m(1), m(2), m(3, { isLearner: true })];
  assert.equal(mayPromoteMember(withLearner, 3, 899, 1000), ETCD_ERRORS.learnerNotReady);
  assert.equal(mayPromoteMember(withLearner, 3, 900, 1000), null);
  assert.equal(mayPromoteMember(withLearner, 1, 1000, 1000), ETCD_ERRORS.notLearner);
  assert.equal(requestTimeoutMs(1000), 7000);
  assert.throws(() => validateTiming(100, 400), /at least 5 times/);
  assert.doesNotThrow(() => validateTiming(100, 500));
});
