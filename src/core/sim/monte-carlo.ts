// Monte-Carlo rehearsal: the same scenario over many seeds (seed, seed+1, ...), each with its own fault
// timing, aggregated into what an operator decides on: how often quorum was lost, how long writes stalled
// (p50/p95/max), how many elections, how long until stable, and the worst seed to replay with a trace.
import { RunOptions, RunResult, runScenario } from './scenario-run';
import { ScenarioSpec } from './scenarios';
import { VersionRules } from './version-rules';

export interface Distribution {
  p50: number;
  p95: number;
  max: number;
  mean: number;
}

export interface MonteCarloSummary {
  scenario: string;
  members: number;
  runs: number;
  seed: number;
  quorumLostRuns: number;
  /** Time without a leader able to commit, per run, ms of simulated time. */
  leaderlessMs: Distribution;
  longestCommitGapMs: Distribution;
  /** Time during which one more failure would have stopped writes, per run, ms. */
  zeroFaultToleranceMs: Distribution;
  elections: Distribution;
  /** Runs that recovered only (never-recovered runs are counted in notRecoveredRuns). */
  timeToStableMs: Distribution;
  notRecoveredRuns: number;
  worstSeed: number;
  worst: Pick<RunResult, 'seed' | 'leaderlessMs' | 'longestLeaderlessMs' | 'quorumLost' | 'opErrors'>;
  /** Operation errors by message, over all runs (retried refusals included). */
  opErrors: { error: string; count: number }[];
  simulatedMs: number;
  events: number;
  messagesDelivered: number;
  wallMs: number;
  eventsPerSec: number;
  messagesPerSec: number;
  /** The etcd version's rules the runs followed, and the same in words. */
  rules: VersionRules;
  rulesText: string;
}

export interface MonteCarloOptions extends RunOptions {
  runs: number;
  seed: number;
  /** Called after each run (progress, custom collection). */
  onRun?: (r: RunResult, index: number) => void;
  /** Wall clock for the throughput figures (injectable for tests); default performance.now. */
  wallClock?: () => number;
}

/** Nearest-rank percentile of sorted values. */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return 0;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))];
}

export function distribution(values: readonly number[]): Distribution {
  const s = [...values].sort((a, b) => a - b);
  const round = (x: number) => Math.round(x * 10) / 10;
  const mean = s.length ? s.reduce((a, b) => a + b, 0) / s.length : 0;
  return { p50: round(percentile(s, 50)), p95: round(percentile(s, 95)), max: round(s.length ? s[s.length - 1] : 0), mean: round(mean) };
}

/** Orders runs from best to worst: quorum lost first, then the longest stall, then total leaderless time. */
function worse(a: RunResult, b: RunResult): boolean {
  if (a.quorumLost !== b.quorumLost) return a.quorumLost;
  if (a.longestLeaderlessMs !== b.longestLeaderlessMs) return a.longestLeaderlessMs > b.longestLeaderlessMs;
  return a.leaderlessMs > b.leaderlessMs;
}

/** A fixed scenario, or one built per run from its seed (random-faults draws different faults each run). */
export type ScenarioSource = ScenarioSpec | ((seed: number) => ScenarioSpec);

export function specSource(source: ScenarioSource): (seed: number) => ScenarioSpec {
  return typeof source === 'function' ? source : () => source;
}

/** Runs seeds `first`, `first + 1`, ... `first + count - 1` (uint32 wrap-around), in order. */
export async function runSeeds(source: ScenarioSource, first: number, count: number, options: RunOptions & { onRun?: (r: RunResult, index: number) => void } = {}): Promise<RunResult[]> {
  const specFor = specSource(source);
  const out: RunResult[] = [];
  for (let i = 0; i < count; i++) {
    const seed = (first + i) >>> 0;
    const r = await runScenario(specFor(seed), seed, options);
    out.push(r);
    options.onRun?.(r, i);
  }
  return out;
}

export async function runMonteCarlo(source: ScenarioSource, options: MonteCarloOptions): Promise<MonteCarloSummary> {
  if (!Number.isInteger(options.runs) || options.runs < 1) throw new RangeError(`runs must be a positive integer, got ${options.runs}`);
  const clock = options.wallClock ?? (() => performance.now());
  const started = clock();
  const results = await runSeeds(source, options.seed, options.runs, options);
  return summarize(specSource(source)(options.seed >>> 0), options.seed, results, clock() - started);
}

/** Aggregates per-run results (in seed order) into the summary; `wallMs` is the time they took. */
export function summarize(spec: ScenarioSpec, seed: number, results: RunResult[], wallMs: number): MonteCarloSummary {
  if (results.length === 0) throw new RangeError('no runs to summarize');
  wallMs = Math.max(0.001, wallMs);
  const errors = new Map<string, number>();
  let worst: RunResult = results[0];
  for (const r of results) {
    for (const e of r.opErrors) errors.set(e.error, (errors.get(e.error) ?? 0) + 1);
    if (worse(r, worst)) worst = r;
  }
  const w = worst;
  const events = results.reduce((a, r) => a + r.events, 0);
  const delivered = results.reduce((a, r) => a + r.messagesDelivered, 0);
  const recovered = results.filter((r) => r.timeToStableMs !== null).map((r) => r.timeToStableMs as number);
  return {
    scenario: spec.name,
    members: spec.members ?? 3,
    runs: results.length,
    seed: seed >>> 0,
    quorumLostRuns: results.filter((r) => r.quorumLost).length,
    leaderlessMs: distribution(results.map((r) => r.leaderlessMs)),
    longestCommitGapMs: distribution(results.map((r) => r.longestCommitGapMs)),
    zeroFaultToleranceMs: distribution(results.map((r) => r.zeroFaultToleranceMs)),
    elections: distribution(results.map((r) => r.elections)),
    timeToStableMs: distribution(recovered),
    notRecoveredRuns: results.length - recovered.length,
    worstSeed: w.seed,
    worst: { seed: w.seed, leaderlessMs: w.leaderlessMs, longestLeaderlessMs: w.longestLeaderlessMs, quorumLost: w.quorumLost, opErrors: w.opErrors },
    opErrors: [...errors].map(([error, count]) => ({ error, count })).sort((a, b) => b.count - a.count),
    simulatedMs: Math.round(results.reduce((a, r) => a + r.simulatedMs, 0)),
    events,
    messagesDelivered: delivered,
    wallMs: Math.round(wallMs * 10) / 10,
    eventsPerSec: Math.round(events / (wallMs / 1000)),
    messagesPerSec: Math.round(delivered / (wallMs / 1000)),
    rules: results[0].rules,
    rulesText: results[0].rulesText,
  };
}
