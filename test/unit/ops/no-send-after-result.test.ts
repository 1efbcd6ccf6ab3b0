// An operation's calls stop when it returns: etcd's "unhealthy cluster" refusal lasting longer than the
// removal step's bound ends the removal at that bound, and nothing is sent afterwards. On the simulator
// (SimPort, etcd's own strict check: a member restarted less than 5 s ago), in virtual time.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { removeMember } from '../../../src/core/ops/remove-member';
import { Sim } from '../../../src/core/sim/engine';
import { SimPort } from '../../../src/core/sim/sim-port';
import { RecordingPort } from './recording-port';

function cluster(n: number, seed = 7): { sim: Sim; sp: SimPort; port: RecordingPort } {
  const sim = new Sim({ seed, writeIntervalMs: 100 }, { members: Array.from({ length: n }, () => ({})), leader: 0 });
  const sp = new SimPort(sim);
  return { sim, sp, port: new RecordingPort(sp) };
}

/** 3 members, m2 just restarted: etcd refuses removals of other voters for 5 s after m2's connection became active. */
async function clusterRefusingRemovals() {
  const c = cluster(3);
  await c.sp.sleep(6000);
  c.sim.crash(1);
  await c.sp.sleep(300);
  c.sim.restart(1);
  await c.sp.sleep(400);
  return c;
}

describe('no call after the result (simulator)', () => {
  it('a refusal longer than the step bound: failed at the bound, nothing removed, nothing sent afterwards', async () => {
    const { sim, sp, port } = await clusterRefusingRemovals();
    const r = await removeMember(port, 'm3', { stepTimeoutMs: 1500, deadlineMs: 30_000 });
    const returnedAt = r.startedAt + r.durationMs;
    assert.equal(r.ok, false, r.reason);
    assert.equal(r.outcomeUnknown, undefined, r.reason);
    assert.equal(r.removed, null);
    assert.match(r.reason, /no result within 1\.50 s: etcd refused \d+ attempts? over .*"unhealthy cluster"\); nothing was removed/);
    const refused = port.actions().filter((c) => c.method === 'removeMember');
    assert.ok(refused.length >= 2 && refused.every((c) => /unhealthy cluster/.test(c.outcome ?? '')), JSON.stringify(refused));

    // Let the simulated cluster run well past the refusal: a loop left behind would send again and land.
    const callsAtResult = port.calls.length;
    await sp.sleep(10_000);
    const late = port.calls.slice(callsAtResult);
    assert.deepEqual(late, [], `calls after the result: ${JSON.stringify(late)}`);
    assert.ok(port.calls.every((c) => c.at <= returnedAt), `a call after ${returnedAt}: ${JSON.stringify(port.calls.filter((c) => c.at > returnedAt))}`);
    const list = await sp.memberList(sim.members[0].id);
    assert.deepEqual(list.map((m) => m.name), ['m1', 'm2', 'm3'], 'm3 is still a member');
  });

  it('the same refusal within the bound is waited out and the removal goes through', async () => {
    const { sim, sp, port } = await clusterRefusingRemovals();
    const r = await removeMember(port, 'm3', { stepTimeoutMs: 15_000 });
    assert.equal(r.ok, true, r.reason);
    assert.ok(r.steps.some((s) => /^remove m3 via m1$/.test(s.name) && /strict check refused/.test(s.detail)), JSON.stringify(r.steps));
    const callsAtResult = port.calls.length;
    await sp.sleep(5000);
    assert.equal(port.calls.length, callsAtResult);
  });

  it('a removal cut off at its bound with no answer is looked up once more and reported as unknown, never as failed', async () => {
    const { sim, sp, port } = cluster(3);
    await sp.sleep(6000);
    // The leader freezes right as the removal is sent: the call hangs (no answer within the port's 2 s).
    let frozen = false;
    const r = await removeMember(port, 'm3', {
      stepTimeoutMs: 1000,
      onProgress: (e) => { if (e.kind === 'step-started' && e.step.startsWith('remove m3 via')) { sim.partition([[0]], 1); frozen = true; } },
    });
    assert.ok(frozen);
    assert.equal(r.ok, false);
    assert.equal(r.outcomeUnknown, true, r.reason);
    assert.equal(r.refused, false);
    assert.match(r.reason, /^outcome unknown: the removal of m3 may still be applied; check with etcdctl member list \(/);
    assert.ok(r.steps.some((s) => s.name === 'look whether m3 was removed'), JSON.stringify(r.steps.map((s) => s.name)));
    const callsAtResult = port.calls.length;
    sim.heal();
    await sp.sleep(5000);
    assert.deepEqual(port.calls.slice(callsAtResult), []);
  });
});
