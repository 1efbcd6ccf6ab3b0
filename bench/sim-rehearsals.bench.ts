// Rehearsals of joins and maintenance in the simulator (virtual time; the wall time is what a rehearsal costs):
// (1) rolling defragmentation of 3 members with a 1 GB db each, leader-last (leadership moved away first)
// against leader-first: leaderless time per run over 100 seeds (goal 0 for leader-last; what it has is the
// planned transfer); (2) a learner's catch-up time against the db size (20 kB, 100 MB, 1 GB); (3) time without
// a spare failure while a healthy 3-member cluster grows by one: the learner path against adding a voter
// first (goal 0 ms for the learner path). The comparison point is the naive order / the voter path an
// operator would otherwise take, measured here in the same run.
import { runMonteCarlo } from '../src/core/sim/monte-carlo';
import { Prng } from '../src/core/sim/prng';
import { builtinScenario } from '../src/core/sim/scenarios';
import { rehearseGrowth } from '../src/core/sim/growth';
import { report, round } from './lib';

const RUNS = Number(process.env.BENCH_SIM_RUNS ?? 100);
const MB = 1024 * 1024;

async function monteCarlo(name: string) {
  const b = builtinScenario(name);
  if (!b) throw new Error(`no scenario ${name}`);
  return runMonteCarlo((seed) => b.build(3, new Prng(seed)), { runs: RUNS, seed: 1 });
}

async function main(): Promise<void> {
  const last = await monteCarlo('rolling-defrag-leader-last');
  const first = await monteCarlo('rolling-defrag-leader-first');
  const sizes = [['20 kB', 20 * 1024], ['100 MB', 100 * MB], ['1 GB', 1024 * MB]] as const;
  const growth = [];
  for (const [label, bytes] of sizes) {
    growth.push({ label, learner: await rehearseGrowth('learner', { dbSize: bytes }), voter: await rehearseGrowth('voter', { dbSize: bytes }) });
  }
  const rows: [string, string][] = [
    [`rolling defrag 3×1 GB, leader-last, ${RUNS} seeds`, `leaderless p50 ${last.leaderlessMs.p50} ms, max ${last.leaderlessMs.max} ms (the planned transfer); elections mean ${last.elections.mean}; ${round(last.wallMs, 0)} ms wall`],
    [`rolling defrag 3×1 GB, leader-first, ${RUNS} seeds`, `leaderless p50 ${first.leaderlessMs.p50} ms, max ${first.leaderlessMs.max} ms; elections mean ${first.elections.mean}; ${round(first.wallMs, 0)} ms wall`],
    ['  leader-first / leader-last leaderless (p50)', `${round(first.leaderlessMs.p50 / Math.max(0.001, last.leaderlessMs.p50), 0)}×`],
  ];
  for (const g of growth) {
    rows.push([`grow 3→4, db ${g.label}: learner catch-up (to promoted)`, `${g.learner.catchUpMs} ms simulated; no spare failure for ${g.learner.zeroFaultToleranceMs} ms (goal 0)`]);
    rows.push([`  voter first, then started`, `caught up after ${g.voter.catchUpMs} ms; no spare failure for ${round(g.voter.zeroFaultToleranceMs, 0)} ms`]);
  }
  report('sim-rehearsals', rows, {
    runs: RUNS,
    rollingDefragLeaderLastLeaderlessMs: last.leaderlessMs,
    rollingDefragLeaderFirstLeaderlessMs: first.leaderlessMs,
    rollingDefragLeaderLastElections: last.elections.mean,
    rollingDefragLeaderFirstElections: first.elections.mean,
    rollingDefragWallMs: { leaderLast: last.wallMs, leaderFirst: first.wallMs },
    growth: growth.map((g) => ({
      db: g.label, learnerCatchUpMs: g.learner.catchUpMs, learnerZeroFaultToleranceMs: g.learner.zeroFaultToleranceMs,
      voterCatchUpMs: g.voter.catchUpMs, voterZeroFaultToleranceMs: round(g.voter.zeroFaultToleranceMs, 0),
    })),
    goalLeaderLastLeaderlessMs: 0,
    goalLearnerZeroFaultToleranceMs: 0,
  });
}

main().catch((err) => {
  console.error(`sim-rehearsals bench failed: ${(err as Error).message}`);
  process.exit(1);
});
