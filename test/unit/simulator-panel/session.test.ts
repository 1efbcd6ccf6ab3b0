// Sessions: the panel's interactive simulations, sliced so the host never blocks, with the operator's
// actions and branching from an earlier moment (deterministic replay of the action log).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Sim } from '../../../src/core/sim/engine';
import { SimPort } from '../../../src/core/sim/sim-port';
import { Frame } from '../../../src/extension/simulator/frames';
import { OpSummary, SessionInfo } from '../../../src/extension/simulator/protocol';
import { HistoryDelta } from '../../../src/extension/simulator/recorder';
import { LIVE_SLACK_MS, SessionSetup, SimSession } from '../../../src/extension/simulator/session';

function sandbox(seed = 9): SessionSetup {
  return {
    info: { kind: 'sandbox', title: 'sandbox', subtitle: '', seed, scenario: null, notes: [] },
    build: () => {
      const sim = new Sim({ seed, writeIntervalMs: 200 }, { members: [{ name: 'm1' }, { name: 'm2' }, { name: 'm3' }], leader: null });
      return { sim, port: new SimPort(sim) };
    },
  };
}

function listen() {
  const state = { resets: [] as [SessionInfo, number][], frames: [] as Frame[], events: [] as HistoryDelta['events'], ops: [] as OpSummary[], errors: [] as string[], end: 0 };
  return {
    state,
    listener: {
      reset: (info: SessionInfo, cursor: number) => { state.resets.push([info, cursor]); state.frames = []; state.events = []; },
      history: (d: HistoryDelta, end: number) => { state.frames.push(...d.frames); state.events.push(...d.events); state.end = end; },
      op: (o: OpSummary) => state.ops.push(o),
      error: (e: string) => state.errors.push(e),
    },
  };
}

const leaderAt = (frames: Frame[], t: number) => {
  let f: Frame | undefined;
  for (const x of frames) if (x.t <= t) f = x;
  return f?.nodes.find((n) => n.role === 'leader' && n.state === 'running')?.name ?? null;
};

test('a sandbox elects a leader, in slices, and never calls itself done', async () => {
  const { state, listener } = listen();
  const s = new SimSession(sandbox(), listener);
  s.start();
  assert.equal(state.resets.length, 1);
  assert.equal(state.resets[0][0].members, 3);
  await s.advance(3000);
  assert.ok(s.sim.nowMs >= 3000 && state.end === s.sim.nowMs);
  assert.ok(leaderAt(state.frames, 3000));
  assert.equal(s.done, false);
  s.dispose();
});

test('killing the leader at the cursor: another member takes over; the action is in the trace', async () => {
  const { state, listener } = listen();
  const s = new SimSession(sandbox(), listener);
  s.start();
  await s.advance(3000);
  const first = leaderAt(state.frames, 3000)!;
  const slot = s.sim.members.findIndex((m) => m.name === first);
  await s.act('crash', slot, 3000);
  await s.advance(8000);
  const second = leaderAt(state.frames, 8000);
  assert.ok(second && second !== first, `${first} -> ${second}`);
  assert.ok(state.events.some((e) => e.event === 'crash' && e.node === first && e.t === 3000));
  assert.ok(state.events.some((e) => e.event === 'note' && e.detail === `operator: kill ${first}`));
  s.dispose();
});

test('an action further back than the simulated edge branches the run there; the history before it is unchanged', async () => {
  const { state, listener } = listen();
  const s = new SimSession(sandbox(4), listener);
  s.start();
  await s.advance(6000);
  const before = state.frames.filter((f) => f.t <= 2000).map((f) => JSON.stringify(f));
  const leader = leaderAt(state.frames, 2000)!;
  const slot = s.sim.members.findIndex((m) => m.name === leader);
  assert.ok(6000 - 2000 > LIVE_SLACK_MS);
  await s.act('isolate', slot, 2000);
  assert.equal(state.resets.length, 2);
  assert.equal(state.resets[1][1], 2000, 'the panel keeps its cursor at the branch point');
  assert.ok(s.sim.nowMs >= 2000 && s.sim.nowMs < 2100, `rebuilt up to the branch point, now ${s.sim.nowMs}`);
  const replayed = state.frames.filter((f) => f.t < 2000).map((f) => JSON.stringify(f));
  assert.deepEqual(replayed, before.slice(0, replayed.length), 'deterministic replay up to the branch');
  await s.advance(6000);
  const partitioned = state.frames.find((f) => f.t >= 2000)!;
  assert.notEqual(partitioned.nodes[slot].group, partitioned.nodes[(slot + 1) % 3].group);
  assert.notEqual(leaderAt(state.frames, 6000), leader, 'the majority elected another leader');
  s.dispose();
});

test('a transfer, a safe removal and an added member from the panel report their results', async () => {
  const { state, listener } = listen();
  const s = new SimSession(sandbox(2), listener);
  s.start();
  await s.advance(3000);
  const leader = s.sim.writableLeader();
  const other = (leader + 1) % 3;
  await s.act('transfer', other, s.sim.nowMs);
  await s.advance(s.sim.nowMs + 2000);
  assert.equal(state.ops.length, 1);
  assert.equal(state.ops[0].ok, true, state.ops[0].reason);
  assert.equal(s.sim.writableLeader(), other);
  await s.act('remove', other, s.sim.nowMs);
  await s.advance(s.sim.nowMs + 3000);
  assert.equal(state.ops[1].ok, true, state.ops[1].reason);
  assert.match(state.ops[1].title, /^Remove m\d \(safe plan\)$/);
  assert.ok(state.ops[1].steps.some((s) => /^transfer leadership/.test(s.name)), 'it led, so leadership moved first');
  const last = state.frames[state.frames.length - 1];
  assert.equal(last.nodes[other].state, 'removed');
  await s.act('add', null, s.sim.nowMs);
  await s.advance(s.sim.nowMs + 4000);
  assert.equal(state.ops[2].ok, true, state.ops[2].reason);
  assert.equal(s.sim.members.length, 4);
  assert.equal(state.frames[state.frames.length - 1].nodes[3].state, 'running', 'the added member started');
  assert.deepEqual(state.errors, []);
  s.dispose();
});

test('a long advance yields to the host between slices', async () => {
  const { listener } = listen();
  const s = new SimSession(sandbox(), listener);
  s.start();
  let ticks = 0;
  const timer = setInterval(() => ticks++, 1);
  const started = performance.now();
  await s.advance(120_000);
  clearInterval(timer);
  const wall = performance.now() - started;
  assert.ok(s.sim.nowMs >= 120_000);
  assert.ok(ticks >= Math.min(5, wall / 20), `timers ran ${ticks} times in ${Math.round(wall)} ms`);
  s.dispose();
});
