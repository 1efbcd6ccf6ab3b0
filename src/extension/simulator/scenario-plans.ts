// Monte-Carlo of a built-in scenario through the core's runMonteCarlo, shaped for the panel: the summary,
// each run's leaderless time for the chart, the worst seed to replay. Two scenarios side by side compare
// two plans for the same change (remove-leader-naive against remove-leader).
import { distribution, runMonteCarlo } from '../../core/sim/monte-carlo';
import { mix32, Prng } from '../../core/sim/prng';
import { RunResult } from '../../core/sim/scenario-run';
import { builtinScenario, ScenarioSpec } from '../../core/sim/scenarios';
import { PlanSummary } from './protocol';

export class UnknownScenarioError extends Error {}

/**
 * The scenario's spec for run `seed`. Built-ins that draw their own steps (random-faults) draw them from the
 * run's seed exactly as `etcd-ops simulate` does, so seed s in the panel is seed s on the command line, and
 * loading the worst seed of a Monte-Carlo replays that very run.
 */
export function scenarioSpec(name: string, members: number, seed: number): ScenarioSpec {
  const builtin = builtinScenario(name);
  if (!builtin) throw new UnknownScenarioError(`no built-in scenario "${name}"`);
  return builtin.build(Math.max(builtin.minMembers, members), new Prng(mix32(seed ^ 0x0b1e55ed)));
}

export class Cancelled extends Error {}

export async function scenarioPlan(name: string, members: number, runs: number, seed: number,
  onProgress?: (done: number, total: number) => void, cancelled?: () => boolean): Promise<PlanSummary> {
  const perRun: RunResult[] = [];
  const summary = await runMonteCarlo((runSeed) => scenarioSpec(name, members, runSeed), {
    runs, seed,
    onRun: (r, i) => {
      if (cancelled?.()) throw new Cancelled('cancelled');
      perRun.push(r);
      onProgress?.(i + 1, runs);
    },
  });
  return {
    key: name,
    label: name,
    plan: builtinScenario(name)?.summary ?? name,
    runs: summary.runs,
    seed: summary.seed,
    okRuns: perRun.filter((r) => r.opErrors.length === 0 && !r.quorumLost).length,
    quorumLostRuns: summary.quorumLostRuns,
    leaderlessMs: summary.leaderlessMs,
    longestLeaderlessMs: distribution(perRun.map((r) => r.longestLeaderlessMs)),
    elections: summary.elections,
    perRun: perRun.map((r) => Math.round(r.leaderlessMs * 10) / 10),
    worstSeed: summary.worstSeed,
    worstLeaderlessMs: Math.round(summary.worst.leaderlessMs * 10) / 10,
    errors: summary.opErrors.slice(0, 5),
    wallMs: Math.round(summary.wallMs),
    rules: summary.rulesText,
  };
}
