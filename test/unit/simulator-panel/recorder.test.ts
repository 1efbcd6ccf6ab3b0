// The recorder: frames after every event, messages with their fate, events, whoever drives the simulation.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Sim } from '../../../src/core/sim/engine';
import { SimPort } from '../../../src/core/sim/sim-port';
import { moveLeader } from '../../../src/core/ops';
import { HistoryBatcher } from '../../../src/extension/simulator/history-batcher';
import { HistoryDelta, Recorder } from '../../../src/extension/simulator/recorder';

function merge(deltas: HistoryDelta[]) {
  const b = new HistoryBatcher();
  for (const d of deltas) b.add(d);
  return b.take();
}

test('an election recorded: frames in time order, votes sent and delivered, the new leader in the events', () => {
  const sim = new Sim({ seed: 11 }, { members: [{ name: 'm1' }, { name: 'm2' }, { name: 'm3' }], leader: null });
  const rec = new Recorder(sim);
  const deltas: HistoryDelta[] = [];
  sim.runFor(1500);
  deltas.push(rec.drain());
  sim.runFor(1500);
  deltas.push(rec.drain());
  const h = merge(deltas);
  assert.ok(h.frames.length > 3);
  for (let i = 1; i < h.frames.length; i++) assert.ok(h.frames[i].t >= h.frames[i - 1].t);
  const leaders = h.frames[h.frames.length - 1].nodes.filter((n) => n.role === 'leader');
  assert.equal(leaders.length, 1);
  const elected = h.events.find((e) => e.event === 'become-leader');
  assert.equal(elected?.node, leaders[0].name);
  assert.ok(h.messages.some((m) => m.type === 'MsgPreVote'), 'pre-vote is on (etcd 3.4 default)');
  assert.ok(h.messages.some((m) => m.type === 'MsgVote'));
  const delivered = h.messages.filter((m) => m.ok === true);
  assert.ok(delivered.length > 0);
  for (const m of delivered) {
    assert.ok(m.arrive !== null && m.arrive > m.sent && m.done === m.arrive, JSON.stringify(m));
  }
  // Only messages sent in the last instants may still be in flight.
  for (const m of h.messages.filter((x) => x.done === null)) assert.ok(m.sent > sim.nowMs - 10);
  assert.deepEqual(h.events.map((e) => e.seq), h.events.map((_, i) => i));
  rec.detach();
});

test('messages to a crashed member are recorded as dropped; a settled update follows a drain', () => {
  const sim = new Sim({ seed: 2 }, { members: [{ name: 'm1' }, { name: 'm2' }, { name: 'm3' }], leader: 0 });
  const rec = new Recorder(sim);
  sim.runFor(50);
  sim.crash(2);
  const crashedAt = sim.nowMs;
  // Drain while a heartbeat to m3 is on its way: its fate (dropped on arrival) comes as an update.
  const sentToM3 = () => sim.events > 0 && (rec as unknown as { messages: { to: number; sent: number }[] }).messages.some((m) => m.to === 2 && m.sent >= crashedAt);
  sim.runUntil(crashedAt + 300, sentToM3);
  const first = rec.drain();
  sim.runFor(5);
  const second = rec.drain();
  const toM3 = [...first.messages, ...second.messages].filter((m) => m.to === 2 && m.sent >= crashedAt);
  assert.ok(toM3.length > 0);
  assert.ok(first.messages.some((m) => m.to === 2 && m.done === null), 'drained while in flight');
  const updates = new Map(second.settled.map(([id, done, ok]) => [id, { done, ok }]));
  for (const m of toM3) {
    const fate = m.ok !== null ? m : updates.get(m.id);
    assert.equal(fate?.ok, false, `message ${m.type} to the crashed member is dropped`);
  }
  assert.ok(first.events.some((e) => e.event === 'crash' && e.node === 'm3'));
  rec.detach();
});

test('frames are recorded while the ops engine drives the simulation through the port\'s virtual clock', async () => {
  const sim = new Sim({ seed: 4, writeIntervalMs: 100 }, { members: [{ name: 'm1' }, { name: 'm2' }, { name: 'm3' }], leader: 0 });
  const rec = new Recorder(sim);
  const port = new SimPort(sim);
  const r = await moveLeader(port, sim.members[1].id, { confirm: async () => true });
  assert.equal(r.ok, true, r.reason);
  const h = rec.drain();
  const leaderOf = (f: typeof h.frames[number]) => f.nodes.find((n) => n.role === 'leader' && n.state === 'running')?.name ?? null;
  const seen = [...new Set(h.frames.map(leaderOf))];
  assert.deepEqual(seen.filter((x) => x !== null), ['m1', 'm2']);
  assert.ok(h.frames.some((f) => f.nodes[0].transferee === 'm2'), 'the transfer in progress is visible');
  assert.ok(h.messages.some((m) => m.type === 'MsgTimeoutNow' && m.from === 0 && m.to === 1));
  rec.detach();
  // Detached: the simulation runs on, unrecorded.
  sim.runFor(100);
  assert.equal(rec.drain().messages.length, 0);
});

test('the batcher writes a fate learnt in the same batch into the message and keeps later updates apart', () => {
  const b = new HistoryBatcher();
  const msg = { id: 1, from: 0, to: 1, type: 'MsgApp', term: 2, entries: 1, reject: false, sent: 1, arrive: 2, done: null, ok: null };
  b.add({ frames: [], messages: [msg], settled: [], events: [] });
  b.add({ frames: [], messages: [], settled: [[1, 2, true], [0, 1.5, false]], events: [] });
  const out = b.take();
  assert.equal(out.messages[0].ok, true);
  assert.equal(msg.ok, null, 'the recorder\'s own object is not touched');
  assert.deepEqual(out.settled, [[0, 1.5, false]]);
  assert.ok(b.empty);
});
