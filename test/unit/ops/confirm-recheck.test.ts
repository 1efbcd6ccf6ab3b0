// The deadline starts after the confirmation, and the cluster is read again after it: on the simulator
// (SimPort, virtual time), a prompt answered after the deadline still gets the whole deadline, and a cluster
// that changed while the operator read the prompt stops the operation before anything is sent.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { moveLeader } from '../../../src/core/ops/move-leader';
import { removeMember } from '../../../src/core/ops/remove-member';
import { Sim } from '../../../src/core/sim/engine';
import { SimPort } from '../../../src/core/sim/sim-port';
import { RecordingPort } from './recording-port';

async function cluster(n: number, seed = 11): Promise<{ sim: Sim; sp: SimPort; port: RecordingPort }> {
  const sim = new Sim({ seed, writeIntervalMs: 100 }, { members: Array.from({ length: n }, () => ({})), leader: 0 });
  const sp = new SimPort(sim);
  await sp.sleep(6000); // past etcd's 5 s "connected" window after start
  return { sim, sp, port: new RecordingPort(sp) };
}

describe('confirmation and the deadline (simulator)', () => {
  it('a prompt answered after the deadline: the removal of the leader still runs with its full deadline', async () => {
    const { sp, port } = await cluster(3);
    let askedAt = 0;
    const r = await removeMember(port, 'm1', {
      deadlineMs: 5000,
      confirm: async () => { askedAt = sp.now(); await sp.sleep(8000); return true; },
    });
    assert.equal(r.ok, true, r.reason);
    assert.ok(r.leaderTransferredTo, 'leadership moved first');
    assert.ok(r.confirmedAt !== undefined && r.confirmedAt - askedAt >= 8000, `confirmed at ${r.confirmedAt}, asked at ${askedAt}`);
    assert.ok(r.durationMs > 8000, 'the whole run includes the prompt');
    const actions = port.actions();
    assert.deepEqual(actions.map((c) => c.method), ['moveLeader', 'removeMember']);
    assert.ok(actions.every((c) => c.at >= r.confirmedAt!), 'nothing sent before the confirmation');
    const step = r.steps.find((s) => s.name === 'recheck after the confirmation');
    assert.equal(step?.status, 'done');
  });

  it('a leader transfer confirmed after its deadline still runs', async () => {
    const { sp, port } = await cluster(3);
    const r = await moveLeader(port, 'm2', { deadlineMs: 3000, confirm: async () => { await sp.sleep(4000); return true; } });
    assert.equal(r.ok, true, r.reason);
    assert.deepEqual(port.actions().map((c) => c.method), ['moveLeader']);
  });

  it('a member that goes down during the prompt: stopped after the confirmation, naming the change, nothing sent', async () => {
    const { sim, port } = await cluster(3);
    const r = await removeMember(port, 'm2', { confirm: async () => { sim.crash(2); return true; } });
    assert.equal(r.ok, false);
    assert.equal(r.refused, true, 'nothing was attempted');
    assert.match(r.reason, /^stopped after the confirmation, nothing was sent: the cluster changed since the checks you confirmed: .*m3 went down \(.*connection refused/);
    assert.match(r.reason, /quorum changed: 3 of 3 voters healthy \(quorum 2\) became 2 of 3 \(quorum 2\)/);
    assert.match(r.reason, /check quorum-after now fails: removing m2 would leave 1 healthy voter of 2/);
    assert.deepEqual(port.actions(), []);
  });

  it('the leader moving during the prompt stops a transfer, naming who leads now', async () => {
    const { sim, sp, port } = await cluster(3);
    const r = await moveLeader(port, 'm2', {
      confirm: async () => { await sp.moveLeader(sim.members[0].id, sim.members[2].id); return true; },
    });
    assert.equal(r.refused, true, r.reason);
    assert.match(r.reason, /leader moved from m1 \([0-9a-f]+\) to m3 \([0-9a-f]+\)/);
    assert.deepEqual(port.actions(), [], 'only the test itself moved the leader');
  });

  it('the target removed by someone else during the prompt: stopped, "no longer in the member list"', async () => {
    const { sim, sp, port } = await cluster(4);
    const r = await removeMember(port, 'm4', {
      confirm: async () => { await sp.removeMember(sim.members[3].id, sim.members[0].id); return true; },
    });
    assert.equal(r.refused, true, r.reason);
    assert.match(r.reason, /m4 is no longer in the member list/);
    assert.deepEqual(port.actions(), []);
  });

  it('a dry run shows the same plan and checks as the real run', async () => {
    const { port } = await cluster(3);
    const dry = await removeMember(port, 'm1', { dryRun: true });
    let preview: { plan: string[]; checks: string[] } | null = null;
    const real = await removeMember(port, 'm1', { confirm: async (p) => { preview = { plan: p.plan, checks: p.checks.map((c) => `${c.name} ${c.ok}`) }; return false; } });
    assert.equal(dry.ok, true, dry.reason);
    assert.equal(real.refused, true);
    assert.deepEqual(preview!.plan, dry.plan);
    assert.deepEqual(preview!.checks, dry.checks.map((c) => `${c.name} ${c.ok}`));
    assert.ok(dry.checks.some((c) => c.name === 'member-list-source'));
  });
});
