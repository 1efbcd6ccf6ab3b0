// On a real 3-member TLS etcd: nothing is sent after an operation returns (etcd's "unhealthy cluster"
// refusal for longer than the removal step's bound, right after a member restarted), the deadline runs
// from the confirmation, a member killed during the prompt stops the operation before anything is sent,
// and the quorum math uses the member list read through the leader.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { moveLeader } from '../../src/core/ops/move-leader';
import { removeMember } from '../../src/core/ops/remove-member';
import { EtcdTestCluster } from '../harness/etcd-cluster';
import { RecordingPort } from '../unit/ops/recording-port';
import { ctlMembers, idOf, live, portFor, waitLeader } from './ops-support';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('ops engine: confirmation, deadline and abort (real etcd)', () => {
  let cluster: EtcdTestCluster;
  before(async () => { cluster = await EtcdTestCluster.start({ members: 3 }); });
  after(async () => cluster?.close());

  async function roles() {
    const leader = await waitLeader(cluster, live(cluster));
    const followers = live(cluster).filter((m) => m.name !== leader).map((m) => m.name);
    return { leader, followers };
  }

  it('EtcdPort: an aborted signal sends nothing; a pending call to a frozen member is cancelled at once', async () => {
    const { followers } = await roles();
    const frozen = followers[0];
    const frozenId = await idOf(cluster, frozen, live(cluster));
    const port = portFor(cluster, live(cluster), 5000);
    try {
      await port.snapshot();
      const gone = new AbortController();
      gone.abort();
      await assert.rejects(port.memberStatus(frozenId, { signal: gone.signal }), { name: 'AbortError' });
      cluster.pause(frozen);
      const abort = new AbortController();
      const started = Date.now();
      const pending = port.memberStatus(frozenId, { signal: abort.signal });
      setTimeout(() => abort.abort(), 200);
      await assert.rejects(pending, { name: 'AbortError' });
      const took = Date.now() - started;
      assert.ok(took < 2000, `cancelled after ${took} ms, not at the 5 s call timeout`);
      const sleepAbort = new AbortController();
      setTimeout(() => sleepAbort.abort(), 50);
      const t0 = Date.now();
      await assert.rejects(port.sleep(10_000, { signal: sleepAbort.signal }), { name: 'AbortError' });
      assert.ok(Date.now() - t0 < 2000);
    } finally {
      cluster.resume(frozen);
      await port.close();
    }
  });

  it('the member list for the checks is read through the leader, whichever endpoint the profile names', async () => {
    const { leader, followers } = await roles();
    const leaderId = await idOf(cluster, leader, live(cluster));
    const port = new RecordingPort(portFor(cluster, [cluster.member(followers[0])]));
    try {
      const r = await removeMember(port, followers[1], { dryRun: true });
      assert.equal(r.ok, true, r.reason);
      const lists = port.calls.filter((c) => c.method === 'memberList');
      assert.deepEqual(lists.map((c) => c.args), [[leaderId, 'linearizable']]);
      const version = (await cluster.etcdctl(['version'])).match(/etcdctl version: (\S+)/)?.[1] ?? '';
      const source = r.checks.find((c) => c.name === 'member-list-source')?.detail ?? '';
      assert.match(source, new RegExp(`^quorum math uses the member list read through the leader ${leader} \\(${leaderId}\\), `));
      if (/^3\.4\./.test(version)) assert.match(source, /ignores the linearizable flag, which needs 3\.5: the best available/);
      else assert.match(source, /, linearizably$/);
    } finally {
      await port.close();
    }
  });

  it('a prompt answered after the deadline: the transfer still runs with its whole deadline', async () => {
    const { followers } = await roles();
    const port = new RecordingPort(portFor(cluster));
    try {
      const r = await moveLeader(port, followers[0], { deadlineMs: 2000, confirm: async () => { await sleep(2500); return true; } });
      assert.equal(r.ok, true, r.reason);
      assert.ok(r.confirmedAt! - r.startedAt >= 2500);
      assert.deepEqual(port.actions().map((c) => c.method), ['moveLeader']);
      assert.ok(port.actions()[0].at >= r.confirmedAt!);
    } finally {
      await port.close();
    }
    assert.equal(await waitLeader(cluster, live(cluster)), followers[0]);
  });

  it('a member killed during the prompt: stopped after the confirmation, naming it, nothing sent', async () => {
    const { followers } = await roles();
    const [victim, target] = followers;
    const before = await ctlMembers(cluster, live(cluster));
    const port = new RecordingPort(portFor(cluster));
    try {
      const r = await removeMember(port, target, { confirm: async () => { await cluster.kill(victim); return true; } });
      assert.equal(r.ok, false);
      assert.equal(r.refused, true, r.reason);
      assert.match(r.reason, new RegExp(`^stopped after the confirmation, nothing was sent: the cluster changed since the checks you confirmed: .*${victim} went down`));
      assert.match(r.reason, new RegExp(`check quorum-after now fails: removing ${target} would leave 1 healthy voter of 2`));
      assert.deepEqual(port.actions(), []);
    } finally {
      await port.close();
    }
    await cluster.restart(victim);
    assert.deepEqual(await ctlMembers(cluster, live(cluster)), before);
  });

  it('"unhealthy cluster" for longer than the removal step\'s bound: failed at the bound, nothing sent after it, the member stays', async (t) => {
    const { followers } = await roles();
    const [restarted, target] = followers;
    const port = new RecordingPort(portFor(cluster));
    let r;
    try {
      // Restarted during the prompt: etcd refuses to remove another voter until it has been connected 5 s.
      r = await removeMember(port, target, {
        stepTimeoutMs: 1500,
        confirm: async () => { await cluster.kill(restarted); await cluster.restart(restarted); return true; },
      });
    } finally {
      await port.close();
    }
    const returnedAt = r.startedAt + r.durationMs;
    const removals = port.actions().filter((c) => c.method === 'removeMember');
    t.diagnostic(`${r.reason} | removals: ${removals.map((c) => `+${c.at - r.startedAt} ms ${c.outcome}`).join(', ')}`);
    assert.equal(r.ok, false, r.reason);
    assert.ok(removals.length >= 1 && removals.every((c) => /unhealthy cluster/.test(c.outcome ?? '')), JSON.stringify(removals));
    assert.match(r.reason, /: etcd refused \d+ attempts? over .* \("unhealthy cluster"\); nothing was removed$/);
    assert.equal(r.outcomeUnknown, undefined);
    // Well past etcd's 5 s window: a retry loop left running would have removed the member by now.
    await sleep(7000);
    const late = port.calls.filter((c) => c.at > returnedAt);
    assert.deepEqual(late, [], 'no call after the result');
    assert.ok((await ctlMembers(cluster, live(cluster))).some((m) => m.name === target), `${target} is still a member`);
  });
});
