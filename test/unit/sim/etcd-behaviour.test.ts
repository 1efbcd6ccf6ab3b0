// The etcd behaviours the simulator promises, each checked on a running simulation (no mocks): timing of
// elections, the removed leader that keeps leading until it stops, leadership hand-over on graceful stop
// and not on kill, leader transfer details, learners, check-quorum and pre-vote, crash persistence.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Sim } from '../../../src/core/sim/engine';
import { CONF_ADD_LEARNER, CONF_REMOVE, encodeConf } from '../../../src/core/sim/raft-log';
import { CANDIDATE, LEADER, NONE, PRE_CANDIDATE } from '../../../src/core/sim/raft-node';
import { SimRecorder } from '../../../src/core/sim/recorder';

function cluster(n: number, seed: number, extra: Partial<ConstructorParameters<typeof Sim>[0]> = {}): Sim {
  return new Sim({ seed, ...extra }, { members: Array.from({ length: n }, () => ({})), leader: 0 });
}

/** First time (ms) at or after `from` when `pred` holds, checking after every event; null if not by `until`. */
function when(sim: Sim, pred: () => boolean, until: number): number | null {
  if (pred()) return sim.nowMs;
  return sim.runUntil(until, pred) ? sim.nowMs : null;
}

test('steady cluster: the leader keeps leading, every member follows it, client writes commit everywhere', () => {
  const sim = cluster(3, 1, { writeIntervalMs: 50 });
  sim.runUntil(10_000);
  assert.equal(sim.writableLeader(), 0);
  assert.equal(sim.leaderElections, 0);
  for (const n of sim.nodes) { assert.equal(n.lead, 0); assert.equal(n.term, 2); }
  assert.ok(sim.nodes[0].commit >= 1000 + 190, `leader committed ${sim.nodes[0].commit}`);
  assert.ok(sim.nodes.every((n) => n.applied >= sim.nodes[0].commit - 2));
  assert.equal(sim.meter.snapshot(sim.nowUs).unwritableUs, 0);
});

test('same seed, same run: two simulations produce the identical trace, a different seed does not', () => {
  const trace = (seed: number) => {
    const sim = cluster(5, seed, { writeIntervalMs: 30, network: { loss: 0.02 } });
    const rec = new SimRecorder(sim, { messages: false });
    sim.runUntil(1000);
    sim.crash(0);
    sim.runUntil(4000);
    sim.restart(0);
    sim.runUntil(8000);
    return JSON.stringify(rec.events) + JSON.stringify(sim.nodes.map((n) => [n.term, n.commit, n.log.lastIndex()]));
  };
  assert.equal(trace(42), trace(42));
  assert.notEqual(trace(42), trace(43));
});

test('killing the leader: a new leader after a randomized election timeout in [T, 2T) (plus a tick), pre-vote first', () => {
  const waits: number[] = [];
  for (let seed = 1; seed <= 60; seed++) {
    const sim = cluster(3, seed);
    const rec = new SimRecorder(sim, { messages: false });
    sim.runUntil(500);
    sim.crash(0);
    const t = when(sim, () => sim.writableLeader() !== NONE, 5000);
    assert.ok(t !== null, `seed ${seed}: no new leader`);
    waits.push(t - 500);
    const kinds = rec.events.map((e) => e.event);
    assert.ok(kinds.indexOf('become-pre-candidate') < kinds.indexOf('become-candidate'), 'pre-vote precedes the vote');
  }
  // The timeout counts ticks from the last heartbeat (up to a tick before the kill) and a partial tick counts:
  // at least T - 2 ticks after the kill.
  assert.ok(Math.min(...waits) >= 800, `fastest ${Math.min(...waits)} ms`);
  assert.ok(Math.max(...waits) <= 2100, `slowest ${Math.max(...waits)} ms`);
  // min of two uniform timeouts in [10, 20) ticks, minus up to a tick: mean near 1.2-1.35 s
  const mean = waits.reduce((a, b) => a + b, 0) / waits.length;
  assert.ok(mean > 1050 && mean < 1500, `mean ${mean}`);
});

test('election timing follows the configured heartbeat and election timeout', () => {
  const sim = new Sim({ seed: 5, timing: { heartbeatMs: 50, electionMs: 500 } }, { members: [{}, {}, {}], leader: 0 });
  sim.runUntil(300);
  sim.crash(0);
  const t = when(sim, () => sim.writableLeader() !== NONE, 3000);
  assert.ok(t !== null && t - 300 >= 440 && t - 300 <= 1060, `re-elected after ${t! - 300} ms`);
  assert.throws(() => new Sim({ seed: 1, timing: { heartbeatMs: 100, electionMs: 300 } }, { members: [{}] }), /at least 5 times/);
});

test('removing the leader directly (etcd 3.4): it keeps leading and heartbeating until it stops 1 s after applying its removal; nobody is elected before', () => {
  for (let seed = 1; seed <= 20; seed++) {
    const sim = cluster(3, seed, { writeIntervalMs: 100 });
    const rec = new SimRecorder(sim, { messages: false });
    sim.runUntil(700);
    assert.ok(sim.proposeConfChange(0, encodeConf(CONF_REMOVE, 0)));
    const applied = when(sim, () => !sim.nodes[0].isVoter(), 2000);
    assert.ok(applied !== null);
    assert.equal(sim.nodes[0].role, LEADER, 'no step-down on removal by default');
    assert.equal(sim.meter.isWritable, false, 'a leader that is no longer a member cannot commit');
    const stopped = when(sim, () => !sim.members[0].running, 5000)!;
    assert.ok(Math.abs(stopped - applied - 1000) < 1, `stopped ${stopped - applied} ms after applying`);
    assert.equal(sim.members[0].stopReason, 'the member has been permanently removed from the cluster');
    const elected = when(sim, () => sim.writableLeader() !== NONE, 10_000)!;
    assert.ok(elected > stopped, 'no new leader while the removed leader still runs');
    // After the stop: an election timeout in [T, 2T) from the last heartbeat, so "about 1.7 s without a leader".
    assert.ok(elected - stopped >= 800 && elected - stopped < 2100, `seed ${seed}: elected ${elected - stopped} ms after the stop`);
    const leaderless = sim.meter.snapshot(sim.nowUs).unwritableUs / 1000;
    assert.ok(leaderless > 1800 && leaderless < 3100, `seed ${seed}: ${leaderless} ms without a writable leader`);
    assert.ok(rec.events.some((e) => e.event === 'conf-change' && /remove m1/.test(e.detail ?? '')));
  }
});

test('step-down-on-removal (raft option, off by default): the removed leader steps down as it applies the removal', () => {
  const sim = new Sim({ seed: 3, timing: { stepDownOnRemoval: true } }, { members: [{}, {}, {}], leader: 0 });
  sim.runUntil(500);
  sim.proposeConfChange(0, encodeConf(CONF_REMOVE, 0));
  when(sim, () => !sim.nodes[0].isVoter(), 2000);
  assert.notEqual(sim.nodes[0].role, LEADER);
  assert.ok(when(sim, () => sim.writableLeader() > 0, 5000) !== null);
});

test('graceful stop of the leader hands leadership over first; a kill does not', () => {
  const graceful = cluster(3, 9);
  graceful.runUntil(500);
  graceful.gracefulStop(0);
  const handed = when(graceful, () => graceful.writableLeader() > 0, 3000);
  assert.ok(handed !== null && handed - 500 < 200, `new leader ${handed! - 500} ms after the stop began`);
  when(graceful, () => !graceful.members[0].running, 5000);
  assert.ok(graceful.meter.snapshot(graceful.nowUs).unwritableUs / 1000 < 50, 'writes barely paused');
  assert.equal(graceful.nodes[0].lead, graceful.writableLeader(), 'the old leader followed the new one before stopping');

  const killed = cluster(3, 9);
  killed.runUntil(500);
  killed.crash(0);
  const elected = when(killed, () => killed.writableLeader() > 0, 5000)!;
  assert.ok(elected - 500 >= 900, `a kill costs an election timeout (${elected - 500} ms)`);
});

test('leader transfer: a lagging transferee is caught up before MsgTimeoutNow; proposals are dropped meanwhile', () => {
  const sim = cluster(3, 4);
  sim.runUntil(300);
  sim.partition([[0, 1], [2]]);
  for (let i = 0; i < 20; i++) assert.ok(sim.propose(0, 9000 + i));
  sim.runUntil(400);
  assert.ok(sim.nodes[2].log.lastIndex() < sim.nodes[0].log.lastIndex(), 'm3 lags');
  sim.heal();
  const rec = new SimRecorder(sim, { messages: false });
  sim.transferLeadership(0, 2);
  assert.equal(sim.nodes[0].leadTransferee, 2);
  assert.equal(sim.propose(0, 1), false, 'proposals blocked during the transfer');
  const done = when(sim, () => sim.nodes[2].role === LEADER, 1000);
  assert.ok(done !== null && done - 400 < 50, 'transfer completes in a few round trips');
  const notes = rec.events.filter((e) => e.event === 'note').map((e) => e.detail);
  assert.ok(notes.some((d) => /caught up: sending MsgTimeoutNow/.test(d ?? '')));
  assert.ok(sim.nodes[2].log.lastIndex() >= sim.nodes[0].log.lastIndex() - 1);
});

test('leader transfer to an unreachable member is aborted after an election timeout and the leader carries on', () => {
  const sim = cluster(3, 6);
  const rec = new SimRecorder(sim, { messages: false });
  sim.runUntil(300);
  sim.partition([[0, 1], [2]]);
  sim.transferLeadership(0, 2);
  const aborted = when(sim, () => sim.nodes[0].leadTransferee === NONE, 3000);
  assert.ok(aborted !== null && aborted - 300 >= 900 && aborted - 300 <= 1100, `aborted after ${aborted! - 300} ms`);
  assert.equal(sim.nodes[0].role, LEADER);
  assert.ok(rec.events.some((e) => /aborted after an election timeout/.test(e.detail ?? '')));
  assert.ok(sim.propose(0, 77), 'proposals flow again');
});

test('learners never campaign and their votes are never asked for', () => {
  const sim = new Sim({ seed: 8 }, { members: [{}, {}, { learner: true }], leader: 0 });
  const rec = new SimRecorder(sim);
  sim.runUntil(500);
  sim.crash(0);
  sim.runUntil(20_000);
  // m2 alone cannot win (2 voters, one down); the learner never starts an election, nobody asks it to vote.
  assert.ok(!rec.events.some((e) => e.node === 'm3' && /candidate|leader/.test(e.event)));
  assert.ok(!rec.messages.some((m) => m.to === 'm3' && /Vote/.test(m.type)));
  assert.ok(rec.events.some((e) => e.node === 'm2' && e.event === 'become-pre-candidate'));
  assert.equal(sim.writableLeader(), NONE);
  assert.equal(sim.nodes[1].term, 2, 'pre-vote keeps the lone voter from inflating terms');
});

test('check-quorum: a leader cut off from its followers steps down within two election timeouts; pre-vote keeps the rejoining node from disrupting', () => {
  const sim = cluster(3, 11);
  sim.runUntil(300);
  sim.partition([[1, 2], [0]]);
  const stepped = when(sim, () => sim.nodes[0].role !== LEADER, 5000);
  assert.ok(stepped !== null && stepped - 300 <= 2100, `stepped down after ${stepped! - 300} ms`);
  const newLeader = when(sim, () => sim.writableLeader() > 0, 5000);
  assert.ok(newLeader !== null);
  const term = sim.nodes[sim.writableLeader()].term;
  sim.runUntil(10_000); // m1 keeps pre-campaigning in its corner without raising its term
  assert.ok(sim.nodes[0].term <= term, 'isolated node did not inflate its term');
  sim.heal();
  sim.runUntil(12_000);
  assert.equal(sim.nodes[sim.writableLeader()].term, term, 'the healed node rejoined without an election');
});

test('without pre-vote an isolated node inflates its term and disrupts the leader when it returns', () => {
  const sim = new Sim({ seed: 12, timing: { preVote: false, checkQuorum: false } }, { members: [{}, {}, {}], leader: 0 });
  sim.runUntil(300);
  sim.partition([[0, 1], [2]]);
  sim.runUntil(8000);
  assert.ok(sim.nodes[2].term > 4, `isolated node at term ${sim.nodes[2].term}`);
  assert.ok([CANDIDATE, PRE_CANDIDATE].includes(sim.nodes[2].role));
  const before = sim.leaderElections;
  sim.heal();
  sim.runUntil(12_000);
  assert.ok(sim.leaderElections > before, 'the returning node forced a new election');
});

test('a crash keeps term, vote and log; a restarted member catches up and follows the leader', () => {
  const sim = cluster(3, 13, { writeIntervalMs: 50 });
  sim.runUntil(1000);
  const n = sim.nodes[2];
  const { term, vote } = n;
  const last = n.log.lastIndex();
  sim.crash(2);
  sim.runUntil(3000);
  assert.equal(n.term, term);
  assert.equal(n.vote, vote);
  assert.equal(n.log.lastIndex(), last);
  sim.restart(2);
  sim.runUntil(4000);
  assert.equal(n.lead, 0);
  assert.ok(n.commit >= sim.nodes[0].commit - 2, 'caught up');
});

test('adding a learner: the leader brings the empty new member up with a snapshot', () => {
  const sim = cluster(3, 14);
  sim.runUntil(300);
  const m = sim.newMemberSlot(['https://10.0.9.1:2380']);
  assert.ok(sim.proposeConfChange(0, encodeConf(CONF_ADD_LEARNER, m.slot)));
  sim.runUntil(400);
  sim.restart(m.slot);
  sim.runUntil(1500);
  const node = sim.nodes[m.slot];
  assert.ok(node.isLearner());
  assert.equal(node.log.snapIndex >= 1000, true, 'installed a snapshot');
  assert.ok(node.commit >= sim.nodes[0].commit - 1);
  assert.equal(sim.members[m.slot].started, true);
});
