// A built-in or file scenario as a session script, so the panel can record it, scrub it and branch from it.
// The core runs scenarios (runScenario) on a Sim it creates and keeps to itself; a recording needs hold of
// that Sim and its SimPort. Until the core offers a hook for that, this file executes the scenario's steps
// with the same semantics and the same random draws as the core's step runner (same seed, same run: the
// unit tests compare both on every built-in scenario), so "replay the worst seed" shows the very run the
// Monte-Carlo summary counted.
import { sameId } from '../../core/ids';
import { removeMember as safeRemoveMember } from '../../core/ops';
import { Sim } from '../../core/sim/engine';
import { requestTimeoutMs } from '../../core/sim/etcd-server';
import { mix32, Prng } from '../../core/sim/prng';
import { LEADER, NONE } from '../../core/sim/raft-node';
import { clusterSpecFor } from '../../core/sim/scenario-run';
import { ScenarioSpec, ScenarioStep } from '../../core/sim/scenarios';
import { SimPort } from '../../core/sim/sim-port';
import { Built } from './session';

/** The core runner's defaults for a scenario that names none. */
const DEFAULT_SETTLE_MS = 2000;
const DEFAULT_WRITE_INTERVAL_MS = 500;

/** The scenario's own random stream, apart from the simulation's (as the core's runner draws it). */
export function scenarioRng(seed: number): Prng {
  return new Prng(mix32(seed ^ 0x5ca1ab1e));
}

export interface ScenarioStepError {
  atMs: number;
  action: string;
  error: string;
}

class Steps {
  readonly errors: ScenarioStepError[] = [];
  private joins = 0;

  constructor(readonly sim: Sim, readonly port: SimPort, readonly rng: Prng) {}

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

  /** Latest virtual time at which a step's scheduled undo (restart, heal, loss 0) or start happens. */
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
      this.sim.emit(null, 'note', null, { detail: `scenario step ${step.action} failed: ${error}` });
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
    const slot = this.sim.slotOf(id);
    const delay = step.startAfterMs ?? 1000;
    this.pendingUntilMs = Math.max(this.pendingUntilMs, this.sim.nowMs + delay);
    this.sim.after(delay, () => this.sim.restart(slot));
  }

  /** Joins as distributions do: through the member that leads per live health, retrying refusals. */
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
        sim.emit(null, 'note', null, { detail: `join refused, will retry: ${lastError}` });
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

export interface ScenarioOutcome {
  /** Start of the first step, ms of virtual time. */
  firstStepAt: number | null;
  errors: ScenarioStepError[];
}

/** Builds the scenario's cluster for `seed` exactly as the core's runner does. */
export function scenarioWorld(spec: ScenarioSpec, seed: number): { sim: Sim; port: SimPort; rng: Prng } {
  const rng = scenarioRng(seed);
  const sim = new Sim({ seed, timing: spec.timing, network: spec.network, writeIntervalMs: spec.writeIntervalMs ?? DEFAULT_WRITE_INTERVAL_MS }, clusterSpecFor(spec, rng));
  return { sim, port: new SimPort(sim, { joinStartDelayMs: null }), rng };
}

/** Executes the scenario's steps and its settle time on a world from scenarioWorld. */
export async function playScenario(spec: ScenarioSpec, world: { sim: Sim; port: SimPort; rng: Prng }): Promise<ScenarioOutcome> {
  const { sim, port, rng } = world;
  const steps = new Steps(sim, port, rng);
  const background: Promise<void>[] = [];
  let firstStepAt: number | null = null;
  for (const step of spec.steps) {
    const at = (step.at ?? 0) + (step.jitterMs ? rng.range(0, step.jitterMs) : 0);
    if (at > sim.nowMs) await port.sleep(at - sim.nowMs);
    firstStepAt ??= sim.nowMs;
    const p = steps.run(step);
    if (step.background) background.push(p);
    else await p;
  }
  await Promise.all(background);
  const end = Math.max(spec.durationMs ?? 0, Math.max(sim.nowMs, steps.pendingUntilMs) + (spec.settleMs ?? DEFAULT_SETTLE_MS));
  await port.sleep(end - sim.nowMs);
  // As the core runner: a cluster still without a writable leader gets up to the stall threshold to recover.
  const stallMs = 5 * sim.timing.electionMs;
  if (!sim.meter.isWritable) await port.clock.waitFor(() => sim.meter.isWritable, stallMs);
  return { firstStepAt, errors: steps.errors };
}

/** A deterministic build of the scenario for a recorded session. */
export function scenarioBuild(spec: ScenarioSpec, seed: number): () => Built {
  return () => {
    const world = scenarioWorld(spec, seed);
    return { sim: world.sim, port: world.port, script: async () => { await playScenario(spec, world); } };
  };
}
