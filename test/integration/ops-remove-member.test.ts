// @etcd-compat: also runs on etcd 3.4, 3.5 and 3.7 (scripts/test.mjs)
// Member removal through the ops engine against a real 5-member etcd cluster that shrinks test by test:
// dry run, a follower, the leader (transfer first), a refusal that would lose quorum, a dead member.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { removeMember } from '../../src/core/ops/remove-member';
import { EtcdTestCluster } from '../harness/etcd-cluster';
import { ctlLeader, ctlMembers, idOf, live, portFor, waitLeader } from './ops-support';

describe('ops engine: remove member (real etcd)', () => {
  let cluster: EtcdTestCluster;
  const gone = new Set<string>();
  before(async () => { cluster = await EtcdTestCluster.start({ members: 5 }); });
  after(async () => cluster?.close());

  const running = () => live(cluster, gone);

  it('dry run of removing the leader prints the plan and checks and changes nothing', async () => {
    const leader = await waitLeader(cluster, running());
    const before = await ctlMembers(cluster, running());
    const port = portFor(cluster, running());
    try {
      const r = await removeMember(port, leader, { dryRun: true });
      assert.equal(r.ok, true, r.reason);
      assert.equal(r.removed, null);
      assert.equal(r.leaderTransferredTo, null);
      assert.match(r.plan[0], /^transfer leadership from /);
      assert.ok(r.checks.some((c) => c.name === 'leader-handover' && c.ok));
      assert.deepEqual(r.steps.filter((s) => s.status === 'skipped').map((s) => s.name), ['transfer leadership', 'remove member']);
    } finally {
      await port.close();
    }
    await new Promise((res) => setTimeout(res, 300));
    assert.equal(await ctlLeader(cluster, running()), leader);
    assert.deepEqual(await ctlMembers(cluster, running()), before);
  });

  it('removes a follower through a survivor and verifies the member list', async () => {
    const leader = await waitLeader(cluster, running());
    const target = running().find((m) => m.name !== leader)!;
    const targetId = await idOf(cluster, target.name, running());
    const port = portFor(cluster, running());
    try {
      // Right after start etcd's strict check refuses for up to 5 s; the engine waits it out.
      const r = await removeMember(port, target.name);
      assert.equal(r.ok, true, r.reason);
      assert.equal(r.removed, targetId);
      assert.equal(r.leaderTransferredTo, null, 'a follower needs no transfer');
      assert.equal(r.membersBefore.length, 5);
      assert.equal(r.membersAfter?.length, 4);
      assert.ok(!r.membersAfter!.some((m) => m.id === targetId));
      assert.ok(r.steps.some((s) => s.name === `remove ${target.name} via ${leader}` && s.status === 'done'), JSON.stringify(r.steps));
    } finally {
      await port.close();
    }
    gone.add(target.name);
    const listed = await ctlMembers(cluster, running());
    assert.equal(listed.length, 4);
    assert.ok(!listed.some((m) => m.name === target.name));
  });

  it('removes the leader: leadership moves first, removal through a survivor, leaderless time recorded', async (t) => {
    const leader = await waitLeader(cluster, running());
    const leaderId = await idOf(cluster, leader, running());
    const port = portFor(cluster, running());
    let survivors = running().filter((m) => m.name !== leader);
    try {
      const r = await removeMember(port, leader);
      t.diagnostic(`leaderless ${r.leaderlessMs} ms, transfer ${r.transferMs} ms, total ${r.durationMs} ms; ${r.steps.map((s) => `${s.name} ${s.ms}ms`).join(' | ')}`);
      assert.equal(r.ok, true, r.reason);
      assert.equal(r.removed, leaderId);
      assert.ok(r.leaderTransferredTo && r.leaderTransferredTo !== leaderId);
      const names = r.steps.map((s) => s.name);
      const transferAt = names.findIndex((n) => n.startsWith('transfer leadership'));
      const removeAt = names.findIndex((n) => n.startsWith(`remove ${leader} via `));
      assert.ok(transferAt >= 0 && removeAt > transferAt, `transfer before removal: ${names.join(', ')}`);
      assert.doesNotMatch(names[removeAt], new RegExp(`via ${leader}$`), 'never through the member removed');
      assert.ok(names.includes(`verify ${leader} left the member list`));
      assert.equal(typeof r.leaderlessMs, 'number');
      assert.ok(r.leaderlessMs! < 1000, `leaderless ${r.leaderlessMs} ms: no election timeout was waited out`);
      assert.notEqual(r.leaderAfter, leaderId);
      assert.equal(r.membersAfter?.length, 3);
    } finally {
      await port.close();
    }
    gone.add(leader);
    survivors = running();
    const now = await waitLeader(cluster, survivors, 5000);
    assert.notEqual(now, leader);
    assert.ok(!(await ctlMembers(cluster, survivors)).some((m) => m.name === leader));
  });

  it('refuses a removal that would lose quorum (3 members, one dead, remove a healthy one), changing nothing', async () => {
    const leader = await waitLeader(cluster, running());
    const followers = running().filter((m) => m.name !== leader);
    const dead = followers[0];
    await cluster.kill(dead.name);
    const healthyFollower = followers[1];
    const before = await ctlMembers(cluster, running());
    const port = portFor(cluster, cluster.members.filter((m) => !gone.has(m.name)));
    try {
      for (const victim of [healthyFollower.name, leader]) {
        const r = await removeMember(port, victim);
        assert.equal(r.ok, false);
        assert.equal(r.refused, true, r.reason);
        assert.equal(r.removed, null);
        const q = r.checks.find((c) => c.name === 'quorum-after');
        assert.equal(q?.ok, false);
        assert.equal(q?.detail, `removing ${victim} would leave 1 healthy voter of 2; quorum of 2 needs 2`);
        assert.match(r.reason, /quorum of 2 needs 2/);
      }
    } finally {
      await port.close();
    }
    assert.deepEqual(await ctlMembers(cluster, running()), before);
    assert.equal(await ctlLeader(cluster, running()), leader);
  });

  it('allows removing the dead member while the others hold quorum', async () => {
    const dead = cluster.members.find((m) => !m.process && !gone.has(m.name))!;
    const port = portFor(cluster, cluster.members.filter((m) => !gone.has(m.name)));
    try {
      const r = await removeMember(port, dead.name);
      assert.equal(r.ok, true, r.reason);
      assert.equal(r.checks.find((c) => c.name === 'member-down')?.ok, true);
      assert.equal(r.membersAfter?.length, 2);
      assert.ok(r.checks.some((c) => c.name === 'even-size' && c.severity === 'warning'));
    } finally {
      await port.close();
    }
    gone.add(dead.name);
    const listed = await ctlMembers(cluster, running());
    assert.deepEqual(listed.map((m) => m.name).sort(), running().map((m) => m.name).sort());
  });
});
