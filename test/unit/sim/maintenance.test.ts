// Maintenance on the simulator through SimPort, as etcd does it: Defragment stalls the member for its db size
// over the defragmentation speed (a leader stalled past the election timeout loses leadership, a follower
// costs nothing), then the file shrinks to its size in use; Compact moves the compact revision on every
// member and frees history; NOSPACE is raised when a db passes its quota and refuses writes until disarmed;
// CORRUPT can be raised by a scenario. Rolling defragmentation leader-last vs leader-first on 1 GB dbs.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Sim } from '../../../src/core/sim/engine';
import { BYTES_PER_WRITE, MAINTENANCE_ERRORS } from '../../../src/core/sim/member-storage';
import { runMonteCarlo } from '../../../src/core/sim/monte-carlo';
import { Prng } from '../../../src/core/sim/prng';
import { LEADER } from '../../../src/core/sim/raft-node';
import { runScenario } from '../../../src/core/sim/scenario-run';
import { BUILTIN_SCENARIOS, builtinScenario } from '../../../src/core/sim/scenarios';
import { SimPort } from '../../../src/core/sim/sim-port';
import { captureFrame, sameFrame } from '../../../src/extension/simulator/frames';
import { scenarioPlan } from '../../../src/extension/simulator/scenario-plans';
import { MemberSpec } from '../../../src/core/sim/sim-config';

const GB = 1024 ** 3;
const MB = 1024 ** 2;

function cluster(members: MemberSpec[], seed = 1, writeIntervalMs = 100) {
  const sim = new Sim({ seed, writeIntervalMs }, { members, leader: 0 });
  return { sim, port: new SimPort(sim) };
}

const leaderless = (sim: Sim) => sim.meter.snapshot(sim.nowUs).unwritableUs / 1000;

test('defragmenting the leader for longer than the election timeout costs an election; a follower does not', async () => {
  for (const [target, expectElection] of [[0, true], [1, false]] as const) {
    const { sim, port } = cluster([0, 1, 2].map(() => ({ dbSize: GB, dbSizeInUse: GB / 2 })));
    await port.sleep(500);
    const elections = sim.leaderElections;
    const t0 = port.now();
    await port.defragment(sim.members[target].id);
    const took = port.now() - t0;
    // 1 GiB at the default 64 MiB/s: 16 s of stall, answered when done.
    assert.ok(took >= 16_000 && took < 16_100, `defragment answered after ${took} ms`);
    assert.ok(Math.abs(sim.members[target].dbSize - GB / 2) < MB, 'the file shrank to its size in use');
    if (expectElection) {
      assert.ok(sim.leaderElections > elections, 'the followers elected a new leader');
      assert.notEqual(sim.writableLeader(), 0);
      assert.ok(leaderless(sim) > 900, `leaderless ${leaderless(sim)} ms: about an election timeout`);
      await port.sleep(1000);
      assert.notEqual(sim.nodes[0].role, LEADER, 'the old leader stepped down once it resumed');
    } else {
      assert.equal(sim.leaderElections, elections, 'no election');
      assert.equal(sim.writableLeader(), 0, 'the leader kept leading');
      assert.equal(leaderless(sim), 0);
    }
    sim.safety!.checkLogMatching(sim.nodes); // throws on a Raft safety violation
  }
});

test('the stall is proportional to db size and to the configured speed', async () => {
  const stall = async (dbSize: number, defragBytesPerSec?: number) => {
    const sim = new Sim({ seed: 2, storage: { defragBytesPerSec } }, { members: [{ dbSize }, { dbSize }, { dbSize }], leader: 0 });
    const port = new SimPort(sim);
    const t0 = port.now();
    await port.defragment(sim.members[2].id);
    return port.now() - t0;
  };
  const a = await stall(256 * MB);
  const b = await stall(512 * MB);
  const c = await stall(512 * MB, 128 * MB);
  assert.ok(Math.abs(b - 2 * a) < 5, `${a} ms for 256 MiB, ${b} ms for 512 MiB`);
  assert.ok(Math.abs(c - a) < 5, 'twice the speed, half the time');
});

test('a member busy defragmenting answers no reads; the refresh waits it out and shows it unhealthy', async () => {
  const { sim, port } = cluster([0, 1, 2].map(() => ({ dbSize: GB })));
  await port.sleep(300);
  const done = port.defragment(sim.members[2].id);
  await port.sleep(1000);
  await assert.rejects(port.memberStatus(sim.members[2].id), /no answer within 2000 ms/);
  const h = await port.snapshot();
  assert.equal(h.members[2].healthy, false);
  assert.equal(h.members[0].healthy, true);
  assert.equal(h.quorum.ok, true);
  await done;
  const st = await port.memberStatus(sim.members[2].id);
  assert.ok(st.dbSize < GB);
});

test('a defragmentation ended by a kill: the call fails, the db keeps its size', async () => {
  const { sim, port } = cluster([0, 1, 2].map(() => ({ dbSize: GB })));
  const call = port.defragment(sim.members[1].id);
  await port.sleep(2000);
  sim.crash(1);
  await assert.rejects(call, /server stopped/);
  assert.equal(sim.members[1].dbSize, GB);
  sim.restart(1);
  await port.sleep(3000);
  assert.equal(sim.isStalled(1), false);
  assert.equal(sim.nodes[1].applied, sim.nodes[0].applied, 'it caught up after the restart');
});

test('compact moves every member\'s compact revision and frees history; future and compacted revisions are refused', async () => {
  const { sim, port } = cluster([{}, {}, {}], 3, 10);
  await port.sleep(2000); // ~200 writes
  const rev = sim.revisionOf(0);
  const inUseBefore = sim.members[1].dbSizeInUse;
  const sizeBefore = sim.members[1].dbSize;
  await assert.rejects(port.compact(rev + 10_000, sim.members[1].id), { message: MAINTENANCE_ERRORS.futureRev });
  await port.compact(rev - 10, sim.members[1].id);
  assert.equal(sim.members[1].compactRevision, rev - 10, 'answered once the member asked applied it');
  await port.sleep(100);
  assert.deepEqual(sim.members.map((m) => m.compactRevision), [rev - 10, rev - 10, rev - 10], 'through raft: on every member');
  assert.ok(sim.members[1].dbSizeInUse < inUseBefore - 100 * BYTES_PER_WRITE, 'history freed');
  assert.equal(sim.members[1].dbSize, sizeBefore, 'the file keeps its size until a defragmentation');
  await assert.rejects(port.compact(rev - 20, sim.members[0].id), { message: MAINTENANCE_ERRORS.compacted });
});

test('NOSPACE: raised when a db passes its quota, writes refused, listed by alarms() and Status; disarmed; raised again by the next write while still over', async () => {
  const quota = 20 * MB + 50 * BYTES_PER_WRITE;
  const { sim, port } = cluster([0, 1, 2].map(() => ({ dbSize: 20 * MB, dbSizeInUse: 20 * MB, quotaBytes: quota })), 4, 10);
  const ok = await port.clock.waitFor(() => sim.alarmList.length > 0, 5000);
  assert.ok(ok, 'NOSPACE raised');
  const refused = sim.writesRefused;
  await port.sleep(500);
  assert.ok(sim.writesRefused > refused, 'writes are refused while the alarm is raised');
  const alarms = await port.alarms(sim.members[0].id);
  assert.deepEqual(alarms.map((a) => a.memberId).sort(), sim.members.map((m) => m.id).sort(), 'each member applied the same writes and passed its quota');
  assert.ok(alarms.every((a) => a.alarm === 'NOSPACE'));
  const h = await port.snapshot();
  assert.ok(h.members.every((m) => !m.healthy && /alarm active: NOSPACE/.test(m.error ?? '')));
  assert.match(h.members[0].status!.errors[0], /^memberID:\d+ alarm:NOSPACE$/);
  assert.equal(h.members[0].status!.dbSizeQuota, quota, '3.6 reports its quota');
  let left = alarms;
  for (const a of alarms) left = await port.disarmAlarm(a, sim.members[0].id);
  assert.deepEqual(left, []);
  // Still over quota: the next write raises it again, as etcd's quota check does.
  const again = await port.clock.waitFor(() => sim.alarmList.length > 0, 2000);
  assert.ok(again, 'raised again by the next write');
});

test('CORRUPT raised by a scenario blocks writes and can be disarmed through the port', async () => {
  const { sim, port } = cluster([{}, {}, {}]);
  sim.raiseAlarm(2, 'CORRUPT');
  const alarms = await port.alarms(sim.members[1].id);
  assert.deepEqual(alarms, [{ memberId: sim.members[2].id, alarm: 'CORRUPT' }]);
  assert.deepEqual((await port.snapshot()).members[2].alarms, ['CORRUPT']);
  assert.deepEqual(await port.disarmAlarm(alarms[0], sim.members[1].id), []);
});

test('rolling defragmentation of 3 members with 1 GB dbs: leader-last moves leadership away and has no election timeout of leaderless time; leader-first waits out an election', async () => {
  const last = builtinScenario('rolling-defrag-leader-last')!;
  const first = builtinScenario('rolling-defrag-leader-first')!;
  for (const seed of [1, 2, 3]) {
    const a = await runScenario(last.build(3, new Prng(seed)), seed);
    const b = await runScenario(first.build(3, new Prng(seed)), seed);
    assert.deepEqual(a.opErrors, []);
    assert.deepEqual(b.opErrors, []);
    // Leader-last: the only leaderless time is the leadership transfer itself (a few ms), one election.
    assert.ok(a.leaderlessMs < 10, `leader-last: ${a.leaderlessMs} ms leaderless`);
    assert.equal(a.elections, 1, 'the planned transfer only');
    // Leader-first: the followers stop hearing their leader and elect after an election timeout.
    assert.ok(b.leaderlessMs > 1000, `leader-first: ${b.leaderlessMs} ms leaderless`);
    assert.ok(b.elections >= 1);
    assert.equal(a.quorumLost || b.quorumLost, false);
    // Three 16 s stalls of a 3-member cluster: no spare failure meanwhile, either way.
    assert.ok(a.zeroFaultToleranceMs > 3 * 14_000);
  }
});

test('Monte-Carlo over the new scenarios is deterministic per seed', async () => {
  for (const name of ['rolling-defrag-leader-first', 'hetzner-replace-second-failure', 'k0s-certs-only-join', 'rke2-three-joins']) {
    const b = builtinScenario(name)!;
    const run = () => runMonteCarlo((seed) => b.build(Math.max(3, b.minMembers), new Prng(seed)), { runs: 8, seed: 11, wallClock: () => 0 });
    const [x, y] = [await run(), await run()];
    assert.deepEqual(x, y, name);
  }
});

test('the simulator panel\'s frame shows a member busy defragmenting, until when, and its db shrinking', async () => {
  const { sim, port } = cluster([0, 1, 2].map(() => ({ dbSize: GB, dbSizeInUse: GB / 4 })));
  const call = port.defragment(sim.members[1].id);
  await port.sleep(1000);
  const during = captureFrame(sim).nodes[1];
  assert.ok(during.busyUntil !== null && Math.abs(during.busyUntil - 16_000) < 5, `busy until ${during.busyUntil}`);
  assert.equal(during.dbMiB, 1024);
  await call;
  const after = captureFrame(sim).nodes[1];
  assert.equal(after.busyUntil, null);
  assert.ok(Math.abs(after.dbMiB - 256) < 1, `db ${after.dbMiB} MiB after`);
  assert.equal(sameFrame(captureFrame(sim), { ...captureFrame(sim), nodes: [captureFrame(sim).nodes[0], during, captureFrame(sim).nodes[2]] }), false);
});

test('the panel compares the two defragmentation orders side by side: each built-in names its counterpart, and the plans differ as they should', async () => {
  for (const b of BUILTIN_SCENARIOS) if (b.compareWith) assert.ok(builtinScenario(b.compareWith), `${b.name} compares with a scenario that exists`);
  assert.equal(builtinScenario('rolling-defrag-leader-first')!.compareWith, 'rolling-defrag-leader-last');
  const first = await scenarioPlan('rolling-defrag-leader-first', 3, 10, 1);
  const last = await scenarioPlan('rolling-defrag-leader-last', 3, 10, 1);
  assert.equal(first.okRuns + last.okRuns, 20);
  assert.ok(last.leaderlessMs.max < 10 && first.leaderlessMs.p50 > 1000, `leader-last ${JSON.stringify(last.leaderlessMs)} vs leader-first ${JSON.stringify(first.leaderlessMs)}`);
  assert.ok(first.elections.mean > last.elections.mean);
});
