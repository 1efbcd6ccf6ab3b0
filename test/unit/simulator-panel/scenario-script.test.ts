// The panel records scenarios with its own step executor (the core keeps its Sim private); it must give the
// very run the core's runScenario gives for the same seed, or "replay the worst seed" would show another run.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runScenario } from '../../../src/core/sim/scenario-run';
import { BUILTIN_SCENARIOS } from '../../../src/core/sim/scenarios';
import { scenarioSpec } from '../../../src/extension/simulator/scenario-plans';
import { playScenario, scenarioBuild, scenarioWorld } from '../../../src/extension/simulator/scenario-script';
import { SimSession } from '../../../src/extension/simulator/session';

for (const scenario of BUILTIN_SCENARIOS) {
  test(`${scenario.name}: the panel's run equals the core's run for the same seed`, async () => {
    for (const seed of [1, 2, 3, 40]) {
      const spec = scenarioSpec(scenario.name, scenario.defaultMembers, seed);
      const core = await runScenario(spec, seed);
      const world = scenarioWorld(spec, seed);
      const outcome = await playScenario(spec, world);
      const m = world.sim.meter.snapshot(world.sim.nowUs);
      assert.deepEqual(
        { simulatedMs: world.sim.nowMs, leaderlessMs: m.unwritableUs / 1000, elections: world.sim.leaderElections, events: world.sim.events, errors: outcome.errors.map((e) => e.error) },
        { simulatedMs: core.simulatedMs, leaderlessMs: core.leaderlessMs, elections: core.elections, events: core.events, errors: core.opErrors.map((e) => e.error) },
        `seed ${seed}`);
    }
  });
}

test('recording a scenario does not change it (tracing and frames on)', async () => {
  const spec = scenarioSpec('partition-leader', 3, 5);
  const core = await runScenario(spec, 5);
  let end = 0;
  let done = false;
  const session = new SimSession({ info: { kind: 'scenario', title: '', subtitle: '', seed: 5, scenario: 'partition-leader', notes: [] }, build: scenarioBuild(spec, 5) }, {
    reset: () => undefined, history: (_d, e, d) => { end = e; done = d; }, op: () => undefined, error: (e) => assert.fail(e),
  });
  session.start();
  await session.advance(0);
  assert.equal(done, true);
  assert.equal(end, core.simulatedMs);
  assert.equal(session.sim.leaderElections, core.elections);
  assert.equal(session.sim.meter.snapshot(session.sim.nowUs).unwritableUs / 1000, core.leaderlessMs);
  session.dispose();
});
