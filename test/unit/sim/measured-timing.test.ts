// A rehearsal at the cluster's measured speed: simTimingFromMetrics takes the per-member figures of a metrics
// window (peer RTT p99, WAL fsync p50/p99) and the simulator uses them as per-link delay and disk latency.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { emptyFigures, MemberFigures } from '../../../src/core/metrics/figures';
import { Sim } from '../../../src/core/sim/engine';
import { simTimingFromMetrics } from '../../../src/core/sim/measured-timing';
import { runScenario } from '../../../src/core/sim/scenario-run';
import { builtinScenario } from '../../../src/core/sim/scenarios';
import { SimPort } from '../../../src/core/sim/sim-port';
import { memberIdFor, MeasuredTiming } from '../../../src/core/sim/sim-config';
import { Prng } from '../../../src/core/sim/prng';

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
