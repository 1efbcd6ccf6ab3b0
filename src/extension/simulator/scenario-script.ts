// A built-in or file scenario as a session script, so the panel can record it, scrub it and branch from it.
// The steps run through the core's own playScenario on a Sim this file builds (the core's runScenario keeps
// its Sim to itself), so "replay the worst seed" shows the very run the Monte-Carlo summary counted.
import { Sim } from '../../core/sim/engine';
import { clusterSpecFor, DEFAULT_WRITE_INTERVAL_MS, OpError, playScenario as playCoreScenario, scenarioRng, ScenarioWorld } from '../../core/sim/scenario-run';
import { ScenarioSpec } from '../../core/sim/scenarios';
import { SimPort } from '../../core/sim/sim-port';
import { Built } from './session';

export interface ScenarioOutcome {
  /** Start of the first step, ms of virtual time. */
  firstStepAt: number | null;
  errors: OpError[];
}

/** Builds the scenario's cluster for `seed` exactly as the core's runner does. */
export function scenarioWorld(spec: ScenarioSpec, seed: number): ScenarioWorld {
  const rng = scenarioRng(seed);
  const sim = new Sim({ seed, timing: spec.timing, network: spec.network, writeIntervalMs: spec.writeIntervalMs ?? DEFAULT_WRITE_INTERVAL_MS }, clusterSpecFor(spec, rng));
  return { sim, port: new SimPort(sim, { joinStartDelayMs: null }), rng };
}

/** Executes the scenario's steps and its settle time on a world from scenarioWorld, with notes for the panel. */
export async function playScenario(spec: ScenarioSpec, world: ScenarioWorld): Promise<ScenarioOutcome> {
  const { firstStepAt, errors } = await playCoreScenario(spec, world, { annotate: true });
  return { firstStepAt, errors };
}

/** A deterministic build of the scenario for a recorded session. */
export function scenarioBuild(spec: ScenarioSpec, seed: number): () => Built {
  return () => {
    const world = scenarioWorld(spec, seed);
    return { sim: world.sim, port: world.port, script: async () => { await playScenario(spec, world); } };
  };
}
