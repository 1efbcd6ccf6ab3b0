// @etcd-compat: also runs on etcd 3.4, 3.5 and 3.7 (scripts/test.mjs)
// Rolling defragmentation under faults on a real 3-member TLS cluster: refused when a member is down
// (nothing sent); a member SIGSTOPped as its defragmentation is sent: the run stops at its bound, says
// where, and reports nothing half-done as done; --transfer-leader moves leadership away before the leader's turn.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { rollingDefrag } from '../../src/core/ops/rolling-defrag';
import { EtcdTestCluster } from '../harness/etcd-cluster';
import { churn } from './maintenance-support';
import { ctlLeader, idOf, live, portFor, waitLeader } from './ops-support';

describe('maintenance: rolling defragmentation under faults (real etcd)', () => {
  let cluster: EtcdTestCluster;
  before(async () => {
    cluster = await EtcdTestCluster.start({ members: 3 });
    await churn(cluster, 200, 32 * 1024);
  });
  after(async () => cluster?.close());

  it('refused when a member is down: no defragmentation is sent', async () => {
    const leader = await waitLeader(cluster, cluster.members);
    const down = cluster.members.find((m) => m.name !== leader)!;
    await cluster.kill(down.name);
    const port = portFor(cluster);
    try {
      const r = await rollingDefrag(port, { deadlineMs: 30_000 });
      assert.equal(r.ok, false);
      assert.equal(r.refused, true, r.reason);
      const ft = r.checks.find((c) => c.name === 'fault-tolerance')!;
      assert.equal(ft.ok, false);
      assert.match(ft.detail, new RegExp(`${down.name} down`));
      assert.ok(!r.steps.some((s) => s.name.startsWith('defragment ')), JSON.stringify(r.steps));
      assert.ok(r.members.every((m) => m.state === 'not-started'));
      // Accepting the risk is only for NOSPACE: without the alarm it is still refused.
      const again = await rollingDefrag(port, { deadlineMs: 30_000, acceptNoFaultTolerance: true });
      assert.equal(again.refused, true, again.reason);
    } finally {
      await port.close();
    }
    await cluster.restart(down.name);
  });

  it('a member frozen during its defragmentation: stops at the bound, says where, nothing half-done reported as done', async () => {
    const leader = await waitLeader(cluster, cluster.members);
    await cluster.waitHealthy();
    const port = portFor(cluster);
    let frozen: string | null = null;
    let defragsStarted = 0;
    try {
      const started = Date.now();
      const r = await rollingDefrag(port, {
        deadlineMs: 60_000, memberTimeoutMs: 3000, gateTimeoutMs: 20_000,
        onProgress: (e) => {
          // Freeze the second member just as its defragmentation is about to be sent.
          if (e.kind === 'step-started' && e.step.startsWith('defragment ') && ++defragsStarted === 2) {
            frozen = e.step.slice('defragment '.length);
            cluster.pause(frozen);
          }
        },
      });
      const took = Date.now() - started;
      assert.ok(frozen, 'a member was frozen');
      assert.notEqual(frozen, leader, 'the second member is a follower: the leader goes last');
      assert.equal(r.ok, false, r.reason);
      assert.equal(r.refused, false);
      assert.equal(r.outcomeUnknown, true, r.reason);
      assert.match(r.reason, new RegExp(`stopped at ${frozen}`));
      assert.match(r.reason, /may still be running/);
      const byName = new Map(r.members.map((m) => [m.name, m]));
      assert.equal(byName.get(r.order[0])!.state, 'done');
      assert.equal(byName.get(frozen!)!.state, 'unknown');
      assert.equal(byName.get(frozen!)!.dbSizeAfter, null);
      assert.equal(byName.get(r.order[2])!.state, 'not-started');
      assert.match(r.reason, new RegExp(`not started: ${r.order[2]}`));
      assert.ok(!r.steps.some((s) => s.name === `defragment ${r.order[2]}`), 'the leader was not touched');
      const step = r.steps.find((s) => s.name === `defragment ${frozen}`)!;
      assert.equal(step.status, 'failed');
      assert.ok(step.ms >= 2900 && took < 30_000, `stopped after ${step.ms} ms (run ${took} ms)`);
    } finally {
      if (frozen) cluster.resume(frozen);
      await port.close();
    }
    await cluster.waitHealthy();
  });

  it('--transfer-leader: leadership moves to a member already defragmented before the old leader is', async () => {
    const leader = await waitLeader(cluster, cluster.members);
    const port = portFor(cluster);
    try {
      const r = await rollingDefrag(port, { transferLeader: true, deadlineMs: 60_000 });
      assert.equal(r.ok, true, r.reason + '\n' + JSON.stringify(r.steps, null, 1));
      assert.equal(r.order[2], leader);
      const names = r.steps.map((s) => s.name);
      const transfer = names.findIndex((n) => n.startsWith('transfer leadership'));
      assert.ok(transfer > names.indexOf(`health gate ${r.order[1]}`) && transfer < names.indexOf(`defragment ${leader}`), names.join(' | '));
      const newLeader = await ctlLeader(cluster, live(cluster));
      assert.notEqual(newLeader, leader);
      assert.equal(r.leaderTransferredTo, await idOf(cluster, newLeader!, live(cluster)));
    } finally {
      await port.close();
    }
  });

  it('--member <leader> --transfer-leader: leadership moves to a follower first, then the old leader is defragmented', async () => {
    const leader = await waitLeader(cluster, cluster.members);
    const port = portFor(cluster);
    try {
      const r = await rollingDefrag(port, { member: leader, transferLeader: true, deadlineMs: 60_000 });
      assert.equal(r.ok, true, r.reason + '\n' + JSON.stringify(r.steps, null, 1));
      assert.deepEqual(r.order, [leader]);
      const names = r.steps.map((s) => s.name);
      assert.ok(names.findIndex((n) => n.startsWith('transfer leadership')) < names.indexOf(`defragment ${leader}`), names.join(' | '));
      assert.equal(r.members[0].state, 'done');
      assert.notEqual(await ctlLeader(cluster, live(cluster)), leader);
    } finally {
      await port.close();
    }
  });

  it('a member going down while the operator confirms: the recheck stops the run before anything is sent', async () => {
    const leader = await waitLeader(cluster, cluster.members);
    await cluster.waitHealthy();
    const down = cluster.members.find((m) => m.name !== leader)!;
    const port = portFor(cluster);
    try {
      const r = await rollingDefrag(port, {
        deadlineMs: 30_000,
        confirm: async (preview) => {
          assert.equal((preview as typeof r).order[2], leader, 'the modal shows the leader last');
          await cluster.kill(down.name);
          return true;
        },
      });
      assert.equal(r.refused, true, r.reason);
      assert.match(r.reason, /changed since the checks you confirmed/);
      assert.match(r.reason, new RegExp(`${down.name} went down`));
      assert.ok(!r.steps.some((s) => s.name.startsWith('defragment ')), JSON.stringify(r.steps));
    } finally {
      await port.close();
    }
    await cluster.restart(down.name);
  });

  it('cancelled after the first member: stops before the next, says what was done', async () => {
    await waitLeader(cluster, cluster.members);
    await cluster.waitHealthy();
    const port = portFor(cluster);
    const cancel = new AbortController();
    try {
      const r = await rollingDefrag(port, {
        deadlineMs: 30_000, signal: cancel.signal,
        onProgress: (e) => { if (e.kind === 'step-finished' && e.step.name.startsWith('health gate ')) cancel.abort(); },
      });
      assert.equal(r.ok, false);
      assert.equal(r.cancelled, true, r.reason);
      assert.equal(r.refused, false);
      assert.match(r.reason, new RegExp(`already done: ${r.order[0]} defragmented`));
      assert.deepEqual(r.members.map((m) => m.state), ['done', 'not-started', 'not-started']);
      assert.equal(r.steps.filter((s) => s.name.startsWith('defragment ')).length, 1);
    } finally {
      await port.close();
    }
  });
});
