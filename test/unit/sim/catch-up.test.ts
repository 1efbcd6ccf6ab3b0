// Learner and follower catch-up as etcd does it: the leader's log is compacted every --snapshot-count
// applied entries (keeping SnapshotCatchUpEntries), a member behind the compacted index gets the whole db as
// a snapshot, which takes its size over the transfer speed; its match stays behind until the snapshot lands,
// then it catches up by log. Promotion readiness (90 % of the leader's log) reads that modelled progress.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Sim } from '../../../src/core/sim/engine';
import { ETCD_ERRORS } from '../../../src/core/sim/etcd-server';
import { rehearseGrowth } from '../../../src/core/sim/growth';
import { SimPort } from '../../../src/core/sim/sim-port';
import { MemberSpec, StorageOptions } from '../../../src/core/sim/sim-config';

const MB = 1024 * 1024;

function cluster(members: MemberSpec[], storage: Partial<StorageOptions> = {}, writeIntervalMs = 100, seed = 1) {
  const sim = new Sim({ seed, writeIntervalMs, storage }, { members, leader: 0 });
  return { sim, port: new SimPort(sim, { joinStartDelayMs: 0 }) };
}

/** Adds a learner, starts it at once; returns how long until the leader's match for it reached 90 % of its log. */
async function learnerCatchUp(dbSize: number): Promise<{ ms: number; refusedEarly: string; matchMidway: number; snapshots: number }> {
  const { sim, port } = cluster([{ dbSize }, { dbSize }, { dbSize }]);
  await port.sleep(500);
  const leader = sim.nodes[0];
  const added = await port.addMember(['https://10.0.1.1:2380'], true, sim.members[0].id);
  const slot = sim.slotOf(added.id);
  const t0 = port.now();
  let refusedEarly = '';
  await port.promoteMember(added.id, sim.members[0].id).catch((e: Error) => { refusedEarly = e.message; });
  const transferMs = (dbSize / (100 * MB)) * 1000;
  await port.sleep(transferMs / 2);
  const matchMidway = leader.match[slot];
  const ok = await port.clock.waitFor(() => leader.match[slot] >= 0.9 * leader.log.lastIndex(), 120_000);
  assert.ok(ok, 'the learner caught up');
  const ms = port.now() - t0;
  await port.promoteMember(added.id, sim.members[0].id);
  assert.ok(leader.isVoter(slot), 'promoted once caught up');
  assert.equal(sim.members[slot].dbSize, sim.members[0].dbSize, 'the snapshot brought the leader\'s db');
  return { ms, refusedEarly, matchMidway, snapshots: sim.snapshotsSent };
}

test('a new learner catches up by snapshot: the bigger the db, the longer; promotion is refused until it has 90 % of the log', async () => {
  const small = await learnerCatchUp(20 * 1024);
  const mid = await learnerCatchUp(100 * MB);
  const big = await learnerCatchUp(1024 * MB);
  for (const r of [small, mid, big]) {
    assert.equal(r.refusedEarly, ETCD_ERRORS.learnerNotReady, 'promote before the snapshot landed is refused as etcd does');
    assert.equal(r.snapshots, 1, 'one snapshot: the log behind it was compacted');
  }
  assert.ok(small.ms < mid.ms && mid.ms < big.ms, `catch-up ${small.ms} < ${mid.ms} < ${big.ms} ms`);
  // 1 GiB at the default 100 MiB/s: about 10.24 s, plus a few round trips.
  assert.ok(big.ms > 10_240 && big.ms < 10_240 + 500, `1 GiB took ${big.ms} ms`);
  assert.equal(big.matchMidway, 0, 'the learner\'s match stays behind until the snapshot lands');
});

test('the transfer speed is a config input: half the speed, twice the time', async () => {
  const run = async (bytesPerSec: number) => {
    const { sim, port } = cluster([{ dbSize: 200 * MB }, { dbSize: 200 * MB }, { dbSize: 200 * MB }], { snapshotBytesPerSec: bytesPerSec });
    await port.sleep(300);
    const added = await port.addMember(['https://10.0.1.1:2380'], true, sim.members[0].id);
    const slot = sim.slotOf(added.id);
    const t0 = port.now();
    await port.clock.waitFor(() => sim.nodes[0].match[slot] > 0, 60_000);
    return port.now() - t0;
  };
  const fast = await run(100 * MB);
  const slow = await run(50 * MB);
  assert.ok(Math.abs(slow - 2 * fast) < 50, `200 MiB: ${fast} ms at 100 MiB/s, ${slow} ms at 50 MiB/s`);
});

test('a follower less far behind than the entries the leader keeps catches up by log; one further behind needs a snapshot', async () => {
  const storage = { snapshotCount: 200, catchUpEntries: 100 };
  const behind = async (downMs: number) => {
    const { sim, port } = cluster([{}, {}, {}], storage, 5);
    await port.sleep(2000); // past a few log compactions
    assert.ok(sim.nodes[0].log.snapIndex > 1000, 'the leader compacted its log');
    assert.ok(sim.nodes[0].log.len <= 200 + 100 + 1, `the log stays bounded (${sim.nodes[0].log.len} entries)`);
    const snaps = sim.snapshotsSent;
    sim.crash(2);
    await port.sleep(downMs);
    sim.restart(2);
    const ok = await port.clock.waitFor(() => sim.nodes[2].applied >= sim.nodes[0].commit - 1, 10_000);
    assert.ok(ok, 'caught up');
    return sim.snapshotsSent - snaps;
  };
  assert.equal(await behind(200), 0, '40 writes behind: by log');
  assert.ok(await behind(3000) >= 1, '600 writes behind: the entries are gone, a snapshot');
});

test('a learner killed during its snapshot transfer: the transfer fails, the cluster stays writable, a restart gets a new snapshot', async () => {
  const { sim, port } = cluster([{ dbSize: 500 * MB }, { dbSize: 500 * MB }, { dbSize: 500 * MB }]);
  await port.sleep(300);
  const added = await port.addMember(['https://10.0.1.1:2380'], true, sim.members[0].id);
  const slot = sim.slotOf(added.id);
  await port.sleep(1000);
  sim.crash(slot);
  await port.sleep(10_000);
  assert.equal(sim.nodes[0].match[slot], 0, 'nothing landed');
  assert.equal(sim.meter.snapshot(sim.nowUs).unwritableUs, 0, 'the voters kept committing');
  await assert.rejects(port.promoteMember(added.id, sim.members[0].id), { message: ETCD_ERRORS.learnerNotReady });
  const before = sim.snapshotsSent;
  sim.restart(slot);
  const ok = await port.clock.waitFor(() => sim.nodes[0].match[slot] >= 0.9 * sim.nodes[0].log.lastIndex(), 60_000);
  assert.ok(ok && sim.snapshotsSent > before, 'a new snapshot brought it up');
  assert.equal(sim.members[slot].dbSize, sim.members[0].dbSize, 'the learner holds the leader\'s db');
});

test('growing 3 members by one: the learner path never leaves the cluster without a spare failure; adding a voter first does, for as long as it takes to start and catch up', async () => {
  for (const dbSize of [20 * 1024, 1024 * MB]) {
    const learner = await rehearseGrowth('learner', { dbSize });
    const voter = await rehearseGrowth('voter', { dbSize });
    assert.equal(learner.zeroFaultToleranceMs, 0, `learner path, db ${dbSize}`);
    assert.ok(learner.promoteRefusals > 0, 'promotion waited for the catch-up');
    assert.ok(voter.zeroFaultToleranceMs >= 1000, `voter path, db ${dbSize}: ${voter.zeroFaultToleranceMs} ms without a spare failure`);
    assert.equal(learner.leaderlessMs + voter.leaderlessMs, 0, 'writes went on either way on 3 members');
  }
  const big = await rehearseGrowth('voter', { dbSize: 1024 * MB });
  assert.ok(big.zeroFaultToleranceMs > 10_240, 'a 1 GiB snapshot keeps the new voter from acknowledging for its transfer time');
});
