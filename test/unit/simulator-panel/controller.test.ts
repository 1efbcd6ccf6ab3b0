// The panel's protocol end to end without VS Code: what the webview sends, what the host posts back.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SimulatorController } from '../../../src/extension/simulator/controller';
import { ToWebview } from '../../../src/extension/simulator/protocol';

async function until(what: string, check: () => boolean, ms = 20_000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

function setup() {
  const posted: ToWebview[] = [];
  const c = new SimulatorController((m) => posted.push(m));
  const of = <T extends ToWebview['type']>(type: T) => posted.filter((m): m is Extract<ToWebview, { type: T }> => m.type === type);
  const lastSession = () => of('session').at(-1)!.session;
  const historyOf = (id: number) => of('history').filter((h) => h.sessionId === id);
  return { posted, c, of, lastSession, historyOf };
}

test('nothing is posted before the webview is ready; then init, the default scenario and its whole history', async () => {
  const { posted, c, of, lastSession, historyOf } = setup();
  assert.equal(posted.length, 0);
  await c.handle({ type: 'ready' });
  assert.equal(posted[0].type, 'init');
  const init = of('init')[0];
  assert.ok(init.scenarios.some((s) => s.name === 'remove-leader-naive'));
  const s = lastSession();
  assert.equal(s.scenario, 'remove-leader-naive');
  await until('the scenario to be simulated to its end', () => historyOf(s.id).some((h) => h.done));
  const frames = historyOf(s.id).flatMap((h) => h.frames);
  assert.ok(frames.length > 10);
  assert.ok(historyOf(s.id).flatMap((h) => h.events).some((e) => e.event === 'conf-change'));
  c.dispose();
});

test('a request held before ready (a rehearsal opened with the panel) is delivered after init', async () => {
  const { posted, c } = setup();
  await c.handle({ type: 'sandbox', seed: 2, members: 3 }).catch(() => undefined);
  assert.equal(posted.length, 0);
  await c.handle({ type: 'ready' });
  assert.deepEqual(posted.slice(0, 2).map((m) => m.type), ['init', 'session']);
  c.dispose();
});

test('sandbox: history only as far as asked; actions for another session are ignored', async () => {
  const { c, lastSession, historyOf } = setup();
  await c.handle({ type: 'ready' });
  await c.handle({ type: 'sandbox', seed: 3, members: 5 });
  const s = lastSession();
  assert.equal(s.kind, 'sandbox');
  assert.equal(s.members, 5);
  await c.handle({ type: 'advance', sessionId: s.id, until: 2500 });
  await until('history up to 2.5 s', () => historyOf(s.id).some((h) => h.end >= 2500));
  assert.equal(c.current!.sim.nowMs, 2500);
  await c.handle({ type: 'action', sessionId: s.id + 1000, action: 'crash', slot: 0, at: 2500 });
  assert.equal(c.current!.sim.members[0].running, true);
  await c.handle({ type: 'action', sessionId: s.id, action: 'crash', slot: 0, at: 2500 });
  assert.equal(c.current!.sim.members[0].running, false);
  await c.handle({ type: 'advance', sessionId: s.id, until: 1e12 });
  assert.ok(c.current!.sim.nowMs <= 2500 + 10 * 60_000, 'one request cannot ask for more than ten minutes');
  c.dispose();
});

test('compare two scenarios: two plans side by side, then the worst seed of one loads as a scenario', async () => {
  const { c, of, lastSession } = setup();
  await c.handle({ type: 'ready' });
  await c.handle({ type: 'compare', scenarios: ['remove-leader-naive', 'remove-leader'], seed: 1, members: 3, runs: 15 });
  const mc = of('mc')[0].view;
  assert.deepEqual(mc.plans.map((p) => [p.key, p.runs, p.perRun.length]), [['remove-leader-naive', 15, 15], ['remove-leader', 15, 15]]);
  assert.ok(mc.plans[1].leaderlessMs.max < mc.plans[0].leaderlessMs.p50);
  assert.ok(of('mc-progress').length >= 2);
  const worst = mc.plans[0].worstSeed;
  await c.handle({ type: 'replay', kind: 'scenario', plan: 'remove-leader-naive', seed: worst, members: mc.replay.members });
  assert.equal(lastSession().seed, worst);
  assert.equal(lastSession().scenario, 'remove-leader-naive');
  c.dispose();
});

test('an unknown scenario is reported, not thrown', async () => {
  const { c, of } = setup();
  await c.handle({ type: 'ready' });
  await c.handle({ type: 'load', scenario: 'no-such-thing', seed: 1, members: 3 });
  assert.match(of('status').at(-1)!.message, /no built-in scenario "no-such-thing"/);
  c.dispose();
});
