// SimPort: the ClusterPort over the simulator answers like etcd (errors included), in virtual time, and the
// ops engine runs on it unchanged. simFromHealth reproduces a real cluster's snapshot.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ClusterHealth, MemberHealth } from '../../../src/core/cluster-model';
import { removeMember } from '../../../src/core/ops';
import { Sim } from '../../../src/core/sim/engine';
import { ETCD_ERRORS } from '../../../src/core/sim/etcd-server';
import { LEADER, NONE } from '../../../src/core/sim/raft-node';
import { SimPort } from '../../../src/core/sim/sim-port';
import { simFromHealth } from '../../../src/core/sim/topology';
import { rulesFor } from '../../../src/core/sim/version-rules';

function started(n: number, seed = 1, leader = 0): { sim: Sim; port: SimPort } {
  const sim = new Sim({ seed, writeIntervalMs: 100 }, { members: Array.from({ length: n }, () => ({})), leader });
  return { sim, port: new SimPort(sim) };
}

const idOf = (sim: Sim, slot: number) => sim.members[slot].id;

test('snapshot: hex ids, names m1..mN, leader, statuses, quorum; it takes virtual time, not wall time', async () => {
  const { sim, port } = started(3);
  await port.sleep(1000);
  const wall = Date.now();
  const h = await port.snapshot();
  assert.ok(Date.now() - wall < 500);
  assert.deepEqual(h.members.map((m) => m.name), ['m1', 'm2', 'm3']);
  assert.ok(h.members.every((m) => /^[0-9a-f]{1,16}$/.test(m.id!) && m.healthy && m.status !== null));
  assert.equal(h.leader, idOf(sim, 0));
  assert.deepEqual(h.members.map((m) => m.isLeader), [true, false, false]);
  assert.equal(h.members[1].status!.leader, idOf(sim, 0));
  assert.deepEqual(h.quorum, { voters: 3, healthy: 3, needed: 2, ok: true });
  assert.ok(port.now() > 1000 && port.now() < 1010, `virtual clock at ${port.now()}`);
  assert.equal(h.findings.filter((f) => f.severity === 'error').length, 0);
});

test('snapshot: a killed member answers "connection refused"; a partitioned one times out; both unhealthy', async () => {
  const { sim, port } = started(5);
  await port.sleep(200);
  sim.crash(3);
  sim.partition([[0, 1, 2, 3], [4]]);
  const before = port.now();
  const h = await port.snapshot();
  assert.ok(port.now() - before >= 2000, 'the refresh waited out the partitioned member');
  assert.match(h.members[3].error!, /connection refused/);
  assert.match(h.members[4].error!, /no answer within 2000 ms/);
  assert.deepEqual(h.members.map((m) => m.healthy), [true, true, true, false, false]);
  assert.equal(h.quorum.ok, true);
  assert.ok(h.findings.some((f) => f.code === 'member-unhealthy'));
});

test('moveLeader: refused by a non-leader ("etcdserver: not leader") and for a learner ("bad leader transferee"); answered once the old leader sees the new one', async () => {
  const sim = new Sim({ seed: 2 }, { members: [{}, {}, {}, { learner: true }], leader: 0 });
  const port = new SimPort(sim);
  await port.sleep(300);
  await assert.rejects(port.moveLeader(idOf(sim, 1), idOf(sim, 2)), { message: ETCD_ERRORS.notLeader });
  await assert.rejects(port.moveLeader(idOf(sim, 0), idOf(sim, 3)), { message: ETCD_ERRORS.badTransferee });
  const t = port.now();
  await port.moveLeader(idOf(sim, 0), idOf(sim, 2));
  assert.equal(sim.nodes[2].role, LEADER);
  assert.equal(sim.nodes[0].lead, 2);
  // etcd checks every tick whether the transfer happened: the answer comes at a tick boundary.
  assert.ok(port.now() - t <= 110, `answered after ${port.now() - t} ms`);
});

test('removeMember: strict checks refuse quorum loss ("not enough started members") and recently restarted peers ("unhealthy cluster")', async () => {
  // 3 voters, one never started: removing a started one would leave 1 started of 2.
  const sim = new Sim({ seed: 3 }, { members: [{}, {}, { started: false }], leader: 0 });
  const port = new SimPort(sim);
  await port.sleep(300);
  await assert.rejects(port.removeMember(idOf(sim, 1), idOf(sim, 0)), { message: ETCD_ERRORS.notEnoughStarted });
  // Removing the never-started one is fine.
  const list = await port.removeMember(idOf(sim, 2), idOf(sim, 0));
  assert.deepEqual(list.map((m) => m.name), ['m1', 'm2']);

  const five = started(5, 4);
  await five.port.sleep(300);
  five.sim.crash(4);
  five.sim.crash(3);
  await five.port.sleep(100);
  five.sim.restart(3); // back, but connected for less than 5 s
  await five.port.sleep(500);
  await assert.rejects(five.port.removeMember(idOf(five.sim, 2), idOf(five.sim, 0)), { message: ETCD_ERRORS.unhealthy });
  // A member that is down is not part of the active quorum: removing it is allowed.
  await five.port.removeMember(idOf(five.sim, 4), idOf(five.sim, 0));
  await five.port.sleep(5000);
  await five.port.removeMember(idOf(five.sim, 2), idOf(five.sim, 0));
});

test('removeMember through the leader removes the leader itself: it answers, keeps leading, then shuts down a second later', async () => {
  const { sim, port } = started(3, 5);
  await port.sleep(300);
  const list = await port.removeMember(idOf(sim, 0), idOf(sim, 0));
  assert.deepEqual(list.map((m) => m.name), ['m2', 'm3']);
  let h = await port.snapshot();
  assert.equal(h.members.length, 2);
  assert.equal(sim.nodes[0].role, LEADER, 'still leading (etcd 3.4 has no step-down on removal)');
  await port.sleep(1100);
  await assert.rejects(port.memberStatus(idOf(sim, 0)), /connection refused/);
  await port.sleep(2500);
  h = await port.snapshot();
  assert.ok(h.leader && h.leader !== idOf(sim, 0), 'a survivor leads');
});

test('addMember: refused while a voter is down ("unhealthy cluster"); one learner at most; promote waits until the learner caught up', async () => {
  const { sim, port } = started(3, 6);
  await port.sleep(300);
  sim.crash(2);
  await assert.rejects(port.addMember(['https://10.9.0.1:2380'], false, idOf(sim, 0)), { message: ETCD_ERRORS.unhealthy });
  sim.restart(2);
  await port.sleep(6000);
  await assert.rejects(port.addMember(['https://10.0.0.2:2380'], true, idOf(sim, 0)), { message: ETCD_ERRORS.peerURLExists });
  const learner = await port.addMember(['https://10.9.0.1:2380'], true, idOf(sim, 0));
  assert.equal(learner.name, '');
  assert.equal(learner.isLearner, true);
  await assert.rejects(port.addMember(['https://10.9.0.2:2380'], true, idOf(sim, 0)), { message: ETCD_ERRORS.tooManyLearners });
  // Not started yet (the port starts it 1 s after MemberAdd): nowhere near 90 % of the leader's log.
  await assert.rejects(port.promoteMember(learner.id, idOf(sim, 1)), { message: ETCD_ERRORS.learnerNotReady });
  await port.sleep(1500);
  const after = await port.promoteMember(learner.id, idOf(sim, 1));
  assert.equal(after.find((m) => m.id === learner.id)?.isLearner, false);
  assert.equal(after.find((m) => m.id === learner.id)?.name, 'm4');
});

test('addMember follows the cluster version\'s rules: a 3.6 cluster with --max-learners 2 takes a second learner, not a third', async () => {
  const sim = new Sim({ seed: 8, rules: rulesFor('3.6', { maxLearners: 2 }) }, { members: [{}, {}, {}], leader: 0 });
  const port = new SimPort(sim, { joinStartDelayMs: null });
  await port.sleep(6000);
  await port.addMember(['https://10.9.0.1:2380'], true, idOf(sim, 0));
  await port.addMember(['https://10.9.0.2:2380'], true, idOf(sim, 0));
  await assert.rejects(port.addMember(['https://10.9.0.3:2380'], true, idOf(sim, 0)), { message: ETCD_ERRORS.tooManyLearners });
});

test('the ops engine runs unchanged on the simulator: removing the leader transfers leadership first, with milliseconds without a leader', async () => {
  const { sim, port } = started(5, 7);
  await port.sleep(700);
  const r = await removeMember(port, 'm1');
  assert.equal(r.ok, true, r.reason);
  assert.ok(r.leaderTransferredTo && r.leaderTransferredTo !== idOf(sim, 0));
  assert.ok(!r.membersAfter!.some((m) => m.id === idOf(sim, 0)));
  await port.sleep(3000);
  const m = sim.meter.snapshot(sim.nowUs);
  assert.ok(m.unwritableUs / 1000 < 20, `${m.unwritableUs / 1000} ms without a writable leader`);
  assert.equal(sim.members[0].running, false, 'the removed member shut itself down');
});

function member(id: string, name: string, over: Partial<MemberHealth> = {}): MemberHealth {
  return {
    id, name, peerURLs: [`https://${name}:2380`], clientURLs: [`https://${name}:2379`], isLearner: false, started: true,
    endpoint: `https://${name}:2379`, healthy: true, isLeader: false, latencyMs: 1, error: null, alarms: [],
    status: { leader: 'b2', raftTerm: 7, raftIndex: 123456, appliedIndex: 123450, dbSize: 5e7, dbSizeInUse: 4e7, version: '3.5.9', isLearner: false, errors: [] },
    ...over,
  };
}

test('simFromHealth: members, ids, leader, learners, down and unstarted members carry over', async () => {
  const health: ClusterHealth = {
    clusterId: 'c1', leader: 'b2',
    members: [
      member('a1', 'cp-1', { healthy: false, status: null, error: 'connection refused' }),
      member('b2', 'cp-2', { isLeader: true }),
      member('c3', 'cp-3'),
      member('d4', 'cp-4', { isLearner: true }),
      member('e5', '', { started: false, healthy: false, status: null, clientURLs: [] }),
    ],
    quorum: { voters: 4, healthy: 2, needed: 3, ok: false }, findings: [], endpoints: [], takenAt: 0, durationMs: 1,
  };
  const sim = simFromHealth(health);
  assert.deepEqual(sim.members.map((m) => m.id), ['a1', 'b2', 'c3', 'd4', 'e5']);
  assert.deepEqual(sim.members.map((m) => m.running), [false, true, true, true, false]);
  assert.equal(sim.members[4].started, false);
  assert.equal(sim.nodes[1].role, LEADER);
  assert.equal(sim.nodes[1].term, 7);
  assert.equal(sim.nodes[1].commit, 123450);
  assert.ok(sim.nodes[3].isLearner());
  // 4 voters, two of them not running: the imported cluster has no quorum, as the real one.
  sim.runUntil(5000);
  assert.equal(sim.writableLeader() === NONE || !sim.meter.isWritable, true);
  const port = new SimPort(sim);
  const h = await port.snapshot();
  assert.equal(h.quorum.ok, false);
  assert.deepEqual(h.members.map((m) => m.name), ['cp-1', 'cp-2', 'cp-3', 'cp-4', '']);
});
