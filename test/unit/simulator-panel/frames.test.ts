// Frames: what the panel draws of one moment, built from a running simulation.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Sim } from '../../../src/core/sim/engine';
import { captureFrame, frameAt, LOG_WINDOW, sameFrame } from '../../../src/extension/simulator/frames';

function cluster(leader: number | null = 0) {
  return new Sim({ seed: 3, writeIntervalMs: 50 }, { members: [{ name: 'm1' }, { name: 'm2' }, { name: 'm3', learner: true }], leader, term: 4, index: 100 });
}

test('a steady cluster: roles, terms, leader, learner, log window ending at the last index', () => {
  const sim = cluster();
  sim.runFor(500);
  const f = captureFrame(sim);
  assert.equal(f.t, sim.nowMs);
  assert.equal(f.writable, true);
  assert.deepEqual(f.nodes.map((n) => [n.name, n.role, n.state, n.learner, n.term, n.lead]),
    [['m1', 'leader', 'running', false, 4, 'm1'], ['m2', 'follower', 'running', false, 4, 'm1'], ['m3', 'follower', 'running', true, 4, 'm1']]);
  const l = f.nodes[0];
  assert.ok(l.last > 100, 'writes were appended');
  assert.equal(l.logTerms.length, Math.min(LOG_WINDOW, l.last - 100));
  assert.equal(l.logStart + l.logTerms.length - 1, l.last);
  assert.ok(l.logTerms.every((t) => t === 4));
  assert.ok(l.commit <= l.last && l.applied <= l.commit);
  assert.ok(f.nodes.every((n) => n.group === 0 && n.transferee === null));
});

test('a crash, a partition and a removal show in the frame', () => {
  const sim = cluster();
  sim.runFor(300);
  sim.crash(1);
  let f = captureFrame(sim);
  assert.equal(f.nodes[1].state, 'down');
  sim.restart(1);
  sim.partition([[0], [1, 2]], 0);
  f = captureFrame(sim);
  assert.equal(f.nodes[1].state, 'running');
  assert.notEqual(f.nodes[0].group, f.nodes[1].group);
  assert.equal(f.nodes[1].group, f.nodes[2].group);
  sim.heal();
  sim.runFor(300);
  // Removing the learner through the leader: a membership-change entry, then the member stops itself.
  assert.ok(sim.proposeConfChange(0, 1 * 64 + 2));
  const confIndex = sim.nodes[0].log.lastIndex();
  sim.runFor(10);
  f = captureFrame(sim);
  const leader = f.nodes[0];
  assert.deepEqual(leader.logConf.map((k) => leader.logStart + k), [confIndex], 'the membership change is marked in the log window');
  sim.runFor(2000);
  f = captureFrame(sim);
  assert.equal(f.nodes[2].state, 'removed');
});

test('sameFrame ignores time only; frameAt finds the latest frame at or before t', () => {
  const sim = cluster();
  const a = captureFrame(sim);
  sim.runFor(0.001);
  const b = captureFrame(sim);
  assert.ok(sameFrame(a, { ...b, t: 99 }));
  sim.crash(0);
  const c = captureFrame(sim);
  assert.ok(!sameFrame(a, c));
  const frames = [{ ...a, t: 0 }, { ...b, t: 10 }, { ...c, t: 10 }, { ...c, t: 20 }];
  assert.equal(frameAt(frames, -1), null);
  assert.equal(frameAt(frames, 0), frames[0]);
  assert.equal(frameAt(frames, 10), frames[2], 'the last of several frames at one instant');
  assert.equal(frameAt(frames, 15), frames[2]);
  assert.equal(frameAt(frames, 1e9), frames[3]);
});
