// One simulation the panel shows: a cluster, an optional script (a scenario's steps, a rehearsed operation)
// and the operator's own actions (crash, partition, transfer, ...), recorded for playback. The host
// simulates in short slices and yields between them, so the extension host never blocks for long; the
// webview asks for more history as its cursor moves. An action at a moment already simulated past branches:
// the session is rebuilt from its seed and action log (the simulation is deterministic) up to that moment.
// No vscode import: driven by the panel, unit-tested without VS Code.
import { ClusterPort } from '../../core/port';
import { moveLeader, removeMember, OpResult } from '../../core/ops';
import { Sim } from '../../core/sim/engine';
import { NONE } from '../../core/sim/raft-node';
import { SimPort } from '../../core/sim/sim-port';
import { describeRules } from '../../core/sim/version-rules';
import { ActionKind, OpSummary, SessionInfo } from './protocol';
import { HistoryDelta, Recorder } from './recorder';

/** A fresh, deterministic copy of the session's world: the same seed gives the same run. */
export interface Built {
  sim: Sim;
  port: SimPort;
  /** The scripted part; it runs from virtual time 0 and its end is the session's natural end. */
  script?: (report: (op: OpSummary) => void) => Promise<void>;
}

export interface SessionSetup {
  info: Omit<SessionInfo, 'id' | 'heartbeatMs' | 'electionMs' | 'latencyMs' | 'members' | 'rules'>;
  build(): Built;
}

export interface SessionListener {
  /** A new recording starts (first build or a branch): the panel drops what it had. */
  reset(info: SessionInfo, cursor: number): void;
  history(delta: HistoryDelta, end: number, done: boolean): void;
  op(op: OpSummary): void;
  error(message: string): void;
}

interface LoggedAction {
  at: number;
  action: ActionKind;
  slot: number | null;
}

/** Longest slice of simulation between yields to the host's event loop, ms of wall time. */
const SLICE_MS = 8;
/** An action this close behind the simulated edge applies at the edge instead of rebuilding the run. */
export const LIVE_SLACK_MS = 500;
/** Safety bound on a session's length, ms of virtual time. */
const MAX_SESSION_MS = 30 * 60_000;

const yieldToHost = () => new Promise<void>((resolve) => setImmediate(resolve));

let nextSessionId = 1;

/** What an operations-engine result says, in the panel's shape. */
export function summarizeOp(title: string, r: OpResult, started: number, ended: number, unwritableMs: number): OpSummary {
  return {
    started, ended, title,
    ok: r.ok, refused: r.refused, reason: r.reason,
    plan: r.plan,
    checks: r.checks.map((c) => ({ name: c.name, ok: c.ok, detail: c.detail, severity: c.severity })),
    steps: r.steps.map((s) => ({ name: s.name, status: s.status, detail: s.detail, ms: s.ms })),
    leaderlessMs: r.leaderlessMs ?? null,
    unwritableMs: Math.round(unwritableMs * 10) / 10,
  };
}

/** Unwritable time measured by the simulator so far, ms. */
export function unwritableSoFar(sim: Sim): number {
  return sim.meter.snapshot(sim.nowUs).unwritableUs / 1000;
}

export class SimSession {
  readonly id = nextSessionId++;
  private built!: Built;
  private recorder!: Recorder;
  private generation = 0;
  private actions: LoggedAction[] = [];
  private target = 0;
  private driving: Promise<void> | null = null;
  private scriptDone = false;
  private disposed = false;
  private joined = 0;
  private opsInFlight = 0;
  private lastFlushed = '';
  private failed = false;

  constructor(private readonly setup: SessionSetup, private readonly listener: SessionListener) {}

  get sim(): Sim {
    return this.built.sim;
  }

  get port(): ClusterPort {
    return this.built.port;
  }

  get info(): SessionInfo {
    const sim = this.built.sim;
    return {
      ...this.setup.info,
      id: this.id,
      members: sim.members.length,
      heartbeatMs: sim.timing.heartbeatMs,
      electionMs: sim.timing.electionMs,
      latencyMs: sim.net.latencyMs,
      rules: describeRules(sim.rules, sim.timing),
    };
  }

  /** The script finished and nothing the operator started is still running. */
  get done(): boolean {
    // A sandbox has no natural end: it runs as long as the panel asks.
    return this.built.script !== undefined && this.scriptDone && this.opsInFlight === 0;
  }

  start(): void {
    this.rebuild(0);
  }

  private rebuild(cursor: number): void {
    this.generation++;
    const gen = this.generation;
    this.recorder?.detach();
    this.built = this.setup.build();
    this.recorder = new Recorder(this.built.sim);
    this.scriptDone = !this.built.script;
    this.opsInFlight = 0;
    this.joined = 0;
    this.failed = false;
    this.target = cursor;
    this.listener.reset(this.info, cursor);
    for (const a of this.actions) this.built.sim.schedule(a.at, () => this.apply(a, gen));
    if (this.built.script) {
      this.built.script((op) => { if (gen === this.generation) this.listener.op(op); })
        .catch((err) => { if (gen === this.generation) this.listener.error(`scenario step failed: ${(err as Error).message}`); })
        .finally(() => { if (gen === this.generation) this.scriptDone = true; });
    }
    this.flush();
  }

  /** Simulates at least up to `until` (virtual ms), in slices; resolves when there. */
  advance(until: number): Promise<void> {
    this.target = Math.max(this.target, Math.min(until, MAX_SESSION_MS));
    this.driving ??= this.drive().finally(() => { this.driving = null; });
    return this.driving;
  }

  /** Runs until the script (and every operation started) finished, plus `extraMs`. For tests and rehearsals. */
  async runToEnd(extraMs = 0, limitMs = MAX_SESSION_MS): Promise<void> {
    while (!this.done && this.sim.nowMs < limitMs && !this.disposed) await this.advance(this.sim.nowMs + 1000);
    await this.advance(this.sim.nowMs + extraMs);
  }

  private async drive(): Promise<void> {
    // Reads the current build on every round: a branch replaces it while this loop runs.
    const clockIdle = () => this.built.port.clock.idle;
    // While an operation runs, its virtual clock drives the simulation; the session only waits and flushes.
    while (!this.disposed && !this.failed && (this.sim.nowMs < this.target || !clockIdle())) {
      if (clockIdle()) {
        const deadline = performance.now() + SLICE_MS;
        let n = 0;
        try {
          this.sim.runUntil(this.target, () => !clockIdle() || ((++n & 127) === 0 && performance.now() > deadline));
        } catch (err) {
          // A safety violation found by the simulator's own checks: show it, simulate no further.
          this.failed = true;
          this.listener.error(`the simulation stopped: ${(err as Error).message}`);
        }
      }
      this.flush();
      await yieldToHost();
    }
    this.flush();
  }

  private flush(): void {
    if (this.disposed) return;
    const delta = this.recorder.drain();
    const empty = !delta.frames.length && !delta.messages.length && !delta.settled.length && !delta.events.length;
    const state = `${this.generation}/${this.sim.nowMs}/${this.done}`;
    if (empty && state === this.lastFlushed) return;
    this.lastFlushed = state;
    this.listener.history(delta, this.sim.nowMs, this.done);
  }

  /**
   * The operator acts at virtual time `at` (the panel's cursor). Ahead of the simulated edge: scheduled.
   * Slightly behind it: applied at the edge. Further back: the run branches there (rebuilt up to `at`).
   */
  async act(action: ActionKind, slot: number | null, at: number): Promise<void> {
    if (slot !== null && (slot < 0 || slot >= this.sim.members.length)) {
      this.listener.error(`no member in slot ${slot}`);
      return;
    }
    const now = this.sim.nowMs;
    if (at > now) {
      const entry = { at, action, slot };
      this.actions.push(entry);
      const gen = this.generation;
      this.sim.schedule(at, () => this.apply(entry, gen));
      await this.advance(at);
      return;
    }
    if (now - at <= LIVE_SLACK_MS || !this.built.port.clock.idle) {
      const entry = { at: now, action, slot };
      this.actions.push(entry);
      this.apply(entry, this.generation);
      this.flush();
      return;
    }
    this.actions = this.actions.filter((a) => a.at <= at);
    this.actions.push({ at, action, slot });
    this.rebuild(at);
    await this.advance(at);
  }

  private memberName(slot: number): string {
    const m = this.sim.members[slot];
    return m.name || m.plannedName;
  }

  private note(text: string): void {
    this.sim.emit(null, 'note', null, { detail: `operator: ${text}` });
  }

  /** Applies one logged action to the current build (`gen` guards against a build replaced meanwhile). */
  private apply(a: LoggedAction, gen: number): void {
    if (gen !== this.generation) return;
    const { sim } = this.built;
    const slot = a.slot ?? -1;
    switch (a.action) {
      case 'crash': this.note(`kill ${this.memberName(slot)}`); sim.crash(slot); break;
      case 'restart': this.note(`start ${this.memberName(slot)}`); sim.restart(slot); break;
      case 'isolate': {
        this.note(`cut ${this.memberName(slot)} off from the others`);
        sim.partition([sim.members.map((m) => m.slot).filter((s) => s !== slot), [slot]], 0);
        break;
      }
      case 'heal': this.note('heal the network'); sim.heal(); break;
      case 'transfer': this.operate(`Transfer leadership to ${this.memberName(slot)}`, gen,
        (port) => moveLeader(port, sim.members[slot].id, { confirm: async () => true })); break;
      case 'remove': this.operate(`Remove ${this.memberName(slot)} (safe plan)`, gen,
        (port) => removeMember(port, sim.members[slot].id, { confirm: async () => true })); break;
      case 'remove-direct': this.removeDirectly(slot, gen); break;
      case 'add': this.addMember(gen); break;
    }
    this.recorder.capture();
  }

  /** Runs an operations-engine call on the session's port and reports its result. */
  private operate(title: string, gen: number, run: (port: SimPort) => Promise<OpResult>): void {
    const { sim, port } = this.built;
    const started = sim.nowMs;
    const before = unwritableSoFar(sim);
    this.opsInFlight++;
    this.note(`${title.charAt(0).toLowerCase()}${title.slice(1)}`);
    void run(port).then((r) => {
      if (gen !== this.generation) return;
      this.note(`${title}: ${r.ok ? 'done' : r.refused ? 'refused' : 'failed'}: ${r.reason}`);
      this.listener.op(summarizeOp(title, r, started, sim.nowMs, unwritableSoFar(sim) - before));
    }, (err) => { if (gen === this.generation) this.listener.error(`${title}: ${(err as Error).message}`); })
      .finally(() => { if (gen === this.generation) this.opsInFlight--; });
  }

  /** What k0s did: MemberRemove sent straight to the leader, even when the leader is the one removed. */
  private removeDirectly(slot: number, gen: number): void {
    const { sim, port } = this.built;
    const title = `Remove ${this.memberName(slot)} directly (MemberRemove, no transfer)`;
    const lead = sim.writableLeader();
    const via = lead !== NONE ? lead : sim.members.findIndex((m) => m.running && m.started);
    if (via < 0) { this.note(`${title}: no running member to send it to`); return; }
    this.rawCall(title, gen, () => port.removeMember(sim.members[slot].id, sim.members[via].id).then(() => `removed through ${this.memberName(via)}`));
  }

  private addMember(gen: number): void {
    const { sim, port } = this.built;
    const lead = sim.writableLeader();
    const via = lead !== NONE ? lead : sim.members.findIndex((m) => m.running && m.started);
    if (via < 0) { this.note('add member: no running member to send it to'); return; }
    const url = `https://10.0.2.${++this.joined}:2380`;
    this.rawCall('Add a member', gen, () => port.addMember([url], false, sim.members[via].id)
      .then((m) => `added ${m.id} through ${this.memberName(via)}; its etcd starts in 1 s`));
  }

  /** A single etcd API call (no safety checks), reported like an operation. */
  private rawCall(title: string, gen: number, call: () => Promise<string>): void {
    const { sim } = this.built;
    const started = sim.nowMs;
    const before = unwritableSoFar(sim);
    this.opsInFlight++;
    this.note(title.charAt(0).toLowerCase() + title.slice(1));
    const finish = (ok: boolean, reason: string) => {
      if (gen !== this.generation) return;
      this.note(`${title}: ${ok ? 'done' : 'failed'}: ${reason}`);
      this.listener.op({
        started, ended: sim.nowMs, title, ok, refused: false, reason, plan: [title], checks: [],
        steps: [{ name: title, status: ok ? 'done' : 'failed', detail: reason, ms: Math.round(sim.nowMs - started) }],
        leaderlessMs: null, unwritableMs: Math.round((unwritableSoFar(sim) - before) * 10) / 10,
      });
    };
    void call().then((reason) => finish(true, reason), (err) => finish(false, (err as Error).message))
      .finally(() => { if (gen === this.generation) this.opsInFlight--; });
  }

  dispose(): void {
    this.disposed = true;
    this.generation++;
    this.recorder?.detach();
  }
}
