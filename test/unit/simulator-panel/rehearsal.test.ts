// Rehearsals through the panel's code path (controller -> session -> ops engine on a SimPort), without VS Code:
// the imported topology of a real-looking cluster, the same removeMember/moveLeader the real operation runs.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SimulatorController } from '../../../src/extension/simulator/controller';
import { Frame } from '../../../src/extension/simulator/frames';
import { EventView, OpSummary, PlanSummary, SessionInfo, ToWebview } from '../../../src/extension/simulator/protocol';
import { importTopology, rehearseOnce } from '../../../src/extension/simulator/rehearsal';
import { health } from './health-fixture';

/** Collects what the controller posts to the webview. */
function recorder() {
  const posted: ToWebview[] = [];
  const controller = new SimulatorController((m) => posted.push(m));
  return { posted, controller };
}

async function until(what: string, check: () => boolean, ms = 20_000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

function collected(posted: ToWebview[]) {
  const session = [...posted].reverse().find((m): m is Extract<ToWebview, { type: 'session' }> => m.type === 'session')!.session as SessionInfo;
  const history = posted.filter((m): m is Extract<ToWebview, { type: 'history' }> => m.type === 'history' && m.sessionId === session.id);
  const frames: Frame[] = history.flatMap((h) => h.frames);
  const events: EventView[] = history.flatMap((h) => h.events);
  const ops = posted.filter((m): m is Extract<ToWebview, { type: 'op' }> => m.type === 'op' && m.sessionId === session.id).map((m) => m.op as OpSummary);
  const done = history.length > 0 && history[history.length - 1].done;
  const mc = posted.find((m): m is Extract<ToWebview, { type: 'mc' }> => m.type === 'mc');
  return { session, frames, events, ops, done, mc };
}

test('rehearsing the removal of the leader of an imported 3-member cluster: leadership moves first, then the member is gone', async () => {
  const { posted, controller } = recorder();
  await controller.handle({ type: 'ready' });
  const h = health();
  const leaderId = h.leader!;
  await controller.rehearse({ health: h, op: 'remove-member', target: leaderId }, 'prod etcd', 1, 20);
  await until('the recorded rehearsal to finish', () => collected(posted).done);
  const { session, frames, events, ops, mc } = collected(posted);
  controller.dispose();

  assert.equal(session.kind, 'rehearsal');
  assert.match(session.title, /remove etcd-a on prod etcd/);
  assert.ok(session.notes.some((n) => /^etcd-a \(8e9e05c52164694d\): leader/.test(n)));

  // The ops engine's result: its plan and steps, in order, transfer before removal.
  assert.equal(ops.length, 1);
  const op = ops[0];
  assert.equal(op.ok, true, op.reason);
  assert.match(op.plan[0], /^transfer leadership from etcd-a/);
  const names = op.steps.map((s) => s.name);
  const transfer = names.findIndex((n) => /^transfer leadership etcd-a -> etcd-[bc]$/.test(n));
  const removal = names.findIndex((n) => /^remove etcd-a via etcd-[bc]$/.test(n));
  assert.ok(transfer >= 0 && removal > transfer, `steps: ${names.join(', ')}`);
  assert.ok(op.steps.every((s) => s.status === 'done'), JSON.stringify(op.steps));

  // The recorded run agrees: another member became leader before the removal was applied anywhere.
  const newLeader = events.find((e) => e.event === 'become-leader' && e.node !== 'etcd-a');
  const removed = events.find((e) => e.event === 'conf-change' && /remove etcd-a/.test(e.detail ?? ''));
  assert.ok(newLeader && removed, 'a new leader and the removal are both in the trace');
  assert.ok(newLeader.t < removed.t && newLeader.seq < removed.seq);
  assert.ok(events.some((e) => e.event === 'transfer-start' && e.node === 'etcd-a'));

  // The last frame: etcd-a removed (it stops itself), a survivor leads, the others no longer list it.
  const last = frames[frames.length - 1];
  const a = last.nodes.find((n) => n.name === 'etcd-a')!;
  assert.equal(a.state, 'removed');
  const leaders = last.nodes.filter((n) => n.role === 'leader' && n.state === 'running');
  assert.equal(leaders.length, 1);
  assert.notEqual(leaders[0].name, 'etcd-a');
  assert.ok(last.writable);

  // Monte-Carlo: the safe plan against what k0s did (MemberRemove straight to the leader).
  assert.ok(mc, 'a Monte-Carlo summary was posted');
  const [safe, direct] = mc.view.plans as PlanSummary[];
  assert.equal(mc.view.plans.length, 2);
  assert.equal(safe.key, 'engine');
  assert.equal(direct.key, 'direct');
  assert.equal(safe.runs, 20);
  assert.equal(safe.okRuns, 20);
  assert.equal(safe.perRun.length, 20);
  assert.ok(safe.leaderlessMs.p95 < direct.leaderlessMs.p50,
    `the safe plan stalls writes less (p95 ${safe.leaderlessMs.p95} ms) than the direct removal (p50 ${direct.leaderlessMs.p50} ms)`);
  assert.ok(direct.leaderlessMs.p50 >= 1000, 'a direct removal of the leader waits out at least its 1 s stop and an election');
  assert.equal(mc.view.replay.kind, 'rehearsal');
});

test('removing a follower needs no transfer; the worst seed replays the run the summary counted', async () => {
  const h = health();
  const t = importTopology(h);
  const req = { health: h, op: 'remove-member' as const, target: 'fd422379fda50e48' };
  const run = await rehearseOnce(req, t, 7, 'engine');
  assert.equal(run.op.ok, true, run.op.reason);
  assert.ok(!run.op.steps.some((s) => /^transfer/.test(s.name)), run.op.steps.map((s) => s.name).join(', '));
  assert.equal(run.targetStillMember, false);
  assert.equal(run.leaderAtEnd, 'etcd-a');
  // Same seed, same run.
  const again = await rehearseOnce(req, t, 7, 'engine');
  assert.deepEqual({ ...again, op: { ...again.op } }, { ...run, op: { ...run.op } });

  const { posted, controller } = recorder();
  await controller.handle({ type: 'ready' });
  await controller.rehearse(req, 'prod etcd', 3, 10);
  const mc = collected(posted).mc!;
  assert.equal(mc.view.plans.length, 1, 'removing a follower is not compared with a direct removal of the leader');
  const worst = mc.view.plans[0];
  await controller.handle({ type: 'replay', kind: 'rehearsal', plan: 'engine', seed: worst.worstSeed, members: 3 });
  await until('the replay to finish', () => collected(posted).session.seed === worst.worstSeed && collected(posted).done);
  const replayed = collected(posted).ops[0];
  const direct = await rehearseOnce(req, t, worst.worstSeed, 'engine');
  assert.equal(replayed.unwritableMs, direct.op.unwritableMs);
  assert.equal(replayed.started, direct.op.started);
  controller.dispose();
});

test('rehearsing a transfer to the member that already leads shows the engine refusing it', async () => {
  const h = health();
  const run = await rehearseOnce({ health: h, op: 'move-leader', target: h.leader! }, importTopology(h), 1, 'engine');
  assert.equal(run.op.ok, false);
  assert.equal(run.op.refused, true);
  assert.match(run.op.reason, /refused/);
  assert.equal(run.elections, 0);
  assert.equal(run.leaderlessMs, 0);
});

test('rehearsing a transfer to a follower: it leads at the end, through MoveLeader', async () => {
  const h = health();
  const run = await rehearseOnce({ health: h, op: 'move-leader', target: '91bc3c398fb3c146' }, importTopology(h), 2, 'engine');
  assert.equal(run.op.ok, true, run.op.reason);
  assert.equal(run.leaderAtEnd, 'etcd-b');
  assert.equal(run.elections, 1);
  assert.equal(run.targetStillMember, true);
});
