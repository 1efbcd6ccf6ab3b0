import assert from 'node:assert/strict';
import { test } from 'node:test';
import { emptyFigures, MemberFigures } from '../../../src/core/metrics/figures';
import { metricsFindings } from '../../../src/core/metrics/findings';
import { tuningFor } from '../../../src/core/metrics/thresholds';

function member(id: string, extra: Partial<MemberFigures> = {}): MemberFigures {
  return { ...emptyFigures(id, `m-${id}`, `https://${id}`, null), walFsyncP99Ms: 2, walFsyncs: 100, hasLeader: true, isLearner: false, ...extra };
}
const codes = (fs: { code: string; subject: string }[]) => fs.map((f) => `${f.code}:${f.subject}`).sort();

test('slow fsync names only that member, and no network finding', () => {
  const fs = metricsFindings([member('a'), member('b', { walFsyncP99Ms: 40, walFsyncP50Ms: 35 }), member('c')]);
  assert.deepEqual(codes(fs), ['wal-fsync-slow:m-b (b)']);
});

test('too few fsyncs are no verdict', () => {
  assert.deepEqual(metricsFindings([member('a', { walFsyncP99Ms: 40, walFsyncs: 2 })]), []);
});

test('one member slow to every peer while the others are fine: that member\'s link, not its disk', () => {
  const fs = metricsFindings([
    member('a', { peerRttP99Ms: { b: 1, c: 90 } }),
    member('b', { peerRttP99Ms: { a: 1, c: 95 } }),
    member('c', { peerRttP99Ms: { a: 2, b: 3 } }),
  ]);
  assert.deepEqual(codes(fs), ['member-network-slow:m-c (c)']);
  assert.match(fs[0].message, /not its disk/);
});

test('a single slow pair names the link', () => {
  const fs = metricsFindings([
    member('a', { peerRttP99Ms: { b: 120, c: 1 } }), member('b', { peerRttP99Ms: { a: 1, c: 1 } }), member('c', { peerRttP99Ms: { a: 1, b: 1 } }),
  ]);
  assert.deepEqual(codes(fs), ['peer-rtt-high:m-a (a) ↔ m-b (b)']);
  assert.match(fs[0].remediation, /--heartbeat-interval=180 --election-timeout=1800/);
});

test('the RTT threshold follows the heartbeat interval the cluster uses', () => {
  const ms = [member('a', { peerRttP99Ms: { b: 60 } }), member('b', { peerRttP99Ms: { a: 60 } })];
  assert.equal(metricsFindings(ms, { heartbeatMs: 100 }).length, 0);
  assert.equal(metricsFindings(ms, { heartbeatMs: 50 })[0].code, 'peer-rtt-high');
});

test('unreachable member is reported, the others still judged', () => {
  const fs = metricsFindings([member('a'), { ...emptyFigures('b', 'm-b', 'https://b', 'connection refused') }, member('c', { walFsyncP99Ms: 50 })]);
  assert.deepEqual(codes(fs), ['metrics-unreachable:m-b (b)', 'wal-fsync-slow:m-c (c)']);
});

test('leader changes, failed proposals, learner lag', () => {
  const fs = metricsFindings([
    member('a', { leaderChanges: 2, appliedIndex: 5000 }), member('b', { proposalsFailed: 3, appliedIndex: 5000 }),
    member('c', { isLearner: true, appliedIndex: 100 }),
  ]);
  assert.deepEqual(codes(fs), ['leader-changes:cluster', 'learner-apply-lag:m-c (c)', 'proposals-failed:m-b (b)']);
});

test('tuning: heartbeat 1.5 × RTT rounded up to 10 ms, never below defaults; election 10 × heartbeat', () => {
  assert.deepEqual([tuningFor(5).heartbeatMs, tuningFor(5).electionMs], [100, 1000]);
  assert.deepEqual([tuningFor(81).heartbeatMs, tuningFor(81).electionMs], [130, 1300]);
  assert.equal(tuningFor(10000).electionMs, 50000);
});
