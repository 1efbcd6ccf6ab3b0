// A rehearsal at the cluster's measured speed: simTimingFromMetrics takes the per-member figures of a metrics
// window (peer RTT p99, WAL fsync p50/p99) and the simulator uses them as per-link delay and disk latency.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ClusterHealth, MemberHealth } from '../../../src/core/cluster-model';
import { emptyFigures, MemberFigures } from '../../../src/core/metrics/figures';
import { Sim } from '../../../src/core/sim/engine';
import { simTimingFromMetrics } from '../../../src/core/sim/measured-timing';
import { runScenario } from '../../../src/core/sim/scenario-run';
import { builtinScenario } from '../../../src/core/sim/scenarios';
import { SimPort } from '../../../src/core/sim/sim-port';
import { memberIdFor, MeasuredTiming } from '../../../src/core/sim/sim-config';
import { Prng } from '../../../src/core/sim/prng';
import { simFromHealth } from '../../../src/core/sim/topology';
import { buildRehearsalSim, importTopology, rehearseOnce } from '../../../src/extension/simulator/rehearsal';
import { health as panelHealth } from '../simulator-panel/health-fixture';

const ids = ['m1', 'm2', 'm3'].map((n) => memberIdFor(n));

function figures(id: string, name: string, over: Partial<MemberFigures>): MemberFigures {
  return { ...emptyFigures(id, name, `https://${name}:2379`, null), ...over };
}

test('simTimingFromMetrics: each pair once with the larger RTT either side measured; fsync p50/p99 per member; members without figures left out', () => {
  const t = simTimingFromMetrics([
    figures(ids[0], 'm1', { peerRttP99Ms: { [ids[1]]: 4, [ids[2]]: 40 }, walFsyncP50Ms: 1, walFsyncP99Ms: 8 }),
    figures(ids[1], 'm2', { peerRttP99Ms: { [ids[0]]: 6, [ids[2]]: 42 }, walFsyncP50Ms: 2, walFsyncP99Ms: 3 }),
    figures(ids[2], 'm3', { peerRttP99Ms: {}, walFsyncP50Ms: null, walFsyncP99Ms: 30 }),
    { ...emptyFigures('dead', 'm4', null, 'connection refused'), walFsyncP50Ms: 99 },
  ]);
  const rtt = Object.fromEntries(t.peerRtt.map((p) => [[p.a, p.b].sort().join('|'), p.rttMs]));
  assert.deepEqual(rtt, {
    [[ids[0], ids[1]].sort().join('|')]: 6,
    [[ids[0], ids[2]].sort().join('|')]: 40,
    [[ids[1], ids[2]].sort().join('|')]: 42,
  });
  assert.deepEqual(t.walFsync, [
    { id: ids[0], p50Ms: 1, p99Ms: 8 },
    { id: ids[1], p50Ms: 2, p99Ms: 3 },
    { id: ids[2], p50Ms: 30, p99Ms: 30 },
  ]);
});

function measured(rttMs: number, fsyncMs: number): MeasuredTiming {
  return {
    peerRtt: [{ a: ids[0], b: ids[1], rttMs }, { a: ids[0], b: ids[2], rttMs }, { a: ids[1], b: ids[2], rttMs: 2 }],
    walFsync: ids.map((id) => ({ id, p50Ms: fsyncMs, p99Ms: fsyncMs })).concat([{ id: 'ffff', p50Ms: 1, p99Ms: 1 }]),
  };
}

/** Virtual time from a write proposed at the leader until the leader commits it. */
async function commitLatency(m: MeasuredTiming | undefined): Promise<{ ms: number; sim: Sim }> {
  const sim = new Sim({ seed: 1, network: { latencyMs: 1, jitterMs: 0 }, measured: m }, { members: [{}, {}, {}], leader: 0 });
  const port = new SimPort(sim);
  await port.sleep(300);
  const target = sim.nodes[0].log.lastIndex() + 1;
  const t0 = port.now();
  assert.ok(sim.propose(0, 12345));
  await port.clock.waitFor(() => sim.nodes[0].commit >= target, 5000);
  return { ms: port.now() - t0, sim };
}

test('the simulated links and disks take the measured figures, and a write commits at the measured speed', async () => {
  const base = await commitLatency(undefined);
  const slow = await commitLatency(measured(40, 10));
  const { sim } = slow;
  assert.equal(sim.net.linkLatencyMs(0, 1), 20, 'one way = half the round trip');
  assert.equal(sim.net.linkLatencyMs(1, 2), 1, 'the fastest link sets the base latency');
  assert.equal(sim.members[1].diskUs, 10_000);
  assert.deepEqual(sim.measuredTiming!.unknownIds, ['ffff']);
  assert.equal(sim.measuredTiming!.links['m1|m2'], 20);
  // Unmeasured: 2 ms there and back. Measured: 20 ms out, 10 ms fsync, 20 ms back.
  assert.ok(base.ms >= 2 && base.ms < 3, `unmeasured commit after ${base.ms} ms`);
  assert.ok(slow.ms >= 50 && slow.ms < 51, `measured commit after ${slow.ms} ms`);
});

test('a rehearsal runs with measured timing and stays deterministic', async () => {
  const b = builtinScenario('remove-leader')!;
  const m = measured(30, 5);
  const a = await runScenario(b.build(3, new Prng(4)), 4, { measured: m });
  const again = await runScenario(b.build(3, new Prng(4)), 4, { measured: m });
  const plain = await runScenario(b.build(3, new Prng(4)), 4);
  assert.deepEqual(a, again);
  assert.equal(a.quorumLost, false);
  assert.deepEqual(a.opErrors, []);
  assert.notEqual(a.events, plain.events, 'the measured delays changed the run');
});

test('an imported topology brings its db sizes and quota, and runs with the metrics measured on it', async () => {
  const status = (dbSize: number) => ({ leader: 'b2', raftTerm: 3, raftIndex: 500, appliedIndex: 500, dbSize, dbSizeInUse: dbSize / 2, version: '3.6.14', isLearner: false, errors: [], dbSizeQuota: 8 * 1024 ** 3 });
  const member = (id: string, name: string, dbSize: number, isLeader = false): MemberHealth => ({
    id, name, peerURLs: [`https://${name}:2380`], clientURLs: [`https://${name}:2379`], isLearner: false, started: true,
    endpoint: `https://${name}:2379`, healthy: true, isLeader, latencyMs: 1, error: null, alarms: [], status: status(dbSize),
  });
  const health: ClusterHealth = {
    clusterId: 'c1', leader: 'b2', members: [member('a1', 'cp-1', 1e9), member('b2', 'cp-2', 2e9, true), member('c3', 'cp-3', 3e9)],
    quorum: { voters: 3, healthy: 3, needed: 2, ok: true }, findings: [], endpoints: [], takenAt: 0, durationMs: 1,
  };
  const m = simTimingFromMetrics([
    figures('a1', 'cp-1', { peerRttP99Ms: { b2: 10, c3: 10 }, walFsyncP50Ms: 4, walFsyncP99Ms: 4 }),
    figures('b2', 'cp-2', { peerRttP99Ms: { c3: 2 } }),
  ]);
  const sim = simFromHealth(health, undefined, { measured: m });
  assert.deepEqual(sim.members.map((x) => x.dbSize), [1e9, 2e9, 3e9]);
  assert.deepEqual(sim.members.map((x) => x.dbSizeInUse), [5e8, 1e9, 1.5e9]);
  assert.ok(sim.members.every((x) => x.quotaBytes === 8 * 1024 ** 3));
  assert.equal(sim.alarmList.length, 0, 'under quota: no alarm');
  assert.equal(sim.net.linkLatencyMs(0, 1), 5);
  assert.equal(sim.net.linkLatencyMs(1, 2), 1);
  assert.equal(sim.members[0].diskUs, 4000);
  // Defragmenting cp-3 takes its own 3 GB at the default speed.
  assert.ok(Math.abs(sim.defragMs(2) - (3e9 / (64 * 1024 * 1024)) * 1000) < 1);
});

test('"Rehearse…" at the measured speed: the imported topology carries the figures and the rehearsal runs on them', async () => {
  const h = panelHealth();
  const [a, b, c] = h.members.map((m) => m.id as string);
  const m = simTimingFromMetrics([
    figures(a, 'etcd-a', { peerRttP99Ms: { [b]: 60, [c]: 60 }, walFsyncP50Ms: 5, walFsyncP99Ms: 9 }),
    figures(b, 'etcd-b', { peerRttP99Ms: { [c]: 2 } }),
  ]);
  const measuredTopology = importTopology(h, m);
  assert.match(measuredTopology.notes.join('\n'), /measured round trips/);
  const plainTopology = importTopology(h);
  assert.equal(plainTopology.measured, undefined);
  const { sim } = buildRehearsalSim(measuredTopology, 1);
  assert.equal(sim.net.linkLatencyMs(0, 1), 30);
  assert.equal(sim.members[0].diskUs, 5000);
  const fast = await rehearseOnce({ health: h, op: 'move-leader', target: b }, plainTopology, 3, 'engine');
  const slow = await rehearseOnce({ health: h, op: 'move-leader', target: b }, measuredTopology, 3, 'engine');
  assert.equal(fast.op.ok && slow.op.ok, true);
  const took = (r: typeof fast) => r.op.ended - r.op.started;
  assert.ok(took(slow) > took(fast) + 30, `the transfer took ${took(fast)} ms unmeasured, ${took(slow)} ms at the measured 60 ms round trip`);
});
