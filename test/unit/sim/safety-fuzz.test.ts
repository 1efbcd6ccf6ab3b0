// Raft's safety properties over thousands of seeded random runs: crashes and restarts, partitions, message
// loss, leader transfers, membership changes, defragmentation stalls, compactions, raft-log compaction with
// snapshots of a random size in flight, a steady stream of writes. The engine's SafetyChecker checks
// Election Safety, Leader Completeness and State Machine Safety as events happen; Log Matching is checked
// across all pairs of logs at the end of each run. A second test breaks Raft on purpose (votes granted to
// stale logs) and expects the checks to catch it, so a silent checker cannot pass.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Sim } from '../../../src/core/sim/engine';
import { Prng } from '../../../src/core/sim/prng';
import { CONF_ADD_LEARNER, CONF_ADD_VOTER, CONF_REMOVE, encodeConf, RaftLog } from '../../../src/core/sim/raft-log';
import { SafetyViolation } from '../../../src/core/sim/raft-node';

const RUNS = Number(process.env.SIM_FUZZ_RUNS ?? 2000);

/** One random run; returns facts for the aggregate assertions. Throws SafetyViolation on a broken property. */
let defragsStarted = 0;
function stallsOf(_sim: Sim): number {
  const n = defragsStarted;
  defragsStarted = 0;
  return n;
}

function fuzzRun(seed: number): { elections: number; commit: number; events: number; snapshots: number; stalls: number } {
  const rng = new Prng(seed ^ 0x7e57);
  const n = rng.chance(0.5) ? 3 : 5;
  const sim = new Sim({
    seed,
    writeIntervalMs: 15,
    network: { latencyMs: rng.range(0.2, 5), jitterMs: rng.range(0, 10), loss: rng.chance(0.3) ? rng.range(0, 0.1) : 0 },
    timing: { preVote: rng.chance(0.8), checkQuorum: rng.chance(0.8) },
    // Half the runs compact their raft logs often, so followers and new members catch up by snapshots that
    // take up to seconds to land.
    storage: rng.chance(0.5)
      ? { snapshotCount: 30 + rng.int(200), catchUpEntries: rng.int(40), snapshotBytesPerSec: rng.range(2e6, 1e9), defragBytesPerSec: 16 * 1024 * 1024 }
      : { defragBytesPerSec: 16 * 1024 * 1024 },
  }, { members: Array.from({ length: n }, () => ({ dbSize: Math.round(rng.range(1e6, 5e7)) })), leader: rng.chance(0.2) ? null : 0 });
  const end = 4000;
  const faults = 4 + rng.int(8);
  for (let i = 0; i < faults; i++) {
    const at = rng.range(100, end - 500);
    const s = rng.int(n);
    const kind = rng.int(8);
    if (kind === 0) sim.schedule(at, () => { sim.crash(s); sim.after(rng.range(50, 1500), () => sim.restart(s)); });
    else if (kind === 1) {
      sim.schedule(at, () => {
        const groups: number[][] = [[], []];
        for (let k = 0; k < sim.members.length; k++) groups[rng.int(2)].push(k);
        sim.partition(groups);
        sim.after(rng.range(100, 2000), () => sim.heal());
      });
    } else if (kind === 2) sim.schedule(at, () => { sim.setLoss(rng.range(0.05, 0.4)); sim.after(rng.range(100, 1000), () => sim.setLoss(0)); });
    else if (kind === 3) {
      sim.schedule(at, () => {
        const l = sim.writableLeader();
        if (l >= 0) sim.transferLeadership(l, rng.int(sim.members.length));
      });
    } else if (kind === 4) {
      // Membership churn through whoever is asked: remove a member, or add a learner and promote it later.
      sim.schedule(at, () => {
        const via = rng.int(sim.members.length);
        if (rng.chance(0.5) && sim.members.length < 8) {
          const m = sim.newMemberSlot([`https://10.7.0.${sim.members.length}:2380`]);
          sim.proposeConfChange(via, encodeConf(CONF_ADD_LEARNER, m.slot));
          sim.after(rng.range(10, 300), () => sim.restart(m.slot));
          sim.after(rng.range(300, 1500), () => sim.proposeConfChange(rng.int(sim.members.length), encodeConf(CONF_ADD_VOTER, m.slot)));
        } else {
          sim.proposeConfChange(via, encodeConf(CONF_REMOVE, rng.int(sim.members.length)));
        }
      });
    } else if (kind === 5) sim.schedule(at, () => sim.gracefulStop(s, () => sim.after(rng.range(100, 1000), () => sim.restart(s))));
    else if (kind === 6) sim.schedule(at, () => { if (sim.members[s].running && !sim.isStalled(s)) { sim.defragment(s); defragsStarted++; } });
    else sim.schedule(at, () => { const via = rng.int(sim.members.length); sim.proposeCompaction(via, Math.max(1, sim.revisionOf(via) - rng.int(100))); });
  }
  sim.runUntil(end);
  sim.heal();
  sim.setLoss(0);
  sim.runUntil(end + 3000);
  sim.safety!.checkLogMatching(sim.nodes);
  const commit = Math.max(...sim.nodes.map((x) => x.commit));
  return { elections: sim.leaderElections, commit, events: sim.events, snapshots: sim.snapshotsInstalled, stalls: stallsOf(sim) };
}

test(`Raft safety holds over ${RUNS} seeded random runs (faults, partitions, loss, transfers, membership changes, defragmentation stalls, snapshots)`, () => {
  let elections = 0;
  let progressed = 0;
  let events = 0;
  let snapshots = 0;
  let stalls = 0;
  for (let seed = 1; seed <= RUNS; seed++) {
    let r;
    try {
      r = fuzzRun(seed);
    } catch (err) {
      assert.fail(`seed ${seed}: ${(err as Error).message}`);
    }
    elections += r.elections;
    events += r.events;
    snapshots += r.snapshots;
    stalls += r.stalls;
    if (r.commit > 1000 + 50) progressed++;
  }
  // The runs must actually stress elections and make progress, or the properties hold vacuously.
  assert.ok(elections > RUNS, `only ${elections} leader elections over ${RUNS} runs`);
  assert.ok(progressed > RUNS * 0.9, `only ${progressed} of ${RUNS} runs committed writes`);
  assert.ok(events > RUNS * 1000);
  assert.ok(snapshots > RUNS / 2, `only ${snapshots} snapshots installed over ${RUNS} runs`);
  assert.ok(stalls > RUNS / 4, `only ${stalls} defragmentations over ${RUNS} runs`);
});

test('the checks catch a broken Raft: granting votes to candidates with stale logs violates Leader Completeness', () => {
  const original = RaftLog.prototype.isUpToDate;
  RaftLog.prototype.isUpToDate = () => true;
  let caught: SafetyViolation | null = null;
  try {
    for (let seed = 1; seed <= 500 && !caught; seed++) {
      try { fuzzRun(seed); } catch (err) {
        if (err instanceof SafetyViolation) caught = err;
        else throw err;
      }
    }
  } finally {
    RaftLog.prototype.isUpToDate = original;
  }
  assert.ok(caught, 'no violation detected in 500 runs of a broken Raft');
  assert.match(caught.message, /leader completeness|committed with term|state machine safety|log matching|conflicts with committed/);
});
