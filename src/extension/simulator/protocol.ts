// The messages between the simulator panel's webview (src/webview/simulator/) and the extension host. The host
// simulates and sends recorded history; the webview only renders and sends back requests. Everything that
// arrives from the webview is checked here before the host acts on it.
import { Frame, NodeView } from './frames';
import { EventView, HistoryDelta, MessageView } from './recorder';

export type SessionKind = 'scenario' | 'sandbox' | 'rehearsal';

export interface SessionInfo {
  id: number;
  kind: SessionKind;
  title: string;
  /** One line under the title: where the topology came from, what runs. */
  subtitle: string;
  seed: number;
  scenario: string | null;
  /** What was imported (rehearsals) or what the scenario does, one line each. */
  notes: string[];
  members: number;
  heartbeatMs: number;
  electionMs: number;
  latencyMs: number;
  /** Which etcd version's rules the simulation follows, and why, in words. */
  rules: string;
}

export interface ScenarioInfo {
  name: string;
  summary: string;
  defaultMembers: number;
  minMembers: number;
  /** The scenario the "vs" list offers for it (the other plan for the same change). */
  compareWith?: string;
}

export interface OpSummary {
  /** Virtual time the operation started and ended. */
  started: number;
  ended: number;
  title: string;
  ok: boolean;
  refused: boolean;
  reason: string;
  plan: string[];
  checks: { name: string; ok: boolean; detail: string; severity?: string }[];
  steps: { name: string; status: string; detail: string; ms: number }[];
  /** Leaderless time as the ops engine polled it. */
  leaderlessMs: number | null;
  /** Time without a leader able to commit, measured exactly by the simulator over the operation. */
  unwritableMs: number;
}

export interface Distribution {
  p50: number;
  p95: number;
  max: number;
  mean: number;
}

/** One plan's Monte-Carlo result, in the shape the panel draws. */
export interface PlanSummary {
  /** What a replay names: the scenario, or the rehearsal plan ('engine' | 'direct'). */
  key: string;
  label: string;
  /** Scenario name, or the rehearsed operation. */
  plan: string;
  runs: number;
  seed: number;
  okRuns: number;
  quorumLostRuns: number;
  leaderlessMs: Distribution;
  longestLeaderlessMs: Distribution;
  elections: Distribution;
  /** Leaderless ms of every run, in seed order, for the chart. */
  perRun: number[];
  worstSeed: number;
  worstLeaderlessMs: number;
  /** Most frequent operation errors. */
  errors: { error: string; count: number }[];
  wallMs: number;
  /** Which etcd version's rules the runs followed, in words. */
  rules: string;
}

export interface MonteCarloView {
  /** What was rehearsed, in words. */
  title: string;
  plans: PlanSummary[];
  /** What the worst-seed button loads: a scenario, or the rehearsal with that seed. */
  replay: { kind: 'scenario' | 'rehearsal'; members: number };
}

export type ToWebview =
  | { type: 'init'; scenarios: ScenarioInfo[]; defaults: { members: number; seed: number; runs: number } }
  | { type: 'session'; session: SessionInfo; cursor: number }
  | ({ type: 'history'; sessionId: number; end: number; done: boolean } & HistoryDelta)
  | { type: 'op'; sessionId: number; op: OpSummary }
  | { type: 'mc-progress'; title: string; done: number; total: number }
  | { type: 'mc'; view: MonteCarloView }
  | { type: 'status'; message: string; error?: boolean };

export type ActionKind = 'crash' | 'restart' | 'isolate' | 'heal' | 'transfer' | 'remove' | 'remove-direct' | 'add';
export const ACTION_KINDS: readonly ActionKind[] = ['crash', 'restart', 'isolate', 'heal', 'transfer', 'remove', 'remove-direct', 'add'];
/** Actions that name a member. */
export const MEMBER_ACTIONS: ReadonlySet<ActionKind> = new Set(['crash', 'restart', 'isolate', 'transfer', 'remove', 'remove-direct']);

export type FromWebview =
  | { type: 'ready' }
  | { type: 'load'; scenario: string; seed: number; members: number }
  | { type: 'sandbox'; seed: number; members: number }
  | { type: 'advance'; sessionId: number; until: number }
  | { type: 'action'; sessionId: number; action: ActionKind; slot: number | null; at: number }
  | { type: 'montecarlo'; scenario: string; seed: number; members: number; runs: number }
  | { type: 'compare'; scenarios: [string, string]; seed: number; members: number; runs: number }
  | { type: 'replay'; kind: 'scenario' | 'rehearsal'; plan: string; seed: number; members: number };

/** Bounds on what the webview may ask for, so a bad request cannot make the host spin. */
export const LIMITS = { members: { min: 1, max: 9 }, runs: { min: 1, max: 5000 }, maxAdvanceMs: 10 * 60_000 } as const;

function int(v: unknown, min: number, max: number): number | null {
  return typeof v === 'number' && Number.isInteger(v) && v >= min && v <= max ? v : null;
}

function seedOf(v: unknown): number | null {
  return int(v, 0, 0xffffffff);
}

function name(v: unknown): string | null {
  return typeof v === 'string' && /^[a-z0-9-]{1,64}$/.test(v) ? v : null;
}

/** The message if it is well formed, else null (the host ignores it). */
export function parseFromWebview(raw: unknown): FromWebview | null {
  if (typeof raw !== 'object' || raw === null) return null;
  const m = raw as Record<string, unknown>;
  const members = () => int(m.members, LIMITS.members.min, LIMITS.members.max);
  const runs = () => int(m.runs, LIMITS.runs.min, LIMITS.runs.max);
  switch (m.type) {
    case 'ready': return { type: 'ready' };
    case 'load': {
      const scenario = name(m.scenario); const seed = seedOf(m.seed); const n = members();
      return scenario && seed !== null && n !== null ? { type: 'load', scenario, seed, members: n } : null;
    }
    case 'sandbox': {
      const seed = seedOf(m.seed); const n = members();
      return seed !== null && n !== null ? { type: 'sandbox', seed, members: n } : null;
    }
    case 'advance': {
      const sessionId = int(m.sessionId, 0, Number.MAX_SAFE_INTEGER);
      const until = typeof m.until === 'number' && Number.isFinite(m.until) && m.until >= 0 ? m.until : null;
      return sessionId !== null && until !== null ? { type: 'advance', sessionId, until } : null;
    }
    case 'action': {
      const sessionId = int(m.sessionId, 0, Number.MAX_SAFE_INTEGER);
      const action = ACTION_KINDS.find((a) => a === m.action);
      const slot = m.slot === null || m.slot === undefined ? null : int(m.slot, 0, 63);
      const at = typeof m.at === 'number' && Number.isFinite(m.at) && m.at >= 0 ? m.at : null;
      if (sessionId === null || !action || at === null) return null;
      if (MEMBER_ACTIONS.has(action) && slot === null) return null;
      return { type: 'action', sessionId, action, slot, at };
    }
    case 'montecarlo': {
      const scenario = name(m.scenario); const seed = seedOf(m.seed); const n = members(); const r = runs();
      return scenario && seed !== null && n !== null && r !== null ? { type: 'montecarlo', scenario, seed, members: n, runs: r } : null;
    }
    case 'compare': {
      const list = Array.isArray(m.scenarios) ? m.scenarios.map(name) : [];
      const seed = seedOf(m.seed); const n = members(); const r = runs();
      if (list.length !== 2 || !list[0] || !list[1] || seed === null || n === null || r === null) return null;
      return { type: 'compare', scenarios: [list[0], list[1]], seed, members: n, runs: r };
    }
    case 'replay': {
      const kind = m.kind === 'scenario' || m.kind === 'rehearsal' ? m.kind : null;
      const plan = typeof m.plan === 'string' && m.plan.length <= 200 ? m.plan : null;
      const seed = seedOf(m.seed); const n = members();
      return kind && plan !== null && seed !== null && n !== null ? { type: 'replay', kind, plan, seed, members: n } : null;
    }
    default: return null;
  }
}

export type { Frame, NodeView, EventView, MessageView, HistoryDelta };
