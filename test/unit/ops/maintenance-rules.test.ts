// Maintenance rules and findings over hand-built cluster views: quota source, NOSPACE's cause gone or not,
// the spare-member rule and its NOSPACE exception, the rolling order, fragmentation and alarm findings.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ClusterHealth, MemberHealth, quorumOf } from '../../../src/core/cluster-model';
import { maintenanceFindings } from '../../../src/core/etcd/maintenance-findings';
import { answers, corruptCheck, defragOrder, quotaOf, spaceChecks, spareCheck } from '../../../src/core/ops/maintenance-rules';

const GiB = 1024 ** 3;
const MiB = 1024 ** 2;

function member(id: string, over: Partial<MemberHealth> = {}, status: Partial<NonNullable<MemberHealth['status']>> = {}): MemberHealth {
  return {
    id, name: `m${id}`, peerURLs: [], clientURLs: [`https://127.0.0.1:${2379 + Number(id)}`], isLearner: false, started: true,
    endpoint: `https://127.0.0.1:${2379 + Number(id)}`, healthy: true, isLeader: id === '1', latencyMs: 1, error: null, alarms: [],
    status: { leader: '1', raftTerm: 2, raftIndex: 10, appliedIndex: 10, dbSize: 100 * MiB, dbSizeInUse: 90 * MiB, version: '3.6.16', isLearner: false, errors: [], ...status },
    ...over,
  };
}
const cluster = (members: MemberHealth[]): ClusterHealth => ({
  clusterId: 'c', leader: '1', members, quorum: quorumOf(members), findings: [], endpoints: [], takenAt: 0, durationMs: 0,
});
const nospace = (m: MemberHealth): MemberHealth => ({ ...m, healthy: false, error: 'alarm active: NOSPACE' });

describe('maintenance rules', () => {
  it('quota: the member\'s report, else the configured one, else 2 GiB', () => {
    assert.equal(quotaOf(member('1', {}, { dbSizeQuota: 8 * MiB })).bytes, 8 * MiB);
    assert.equal(quotaOf(member('1'), 4 * GiB).bytes, 4 * GiB);
    assert.equal(quotaOf(member('1')).bytes, 2 * GiB);
  });

  it('NOSPACE may be disarmed only when every member is under 80 % of its quota and answers', () => {
    const under = cluster([1, 2, 3].map((i) => member(String(i), {}, { dbSize: 10 * MiB, dbSizeQuota: 16 * MiB })));
    assert.ok(spaceChecks(under).every((c) => c.ok), JSON.stringify(spaceChecks(under)));
    const over = cluster([member('1', {}, { dbSize: 10 * MiB, dbSizeQuota: 16 * MiB }), member('2', {}, { dbSize: 15 * MiB, dbSizeInUse: 2 * MiB, dbSizeQuota: 16 * MiB })]);
    const failed = spaceChecks(over).filter((c) => !c.ok);
    assert.equal(failed.length, 1);
    assert.match(failed[0].detail, /m2's db is 15 MB .* 94 % of its 16 MB quota .*compact, then defragment/);
    // A member that does not report its quota (before 3.6) and none was given: refused, the default is not assumed.
    const old = spaceChecks(cluster([member('1', {}, { dbSize: 10 * MiB })]));
    assert.equal(old.find((c) => c.name === 'quota-known')?.severity, 'error');
    assert.ok(!spaceChecks(cluster([member('1', {}, { dbSize: 10 * MiB })]), 64 * MiB).some((c) => c.name === 'quota-known'));
    const silent = cluster([member('1'), member('2', { status: null, healthy: false, error: 'no answer' })]);
    assert.match(spaceChecks(silent, GiB).find((c) => !c.ok)!.detail, /m2 does not answer: its db size is unknown/);
  });

  it('CORRUPT is a refusal naming the member and what to do', () => {
    const h = cluster([member('1'), member('2')]);
    const c = corruptCheck(h, [{ memberId: '2', alarm: 'CORRUPT' }], 'disarming');
    assert.equal(c.ok, false);
    assert.equal(c.severity, 'error');
    assert.match(c.detail, /CORRUPT alarm raised by m2.*replace it.*never disarms CORRUPT/);
  });

  it('a member only the alarm holds back still answers for maintenance', () => {
    assert.equal(answers(nospace(member('1'))), true);
    assert.equal(answers(member('1', { healthy: false, status: null, error: 'no answer' })), false);
  });

  it('spare member: 3 of 3 ok; 2 of 3 refused, a warning only with NOSPACE and the operator\'s consent', () => {
    assert.equal(spareCheck(cluster([member('1'), member('2'), member('3')]), false, false).ok, true);
    const down = cluster([member('1'), member('2'), member('3', { healthy: false, status: null, error: 'no answer' })]);
    const refused = spareCheck(down, false, true);
    assert.equal(refused.severity, 'error');
    assert.match(refused.detail, /m3 down/);
    assert.equal(spareCheck(down, true, false).severity, 'error');
    assert.equal(spareCheck(down, true, true).severity, 'warning');
    // Defragmenting only a learner stalls no vote.
    const withLearner = cluster([member('1'), member('2'), member('3', { healthy: false, status: null }), member('4', { isLearner: true })]);
    assert.equal(spareCheck(withLearner, false, false, [withLearner.members[3]]).ok, true);
    assert.equal(spareCheck(withLearner, false, false, withLearner.members).ok, false);
    // Five members with one down can still spare one.
    const five = cluster([1, 2, 3, 4, 5].map((i) => member(String(i), i === 5 ? { healthy: false, status: null } : {})));
    assert.equal(spareCheck(five, false, false).ok, true);
  });

  it('order: learners, followers, the leader last', () => {
    const h = cluster([member('1'), member('2'), member('3', { isLearner: true }), member('4')]);
    const { order, why } = defragOrder(h, h.members);
    assert.deepEqual(order.map((m) => m.id), ['3', '2', '4', '1']);
    assert.match(why[3], /the leader, last/);
  });
});

describe('maintenance findings', () => {
  it('fragmentation says how much a defragmentation would reclaim', () => {
    const m = member('2', {}, { dbSize: 2 * GiB - 100 * MiB, dbSizeInUse: 500 * MiB, dbSizeQuota: 8 * GiB });
    const f = maintenanceFindings(m, { name: 'p', endpoints: [] }).find((x) => x.code === 'db-fragmented')!;
    assert.match(f.message, /^Defragmenting m2 would reclaim 1\.4 GB/);
    assert.equal(f.command, 'etcd-ops defrag --member m2 --yes');
    assert.equal(maintenanceFindings(member('2'), { name: 'p', endpoints: [] }).length, 0);
  });

  it('near quota: warning at 80 %, error at 95 %, with the space a defragmentation gives back', () => {
    const warn = maintenanceFindings(member('1', {}, { dbSize: 85 * MiB, dbSizeInUse: 20 * MiB, dbSizeQuota: 100 * MiB }), { name: 'p', endpoints: [] });
    assert.equal(warn.find((f) => f.code === 'db-near-quota')!.severity, 'warning');
    assert.match(warn[0].remediation, /give back 65 MB/);
    const err = maintenanceFindings(member('1', {}, { dbSize: 96 * MiB, dbSizeInUse: 95 * MiB, dbSizeQuota: 100 * MiB }), { name: 'p', endpoints: [] });
    assert.equal(err.find((f) => f.code === 'db-near-quota')!.severity, 'error');
    assert.match(err[0].remediation, /raise --quota-backend-bytes/);
  });

  it('alarms carry the recovery sequence; CORRUPT says replace, never disarm', () => {
    const [nos] = maintenanceFindings({ ...member('1'), alarms: ['NOSPACE'] }, { name: 'p', endpoints: [] });
    assert.equal(nos.code, 'alarm-nospace');
    assert.match(nos.remediation, /1\. etcd-ops compact .*2\. etcd-ops defrag --all .*3\. etcd-ops alarms --disarm/);
    const [cor] = maintenanceFindings({ ...member('1'), alarms: ['CORRUPT'] }, { name: 'p', endpoints: [] });
    assert.equal(cor.code, 'alarm-corrupt');
    assert.match(cor.remediation, /^Stop m1, then replace it/);
    assert.equal(cor.command, undefined);
  });
});
