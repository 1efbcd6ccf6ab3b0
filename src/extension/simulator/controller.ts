// The simulator panel's logic, apart from VS Code: it answers the webview's requests (load a scenario, a
// sandbox, more history, an action, a Monte-Carlo, a comparison, a replay), runs rehearsals, and posts
// batched history. simulator-panel.ts only connects it to a webview; tests drive it directly.
import { BUILTIN_SCENARIOS } from '../../core/sim/scenarios';
import { Sim } from '../../core/sim/engine';
import { SimPort } from '../../core/sim/sim-port';
import { HistoryBatcher } from './history-batcher';
import { FromWebview, LIMITS, MonteCarloView, parseFromWebview, PlanSummary, ToWebview } from './protocol';
import { importTopology, RehearsalPlan, rehearsalBuild, rehearsalMonteCarlo, RehearsalRequest } from './rehearsal';
import { Cancelled, scenarioPlan, scenarioSpec } from './scenario-plans';
import { scenarioBuild } from './scenario-script';
import { SessionSetup, SimSession } from './session';
import { ImportedTopology } from './topology-import';

export const DEFAULTS = { scenario: 'remove-leader-naive', members: 3, seed: 1, runs: 200 } as const;
/** How often batched history goes to the webview, ms. */
const POST_INTERVAL_MS = 40;
/** Monte-Carlo progress is posted at most this often, ms. */
const PROGRESS_INTERVAL_MS = 150;

interface Rehearsal {
  req: RehearsalRequest;
  topology: ImportedTopology;
  clusterLabel: string;
  targetName: string;
}

function sandboxSetup(members: number, seed: number): SessionSetup {
  return {
    info: {
      kind: 'sandbox', title: `Sandbox: ${members} member${members === 1 ? '' : 's'}`, seed, scenario: null,
      subtitle: 'A fresh cluster electing its first leader. Crash, isolate, transfer, remove or add members and watch Raft respond.',
      notes: [],
    },
    build: () => {
      const sim = new Sim({ seed, writeIntervalMs: 200 }, { members: Array.from({ length: members }, (_, i) => ({ name: `m${i + 1}` })), leader: null });
      return { sim, port: new SimPort(sim) };
    },
  };
}

export class SimulatorController {
  private session: SimSession | null = null;
  private rehearsal: Rehearsal | null = null;
  private readonly batcher = new HistoryBatcher();
  private end = 0;
  private done = false;
  private postTimer: ReturnType<typeof setTimeout> | null = null;
  private mcJob = 0;
  private disposed = false;
  private ready = false;
  private queued: ToWebview[] = [];

  constructor(private readonly send: (m: ToWebview) => void) {}

  /** Posts to the webview, or holds the message until the webview said it is ready. */
  private post(m: ToWebview): void {
    if (this.ready) this.send(m);
    else this.queued.push(m);
  }

  get current(): SimSession | null {
    return this.session;
  }

  /** A message from the webview; malformed ones are ignored. */
  async handle(raw: unknown): Promise<void> {
    const m = parseFromWebview(raw);
    if (!m || this.disposed) return;
    try {
      await this.dispatch(m);
    } catch (err) {
      this.post({ type: 'status', message: (err as Error).message, error: true });
    }
  }

  private async dispatch(m: FromWebview): Promise<void> {
    switch (m.type) {
      case 'ready': {
        this.send({
          type: 'init',
          scenarios: BUILTIN_SCENARIOS.map((s) => ({ name: s.name, summary: s.summary, defaultMembers: s.defaultMembers, minMembers: s.minMembers, compareWith: s.compareWith })),
          defaults: { members: DEFAULTS.members, seed: DEFAULTS.seed, runs: DEFAULTS.runs },
        });
        // A webview that reloads starts from nothing: show the current session again from its start.
        const replay = this.ready ? [] : this.queued;
        this.ready = true;
        this.queued = [];
        if (replay.length) for (const q of replay) this.send(q);
        else if (this.session) this.reopen();
        else this.loadScenario(DEFAULTS.scenario, DEFAULTS.seed, DEFAULTS.members);
        return;
      }
      case 'load': this.loadScenario(m.scenario, m.seed, m.members); return;
      case 'sandbox': this.open(sandboxSetup(m.members, m.seed)); return;
      case 'advance': {
        const s = this.session;
        if (!s || s.id !== m.sessionId) return;
        await s.advance(Math.min(m.until, s.sim.nowMs + LIMITS.maxAdvanceMs));
        return;
      }
      case 'action': {
        const s = this.session;
        if (!s || s.id !== m.sessionId) return;
        await s.act(m.action, m.slot, m.at);
        return;
      }
      case 'montecarlo': {
        const spec = scenarioSpec(m.scenario, m.members, m.seed);
        await this.monteCarlo(`${m.scenario}: ${m.runs} runs from seed ${m.seed}`, { kind: 'scenario', members: spec.members ?? m.members },
          (progress, cancelled) => Promise.all([scenarioPlan(m.scenario, m.members, m.runs, m.seed, progress, cancelled)]));
        return;
      }
      case 'compare': {
        const [a, b] = m.scenarios;
        await this.monteCarlo(`${a} against ${b}: ${m.runs} runs each from seed ${m.seed}`, { kind: 'scenario', members: m.members },
          async (progress, cancelled) => [
            await scenarioPlan(a, m.members, m.runs, m.seed, (d) => progress(d, 2 * m.runs), cancelled),
            await scenarioPlan(b, m.members, m.runs, m.seed, (d) => progress(m.runs + d, 2 * m.runs), cancelled),
          ]);
        return;
      }
      case 'replay':
        if (m.kind === 'scenario') this.loadScenario(m.plan, m.seed, m.members);
        else if (this.rehearsal && (m.plan === 'engine' || m.plan === 'direct')) this.openRehearsal(this.rehearsal, m.seed, m.plan);
        return;
    }
  }

  private loadScenario(name: string, seed: number, members: number): void {
    const spec = scenarioSpec(name, members, seed);
    this.open({
      info: {
        kind: 'scenario', title: `Scenario ${name}: ${spec.members ?? members} members`, seed, scenario: name,
        subtitle: BUILTIN_SCENARIOS.find((s) => s.name === name)?.summary ?? '', notes: [],
      },
      build: scenarioBuild(spec, seed),
    });
  }

  private lastSetup: SessionSetup | null = null;

  private reopen(): void {
    if (this.lastSetup) this.open(this.lastSetup);
  }

  /** Replaces the shown session with a new one and starts simulating it. */
  private open(setup: SessionSetup): SimSession {
    this.lastSetup = setup;
    this.session?.dispose();
    this.batcher.take();
    const session: SimSession = new SimSession(setup, {
      reset: (info, cursor) => {
        if (this.session !== session) return;
        this.batcher.take();
        this.end = 0;
        this.post({ type: 'session', session: info, cursor });
      },
      history: (delta, end, done) => {
        if (this.session !== session) return;
        this.batcher.add(delta);
        this.end = end;
        this.done = done;
        this.schedulePost();
      },
      op: (op) => {
        if (this.session !== session) return;
        this.flushNow();
        this.post({ type: 'op', sessionId: session.id, op });
      },
      error: (message) => this.post({ type: 'status', message, error: true }),
    });
    this.session = session;
    session.start();
    // Scripted sessions (scenarios, rehearsals) are short: their whole history is simulated at once.
    void session.advance(0);
    return session;
  }

  private schedulePost(): void {
    if (this.postTimer) return;
    this.postTimer = setTimeout(() => { this.postTimer = null; this.flushNow(); }, POST_INTERVAL_MS);
  }

  private flushNow(): void {
    if (this.postTimer) { clearTimeout(this.postTimer); this.postTimer = null; }
    const s = this.session;
    if (!s || this.disposed) return;
    const delta = this.batcher.take();
    this.post({ type: 'history', sessionId: s.id, end: this.end, done: this.done, ...delta });
  }

  /** Loads a rehearsal of `req` (recorded with `seed`) and runs its Monte-Carlo; resolves with its plans (none if superseded). */
  async rehearse(req: RehearsalRequest, clusterLabel: string, seed: number, runs: number): Promise<PlanSummary[]> {
    const topology = importTopology(req.health);
    const targetName = topology.names.get(req.target) ?? req.target;
    const rehearsal: Rehearsal = { req, topology, clusterLabel, targetName };
    this.rehearsal = rehearsal;
    this.openRehearsal(rehearsal, seed, 'engine');
    const removingLeader = req.op === 'remove-member' && req.health.leader === req.target;
    const plans: RehearsalPlan[] = removingLeader ? ['engine', 'direct'] : ['engine'];
    const what = req.op === 'remove-member' ? `removing ${targetName}` : `transferring leadership to ${targetName}`;
    return this.monteCarlo(`Rehearsal of ${what} on ${clusterLabel}: ${runs} runs from seed ${seed}`, { kind: 'rehearsal', members: topology.spec.members.length },
      async (progress, cancelled) => {
        const out: PlanSummary[] = [];
        for (const [i, plan] of plans.entries()) {
          out.push(await rehearsalMonteCarlo(req, topology, plan, runs, seed, (d) => progress(i * runs + d, plans.length * runs), cancelled));
        }
        return out;
      });
  }

  private openRehearsal(r: Rehearsal, seed: number, plan: RehearsalPlan): void {
    const verb = r.req.op === 'remove-member' ? `remove ${r.targetName}` : `transfer leadership to ${r.targetName}`;
    // Real ports stamp wall time; a bare SimPort stamps virtual time, which says nothing to the operator.
    const takenAt = r.req.health.takenAt;
    const when = takenAt > 1e12 ? ` at ${new Date(takenAt).toLocaleTimeString()}` : '';
    this.open({
      info: {
        kind: 'rehearsal', seed, scenario: null,
        title: `Rehearsal: ${verb}${plan === 'direct' ? ' directly (no transfer)' : ''} on ${r.clusterLabel}`,
        subtitle: `Imported from the cluster's health as last read${when}; the operation runs through the same ops engine as on the real cluster.`,
        notes: r.topology.notes,
      },
      build: rehearsalBuild(r.req, r.topology, seed, plan),
    });
  }

  private async monteCarlo(title: string, replay: MonteCarloView['replay'],
    run: (progress: (done: number, total: number) => void, cancelled: () => boolean) => Promise<PlanSummary[]>): Promise<PlanSummary[]> {
    const job = ++this.mcJob;
    const cancelled = () => this.disposed || job !== this.mcJob;
    let lastPost = 0;
    const progress = (done: number, total: number) => {
      const now = Date.now();
      if (done < total && now - lastPost < PROGRESS_INTERVAL_MS) return;
      lastPost = now;
      this.post({ type: 'mc-progress', title, done, total });
    };
    progress(0, 1);
    try {
      const plans = await run(progress, cancelled);
      if (cancelled()) return [];
      this.post({ type: 'mc', view: { title, plans, replay } });
      return plans;
    } catch (err) {
      if (!(err instanceof Cancelled) && !cancelled()) this.post({ type: 'status', message: `Monte-Carlo failed: ${(err as Error).message}`, error: true });
      return [];
    }
  }

  dispose(): void {
    this.disposed = true;
    this.mcJob++;
    if (this.postTimer) clearTimeout(this.postTimer);
    this.session?.dispose();
    this.session = null;
  }
}
