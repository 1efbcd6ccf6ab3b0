// Runs one scenario once, for one seed: builds the cluster, executes its steps in virtual time (operations
// through the SimPort, the safe ones through the real ops engine), and reports what an operator would feel.
import { sameId } from '../ids';
import { removeMember as safeRemoveMember } from '../ops';
import { ClusterSpec, MemberSpec, Sim, SimTiming } from './engine';
import { requestTimeoutMs } from './etcd-server';
import { mix32, Prng } from './prng';
import { MsgPool } from './messages';
import { LEADER, NONE } from './raft-node';
import { ScenarioSpec, ScenarioStep } from './scenarios';
import { SimPort } from './sim-port';
import type { MeasuredTiming } from './sim-config';
import { TraceSink } from './trace';
import { defaultRules, describeRules, rulesFromVersions, VersionRules } from './version-rules';

export interface RunOptions {
  /** Overrides the scenario's timing (e.g. from CLI flags or an imported topology). */
  timing?: Partial<SimTiming>;
  /** A stretch without a writable leader (or without committed writes) longer than this counts as quorum lost. Default 5 election timeouts. */
  stallMs?: number;
  trace?: TraceSink;
  /** Start from this cluster (e.g. an imported topology) instead of the scenario's members/leader/down. */
  cluster?: ClusterSpec;
  /** Check Raft's safety properties during the run (default true). */
  checkSafety?: boolean;
  /** The etcd version's rules; default: the imported cluster's version (`cluster`), else the default version's. */
  rules?: VersionRules;
  /** Measured peer round trips and fsync latencies (simTimingFromMetrics) to run at the cluster's own speed. */
  measured?: MeasuredTiming;
}

export interface OpError {
  atMs: number;
  action: string;
  error: string;
}

export interface RunResult {
  seed: number;
  /** Simulated length of the run, ms. */
  simulatedMs: number;
  /** Total time no member-leader could commit a write, ms. */
  leaderlessMs: number;
  longestLeaderlessMs: number;
  /** Longest gap between committed writes, ms (client writes and raft's own entries). */
  longestCommitGapMs: number;
  quorumLost: boolean;
  writableAtEnd: boolean;
  /** Leaders elected during the run. */
  elections: number;
  /** From the first step's start until the cluster could commit again for good; 0 without an outage, null if it never recovered. */
  timeToStableMs: number | null;
  opErrors: OpError[];
  events: number;
  messagesDelivered: number;
  writesProposed: number;
  /** Entries the leaders committed (client writes, their own empty entries, membership changes). */
  entriesCommitted: number;
  /** Time during which one more failure would have stopped writes (leaderless time included), ms. */
  zeroFaultToleranceMs: number;
  /** Raft snapshots sent to followers (a member too far behind, or new, gets the whole db). */
  snapshotsSent: number;
  /** Client writes refused because an alarm (NOSPACE, CORRUPT) was raised. */
  writesRefused: number;
  /** The etcd version's rules the run followed, and the same in words (with what the run's timing set otherwise). */
  rules: VersionRules;
  rulesText: string;
}

/** Simulated time a run goes on after its last step (a removed member stops 1 s after its removal, etc.). */
const DEFAULT_SETTLE_MS = 2000;
/** A client write every 500 ms by default: enough to see commits stall, light enough for 1000-run rehearsals. */
export const DEFAULT_WRITE_INTERVAL_MS = 500;

/** The scenario's own random choices (leader, jitters) use a stream apart from the simulation's. */
export function scenarioRng(seed: number): Prng {
  return new Prng(mix32(seed ^ 0x5ca1ab1e));
}

function nameSlot(spec: ScenarioSpec, ref: string): number {
  const m = /^m(\d+)$/.exec(ref);
  const n = spec.members ?? 3;
  if (ref === 'first') return 0;
  if (!m || Number(m[1]) < 1 || Number(m[1]) > n) throw new Error(`"${ref}" is not a member at the start (m1..m${n})`);
  return Number(m[1]) - 1;
}

export function clusterSpecFor(spec: ScenarioSpec, rng: Prng): ClusterSpec {
  const n = spec.members ?? 3;
  const down = new Set((spec.down ?? []).map((r) => nameSlot(spec, r)));
  const learners = new Set((spec.learners ?? []).map((r) => nameSlot(spec, r)));
  const members: MemberSpec[] = Array.from({ length: n }, (_, i) => ({
    name: `m${i + 1}`, learner: learners.has(i), running: !down.has(i),
    dbSize: spec.dbSizeBytes, dbSizeInUse: spec.dbSizeInUseBytes, quotaBytes: spec.quotaBytes,
  }));
  const candidates = members.map((m, i) => i).filter((i) => !learners.has(i) && !down.has(i));
  let leader: number | null;
  const ref = spec.leader ?? 'm1';
  if (ref === 'none') leader = null;
  else if (ref === 'random') leader = candidates.length ? rng.pick(candidates) : null;
  else leader = nameSlot(spec, ref);
  return { members, leader };
}

class StepRunner {
  readonly errors: OpError[] = [];
  private joins = 0;

  /** `annotate`: also put refused steps and join retries in the event list, in words (the simulator panel shows them). */
  constructor(readonly sim: Sim, readonly port: SimPort, readonly rng: Prng, private readonly annotate = false) {}

  private note(detail: string): void {
    if (this.annotate) this.sim.emit(null, 'note', null, { detail });
  }

  private running(): number[] {
    return this.sim.members.filter((m) => m.running && m.started).map((m) => m.slot);
  }

  resolve(ref: string): number {
    const sim = this.sim;
    switch (ref) {
      case 'leader': {
        const l = sim.writableLeader();
        if (l !== NONE) return l;
        const any = sim.nodes.findIndex((n, s) => n.role === LEADER && sim.members[s].running);
        if (any >= 0) return any;
        throw new Error('no member leads right now');
      }
      case 'follower': {
        const f = this.running().filter((s) => sim.nodes[s].role !== LEADER && sim.nodes[s].isVoter());
        if (!f.length) throw new Error('no running follower');
        return this.rng.pick(f);
      }
      case 'random': {
        const r = this.running();
        if (!r.length) throw new Error('no running member');
        return this.rng.pick(r);
      }
      case 'first': return 0;
      case 'newest': return sim.members.length - 1;
      default: {
        const s = sim.members.findIndex((m) => m.name === ref || m.plannedName === ref || sameId(m.id, ref));
        if (s >= 0) return s;
        // "mN" also means the N-th member, so built-in scenarios apply to imported clusters with real names.
        const nth = /^m(\d+)$/.exec(ref);
        if (nth && Number(nth[1]) >= 1 && Number(nth[1]) <= sim.members.length) return Number(nth[1]) - 1;
        throw new Error(`no member "${ref}"`);
      }
    }
  }

  /** Latest simulated time at which a step's scheduled undo (restart, heal, loss 0) or start happens. */
  pendingUntilMs = 0;

  private duration(step: ScenarioStep): number | null {
    if (step.durationMs === undefined) return null;
    const d = step.durationMs + (step.durationJitterMs ? this.rng.range(0, step.durationJitterMs) : 0);
    this.pendingUntilMs = Math.max(this.pendingUntilMs, this.sim.nowMs + d);
    return d;
  }

  async run(step: ScenarioStep): Promise<void> {
    try {
      await this.exec(step);
    } catch (err) {
      if (this.port.clock.failure) throw this.port.clock.failure; // the simulation broke: not an operation error
      const error = (err as Error).message;
      this.errors.push({ atMs: Math.round(this.sim.nowMs), action: step.action, error });
      this.note(`scenario step ${step.action} failed: ${error}`);
    }
  }

  private async exec(step: ScenarioStep): Promise<void> {
    const { sim, port } = this;
    const dur = this.duration(step);
    switch (step.action) {
      case 'crash': {
        const s = this.resolve(step.member!);
        sim.crash(s);
        if (dur !== null) sim.after(dur, () => sim.restart(s));
        return;
      }
      case 'restart': sim.restart(this.resolve(step.member!)); return;
      case 'stop': {
        const s = this.resolve(step.member!);
        sim.gracefulStop(s);
        await port.clock.waitFor(() => !sim.members[s].running, requestTimeoutMs(sim.timing.electionMs) + 1000);
        return;
      }
      case 'partition': {
        const groups = step.groups!.map((g) => g.map((r) => this.resolve(r)));
        sim.partition(groups, step.client ?? 0);
        if (dur !== null) sim.after(dur, () => sim.heal());
        return;
      }
      case 'isolate': {
        const s = this.resolve(step.member!);
        const others = sim.members.map((m) => m.slot).filter((x) => x !== s);
        sim.partition([others, [s]], 0);
        if (dur !== null) sim.after(dur, () => sim.heal());
        return;
      }
      case 'heal': sim.heal(); return;
      case 'loss':
        sim.setLoss(step.rate ?? 0);
        if (dur !== null) sim.after(dur, () => sim.setLoss(0));
        return;
      case 'delay': {
        const before = [sim.net.latencyMs, sim.net.jitterMs] as const;
        sim.setDelay(step.latencyMs ?? before[0], step.messageJitterMs ?? 0);
        if (dur !== null) sim.after(dur, () => sim.setDelay(before[0], before[1]));
        return;
      }
      case 'wait': await port.sleep(dur ?? 0); return;
      case 'transfer-leadership': {
        const from = this.resolve('leader');
        const to = this.resolve(step.to ?? 'follower');
        await port.moveLeader(sim.members[from].id, sim.members[to].id);
        return;
      }
      case 'remove-member': {
        const target = this.resolve(step.member!);
        const via = this.resolve(step.via ?? 'leader');
        await port.removeMember(sim.members[target].id, sim.members[via].id);
        return;
      }
      case 'safe-remove-member': {
        const target = this.resolve(step.member!);
        const r = await safeRemoveMember(port, sim.members[target].id);
        if (!r.ok) throw new Error(r.reason);
        return;
      }
      case 'add-member': {
        const via = this.resolve(step.via ?? 'leader');
        const added = await port.addMember([this.nextPeerURL()], step.learner ?? false, sim.members[via].id);
        this.startLater(added.id, step);
        return;
      }
      case 'defrag': await port.defragment(sim.members[this.resolve(step.member ?? 'leader')].id); return;
      case 'rolling-defrag': await this.rollingDefrag(step); return;
      case 'compact': {
        const via = this.resolve(step.via ?? 'leader');
        const rev = sim.revisionOf(via) - (step.keepRevisions ?? 1000);
        if (rev <= sim.members[via].compactRevision) return; // nothing old enough to compact
        await port.compact(rev, sim.members[via].id);
        return;
      }
      case 'raise-alarm': sim.raiseAlarm(this.resolve(step.member ?? 'random'), step.alarm ?? 'NOSPACE'); return;
      case 'disarm-alarm': {
        const target = this.resolve(step.member ?? 'random');
        const via = this.resolve(step.via ?? 'leader');
        await port.disarmAlarm({ memberId: sim.members[target].id, alarm: step.alarm ?? 'NOSPACE' }, sim.members[via].id);
        return;
      }
      case 'promote-member': {
        const target = this.resolve(step.member!);
        const via = this.resolve(step.via ?? 'leader');
        await port.promoteMember(sim.members[target].id, sim.members[via].id);
        return;
      }
      case 'join': await this.join(step); return;
      default: throw new Error(`unknown action ${(step as ScenarioStep).action}`);
    }
  }

  private nextPeerURL(): string {
    return `https://10.0.1.${++this.joins}:2380`;
  }

  private startLater(id: string, step: ScenarioStep): void {
    if (step.neverStarts) {
      this.note(`the new member ${id} never starts etcd in this cluster`);
      return;
    }
    const slot = this.sim.slotOf(id);
    const delay = step.startAfterMs ?? 1000;
    this.pendingUntilMs = Math.max(this.pendingUntilMs, this.sim.nowMs + delay);
    this.sim.after(delay, () => this.sim.restart(slot));
  }

  /**
   * Defragments every started member one at a time, through the port: followers first and the leader last
   * (leadership moved to a caught-up follower first, unless `transferLeader` is false), or the leader first.
   * After each, a health gate: the member answers and its applied index is back near the leader's.
   */
  private async rollingDefrag(step: ScenarioStep): Promise<void> {
    const { port, sim } = this;
    const h = await port.snapshot();
    const ids = h.members.filter((m) => m.started && m.healthy && m.id).map((m) => m.id as string);
    if (!h.leader) throw new Error('no leader: a rolling defragmentation starts from a healthy cluster');
    const followers = ids.filter((id) => id !== h.leader);
    const leaderFirst = step.order === 'leader-first';
    const order = leaderFirst ? [h.leader, ...followers] : [...followers, h.leader];
    for (const id of order) {
      if (!leaderFirst && id === h.leader && step.transferLeader !== false && sim.members.length > 1) {
        const lead = sim.writableLeader();
        if (lead !== NONE && sim.members[lead].id === id) {
          const to = followers.find((f) => sim.nodes[sim.slotOf(f)].isVoter());
          if (to) await port.moveLeader(id, to);
        }
      }
      await port.defragment(id);
      await this.healthGate(id);
    }
  }

  /** Waits until the member answers Status with an applied index within a heartbeat's worth of the leader's. */
  private async healthGate(id: string): Promise<void> {
    const { port, sim } = this;
    const deadline = sim.nowMs + 30_000;
    while (sim.nowMs < deadline) {
      try {
        const st = await port.memberStatus(id);
        const lead = sim.writableLeader();
        if (lead !== NONE && st.appliedIndex >= sim.nodes[lead].commit - 10) return;
      } catch { /* not back yet */ }
      await port.sleep(sim.timing.heartbeatMs);
    }
    throw new Error(`member ${id} did not pass the health gate within 30 s after its defragmentation`);
  }

  /**
   * A new node joining as distributions do it: read live health, send MemberAdd to the member that leads
   * (never a fixed "first" one), retry refusals, start etcd once added; a learner is promoted when caught up.
   */
  private async join(step: ScenarioStep): Promise<void> {
    const { port, sim } = this;
    const attempts = step.attempts ?? 10;
    const retryMs = step.retryMs ?? 1000;
    const url = this.nextPeerURL();
    let addedId: string | null = null;
    let lastError = '';
    for (let i = 0; i < attempts && addedId === null; i++) {
      if (i > 0) await port.sleep(retryMs * (0.5 + this.rng.next()));
      try {
        const h = await port.snapshot();
        const via = h.members.find((m) => m.isLeader) ?? h.members.find((m) => m.healthy);
        if (!via?.id) throw new Error('no healthy member to join through');
        addedId = (await port.addMember([url], step.learner ?? false, via.id)).id;
      } catch (err) {
        lastError = (err as Error).message;
        this.errors.push({ atMs: Math.round(sim.nowMs), action: 'join (retried)', error: lastError });
        this.note(`join refused, will retry: ${lastError}`);
      }
    }
    if (addedId === null) throw new Error(`gave up joining after ${attempts} attempts: ${lastError}`);
    this.startLater(addedId, step);
    if (!step.learner) return;
    for (let i = 0; i < attempts; i++) {
      await port.sleep(retryMs);
      try {
        const h = await port.snapshot();
        const via = h.members.find((m) => m.isLeader);
        if (!via?.id) continue;
        await port.promoteMember(addedId, via.id);
        return;
      } catch (err) {
        this.errors.push({ atMs: Math.round(sim.nowMs), action: 'promote (retried)', error: (err as Error).message });
      }
    }
    throw new Error(`learner ${addedId} was never promoted`);
  }
}

/** Runs `spec` once with `seed`; deterministic: the same seed gives the same result. */
export async function runScenario(spec: ScenarioSpec, seed: number, options: RunOptions = {}): Promise<RunResult> {
  const rng = scenarioRng(seed);
  const timing = { ...spec.timing, ...options.timing };
  const sim = new Sim({
    seed, timing, network: spec.network, writeIntervalMs: spec.writeIntervalMs ?? DEFAULT_WRITE_INTERVAL_MS, checkSafety: options.checkSafety,
    pool: MsgPool.shared, rules: options.rules ?? rulesOfCluster(options.cluster), storage: spec.storage, measured: options.measured,
  }, options.cluster ?? clusterSpecFor(spec, rng));
  if (options.trace) sim.setTracer(options.trace);
  try {
    return await simulate(spec, seed, options, sim, rng);
  } finally {
    sim.dispose();
  }
}

/** The rules of an imported cluster (its members' versions), or the default version's. */
export function rulesOfCluster(cluster: ClusterSpec | undefined): VersionRules {
  return cluster ? rulesFromVersions(cluster.members.map((m) => m.version)) : defaultRules();
}

/** A scenario's cluster, its port and the scenario's own random stream: what playScenario acts on. */
export interface ScenarioWorld {
  sim: Sim;
  port: SimPort;
  rng: Prng;
}

export interface PlayOptions {
  stallMs?: number;
  /** Emit operator-worded notes for refused steps and join retries (the simulator panel's event list). */
  annotate?: boolean;
}

/**
 * Plays the scenario's steps, its settle time and the stall allowance on a world. Exported so the simulator
 * panel can record the very run the Monte-Carlo counted, on a Sim it holds.
 */
export async function playScenario(spec: ScenarioSpec, world: ScenarioWorld, options: PlayOptions = {}): Promise<{ firstStepAt: number | null; errors: OpError[]; stallMs: number }> {
  const { sim, port, rng } = world;
  const runner = new StepRunner(sim, port, rng, options.annotate);
  const background: Promise<void>[] = [];
  let firstStepAt: number | null = null;
  for (const step of spec.steps) {
    const at = (step.at ?? 0) + (step.jitterMs ? rng.range(0, step.jitterMs) : 0);
    if (at > sim.nowMs) await port.sleep(at - sim.nowMs);
    firstStepAt ??= sim.nowMs;
    const p = runner.run(step);
    if (step.background) background.push(p);
    else await p;
  }
  await Promise.all(background);
  const end = Math.max(spec.durationMs ?? 0, Math.max(sim.nowMs, runner.pendingUntilMs) + (spec.settleMs ?? DEFAULT_SETTLE_MS));
  await port.sleep(end - sim.nowMs);
  // A cluster still without a writable leader gets up to the stall threshold to recover before the run
  // ends, so a slow but sure recovery is not mistaken for a lost quorum (nor the other way round).
  const stallMs = options.stallMs ?? 5 * sim.timing.electionMs;
  if (!sim.meter.isWritable) await port.clock.waitFor(() => sim.meter.isWritable, stallMs);
  return { firstStepAt, errors: runner.errors, stallMs };
}

async function simulate(spec: ScenarioSpec, seed: number, options: RunOptions, sim: Sim, rng: Prng): Promise<RunResult> {
  const port = new SimPort(sim, { joinStartDelayMs: null });
  const { firstStepAt, errors, stallMs } = await playScenario(spec, { sim, port, rng }, { stallMs: options.stallMs });
  sim.safety?.checkLogMatching(sim.nodes);

  const m = sim.meter.snapshot(sim.nowUs);
  const writable = sim.meter.isWritable;
  const writesOn = (spec.writeIntervalMs ?? DEFAULT_WRITE_INTERVAL_MS) > 0;
  const longestLeaderlessMs = m.longestUnwritableUs / 1000;
  const longestCommitGapMs = m.longestCommitGapUs / 1000;
  let timeToStableMs: number | null = null;
  if (writable) {
    const rec = sim.meter.recoveredAtUs;
    const start = firstStepAt ?? 0;
    timeToStableMs = rec !== null && rec / 1000 > start ? rec / 1000 - start : 0;
  }
  return {
    seed,
    simulatedMs: sim.nowMs,
    leaderlessMs: m.unwritableUs / 1000,
    longestLeaderlessMs,
    longestCommitGapMs,
    quorumLost: !writable || longestLeaderlessMs > stallMs || (writesOn && longestCommitGapMs > stallMs),
    writableAtEnd: writable,
    elections: sim.leaderElections,
    timeToStableMs,
    opErrors: errors,
    events: sim.events,
    messagesDelivered: sim.delivered,
    writesProposed: sim.writesProposed,
    entriesCommitted: sim.meter.writesCommitted,
    zeroFaultToleranceMs: sim.spareMeter.snapshot(sim.nowUs).unwritableUs / 1000,
    snapshotsSent: sim.snapshotsSent,
    writesRefused: sim.writesRefused,
    rules: sim.rules,
    rulesText: describeRules(sim.rules, sim.timing),
  };
}
