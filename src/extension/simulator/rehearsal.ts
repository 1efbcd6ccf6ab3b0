// "Rehearse…": the operation the operator is about to run (remove a member, transfer leadership to one),
// run first on a simulated copy of the real cluster's topology through the very same ops-engine functions
// (moveLeader / removeMember from src/core/ops) over a SimPort. One run is recorded for the panel; many
// seeds, each with the operation starting at another moment of the heartbeat and write cycle, give the
// Monte-Carlo summary. Removing the leader is also compared with what k0s did: MemberRemove straight to it.
// No vscode import: the rehearsal is tested without VS Code.
import { ClusterHealth } from '../../core/cluster-model';
import { moveLeader, OpResult, removeMember } from '../../core/ops';
import { Sim } from '../../core/sim/engine';
import { distribution } from '../../core/sim/monte-carlo';
import { mix32, Prng } from '../../core/sim/prng';
import { bit, NONE } from '../../core/sim/raft-node';
import { SimPort } from '../../core/sim/sim-port';
import { describeRules } from '../../core/sim/version-rules';
import { OpSummary, PlanSummary } from './protocol';
import { Built, summarizeOp, unwritableSoFar } from './session';
import { importTopology, ImportedTopology } from './topology-import';

export type RehearsalOp = 'remove-member' | 'move-leader';
/** 'engine': the ops engine's safe plan. 'direct': one raw MemberRemove sent to the leader (removal only). */
export type RehearsalPlan = 'engine' | 'direct';

export interface RehearsalRequest {
  health: ClusterHealth;
  op: RehearsalOp;
  /** Hex id of the member invoked on: the one to remove, or the one to hand leadership to. */
  target: string;
  maxLagEntries?: number;
  /** Client writes during the run, ms apart (default 200). */
  writeIntervalMs?: number;
}

export interface RehearsalRun {
  seed: number;
  plan: RehearsalPlan;
  op: OpSummary;
  /** Time without a leader able to commit, over the whole run, ms. */
  leaderlessMs: number;
  longestLeaderlessMs: number;
  elections: number;
  quorumLost: boolean;
  writableAtEnd: boolean;
  /** Whether the target is still in the member list as the surviving leader sees it at the end. */
  targetStillMember: boolean;
  /** Name of the member leading at the end, null if none. */
  leaderAtEnd: string | null;
}

/** Steady state shown before the operation starts, ms of virtual time. */
export const REHEARSAL_LEAD_IN_MS = 300;
/** Simulated time after the operation ends: the removed member stops, elections settle. */
export const REHEARSAL_SETTLE_MS = 3000;

/** When the operation starts in run `seed`: after the lead-in, somewhere in one election timeout. */
export function opStartMs(seed: number, electionMs: number): number {
  const rng = new Prng(mix32((seed ^ 0x4e4ea25e) >>> 0));
  return REHEARSAL_LEAD_IN_MS + Math.round(rng.range(0, electionMs) * 1000) / 1000;
}

export function planTitle(req: Pick<RehearsalRequest, 'op'>, targetName: string, plan: RehearsalPlan): string {
  if (req.op === 'move-leader') return `Transfer leadership to ${targetName}`;
  return plan === 'engine' ? `Remove ${targetName} (safe plan: transfer first if it leads)` : `Remove ${targetName} directly (MemberRemove to the leader)`;
}

export function buildRehearsalSim(topology: ImportedTopology, seed: number, writeIntervalMs = 200): { sim: Sim; port: SimPort } {
  const sim = new Sim({ seed, network: { latencyMs: topology.latencyMs, jitterMs: topology.latencyMs / 2 }, writeIntervalMs, rules: topology.rules,
    measured: topology.measured }, topology.spec);
  return { sim, port: new SimPort(sim) };
}

async function runPlan(req: RehearsalRequest, sim: Sim, port: SimPort, plan: RehearsalPlan): Promise<OpResult | string> {
  const options = { confirm: async () => true, maxLagEntries: req.maxLagEntries, targetById: true };
  if (req.op === 'move-leader') return moveLeader(port, req.target, options);
  if (plan === 'engine') return removeMember(port, req.target, options);
  const lead = sim.writableLeader();
  if (lead === NONE) throw new Error('no leader to send MemberRemove to');
  await port.removeMember(req.target, sim.members[lead].id);
  return `MemberRemove sent to the leader ${sim.members[lead].name}: removed`;
}

/** The rehearsal's script: lead-in, the operation, settle. Used by the recorded session and by every Monte-Carlo run. */
export async function rehearsalScript(req: RehearsalRequest, sim: Sim, port: SimPort, seed: number, plan: RehearsalPlan,
  report: (op: OpSummary) => void): Promise<void> {
  const targetSlot = sim.slotOf(req.target);
  const targetName = targetSlot >= 0 ? (sim.members[targetSlot].name || req.target) : req.target;
  const title = planTitle(req, targetName, plan);
  await port.sleep(opStartMs(seed, sim.timing.electionMs) - sim.nowMs);
  const started = sim.nowMs;
  const before = unwritableSoFar(sim);
  try {
    const r = await runPlan(req, sim, port, plan);
    if (typeof r === 'string') {
      report({ started, ended: sim.nowMs, title, ok: true, refused: false, reason: r, plan: [title], checks: [],
        steps: [{ name: 'member remove', status: 'done', detail: r, ms: Math.round(sim.nowMs - started) }],
        leaderlessMs: null, unwritableMs: Math.round((unwritableSoFar(sim) - before) * 10) / 10 });
    } else {
      report(summarizeOp(title, r, started, sim.nowMs, unwritableSoFar(sim) - before));
    }
  } catch (err) {
    const reason = (err as Error).message;
    report({ started, ended: sim.nowMs, title, ok: false, refused: false, reason, plan: [title], checks: [],
      steps: [{ name: 'member remove', status: 'failed', detail: reason, ms: Math.round(sim.nowMs - started) }],
      leaderlessMs: null, unwritableMs: Math.round((unwritableSoFar(sim) - before) * 10) / 10 });
  }
  await port.sleep(REHEARSAL_SETTLE_MS);
}

/** A deterministic build of the rehearsal for seed `seed`, for a recorded session. */
export function rehearsalBuild(req: RehearsalRequest, topology: ImportedTopology, seed: number, plan: RehearsalPlan): () => Built {
  return () => {
    const { sim, port } = buildRehearsalSim(topology, seed, req.writeIntervalMs);
    return { sim, port, script: (report) => rehearsalScript(req, sim, port, seed, plan, report) };
  };
}

/** Outcome of a finished run, from the simulator's own measurements. */
export function outcomeOf(sim: Sim, req: RehearsalRequest, seed: number, plan: RehearsalPlan, op: OpSummary): RehearsalRun {
  const m = sim.meter.snapshot(sim.nowUs);
  const lead = sim.writableLeader();
  const targetSlot = sim.slotOf(req.target);
  const stallMs = 5 * sim.timing.electionMs;
  const longest = m.longestUnwritableUs / 1000;
  return {
    seed, plan, op,
    leaderlessMs: Math.round(m.unwritableUs / 100) / 10,
    longestLeaderlessMs: Math.round(longest * 10) / 10,
    elections: sim.leaderElections,
    quorumLost: !sim.meter.isWritable || longest > stallMs,
    writableAtEnd: sim.meter.isWritable,
    targetStillMember: lead !== NONE && targetSlot >= 0 && ((sim.nodes[lead].voters | sim.nodes[lead].learners) & bit(targetSlot)) !== 0,
    leaderAtEnd: lead === NONE ? null : sim.members[lead].name,
  };
}

/** One unrecorded rehearsal run. */
export async function rehearseOnce(req: RehearsalRequest, topology: ImportedTopology, seed: number, plan: RehearsalPlan): Promise<RehearsalRun> {
  const { sim, port } = buildRehearsalSim(topology, seed, req.writeIntervalMs);
  let op: OpSummary | null = null;
  await rehearsalScript(req, sim, port, seed, plan, (o) => { op = o; });
  return outcomeOf(sim, req, seed, plan, op!);
}

/** Runs that hurt more come first: quorum lost, then the longest stall, then total leaderless time. */
export function worseRun(a: Pick<RehearsalRun, 'quorumLost' | 'longestLeaderlessMs' | 'leaderlessMs'>, b: typeof a): boolean {
  if (a.quorumLost !== b.quorumLost) return a.quorumLost;
  if (a.longestLeaderlessMs !== b.longestLeaderlessMs) return a.longestLeaderlessMs > b.longestLeaderlessMs;
  return a.leaderlessMs > b.leaderlessMs;
}

export interface MonteCarloProgress {
  (done: number, total: number): void;
}

export async function rehearsalMonteCarlo(req: RehearsalRequest, topology: ImportedTopology, plan: RehearsalPlan, runs: number, seed: number,
  onProgress?: MonteCarloProgress, cancelled?: () => boolean): Promise<PlanSummary> {
  const started = performance.now();
  const results: RehearsalRun[] = [];
  const errors = new Map<string, number>();
  for (let i = 0; i < runs && !cancelled?.(); i++) {
    const r = await rehearseOnce(req, topology, (seed + i) >>> 0, plan);
    results.push(r);
    if (!r.op.ok) errors.set(r.op.reason, (errors.get(r.op.reason) ?? 0) + 1);
    onProgress?.(i + 1, runs);
  }
  let worst = results[0];
  for (const r of results) if (worseRun(r, worst)) worst = r;
  const targetName = topology.names.get(req.target) ?? req.target;
  return {
    key: plan,
    label: plan === 'engine' ? (req.op === 'move-leader' ? 'transfer (ops engine)' : 'safe plan (ops engine)') : 'direct MemberRemove',
    plan: planTitle(req, targetName, plan),
    runs: results.length,
    seed,
    okRuns: results.filter((r) => r.op.ok).length,
    quorumLostRuns: results.filter((r) => r.quorumLost).length,
    leaderlessMs: distribution(results.map((r) => r.leaderlessMs)),
    longestLeaderlessMs: distribution(results.map((r) => r.longestLeaderlessMs)),
    elections: distribution(results.map((r) => r.elections)),
    perRun: results.map((r) => r.leaderlessMs),
    worstSeed: worst?.seed ?? seed,
    worstLeaderlessMs: worst?.leaderlessMs ?? 0,
    errors: [...errors].map(([error, count]) => ({ error, count })).sort((a, b) => b.count - a.count).slice(0, 5),
    wallMs: Math.round(performance.now() - started),
    rules: describeRules(topology.rules),
  };
}

export { importTopology };
