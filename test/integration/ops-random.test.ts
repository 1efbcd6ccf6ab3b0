// A seeded randomized run on a real 3-voter etcd cluster: leader transfers and removals (of leaders,
// followers, anyone) while a fault injector kill -9s or SIGSTOPs a random member at a random moment.
// After every operation: it returned within its deadline; its report agrees with etcd's member list; and
// a majority of the remaining voters is healthy, except for members the injector itself took down.
// Rerun a failure with OPS_SEED=<seed printed>; OPS_ITERATIONS changes the length (default 12).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { moveLeader } from '../../src/core/ops/move-leader';
import { removeMember } from '../../src/core/ops/remove-member';
import { EtcdTestCluster, HarnessMember } from '../harness/etcd-cluster';
import { addMemberWhenAllowed, CtlMember, ctlMembers, live, portFor, rng, underRandomFault, waitLeader } from './ops-support';

const DEADLINE_MS = 10_000;
/** What the engine may take beyond its deadline: the call in flight is abandoned, not awaited. */
const SLACK_MS = 1500;

describe('ops engine: seeded random faults during operations (real etcd)', () => {
  const seed = Number(process.env.OPS_SEED ?? Date.now() % 1_000_000);
  const iterations = Number(process.env.OPS_ITERATIONS ?? 12);
  const random = rng(seed);
  const pick = <T>(xs: T[]): T => xs[Math.floor(random() * xs.length)];
  let cluster: EtcdTestCluster;
  /** Members this run removed from the cluster. */
  const gone = new Set<string>();

  before(async () => {
    console.log(`ops-random: seed ${seed} (rerun with OPS_SEED=${seed}), ${iterations} iterations`);
    cluster = await EtcdTestCluster.start({ members: 3 });
  });
  after(async () => cluster?.close());

  const members = () => cluster.members.filter((m) => !gone.has(m.name));

  async function healthy(m: HarnessMember): Promise<boolean> {
    return cluster.etcdctl(['endpoint', 'health'], [m.clientUrl], 5000).then(() => true, () => false);
  }

  /** Brings the cluster back to 3 healthy voters: resume, restart, replace removed members. */
  async function heal(): Promise<void> {
    for (const m of cluster.members) cluster.resume(m.name);
    for (const m of cluster.members.filter((x) => gone.has(x.name) && x.process)) await cluster.kill(m.name);
    for (const m of members().filter((x) => !x.process)) await cluster.restart(m.name);
    while (members().length < 3) await addMemberWhenAllowed(cluster, {}, 20_000);
    await cluster.waitHealthy(members());
  }

  it(`keeps quorum and its deadlines under kills and stops (seed printed above)`, async (t) => {
    t.diagnostic(`seed ${seed}`);
    for (let i = 1; i <= iterations; i++) {
      await heal();
      const leader = await waitLeader(cluster, members());
      const op = random() < 0.55 ? 'move-leader' : 'remove-member';
      const target = pick(members()).name;
      const port = portFor(cluster, members());
      const { r, took, what: faultWhat, down: downByInjector } = await underRandomFault(cluster, random, members(), 400, async () => {
        try {
          return op === 'move-leader'
            ? await moveLeader(port, target, { deadlineMs: DEADLINE_MS })
            : await removeMember(port, target, { deadlineMs: DEADLINE_MS });
        } finally {
          await port.close();
        }
      });
      const what = `#${i} ${op} ${target} (leader ${leader}), fault ${faultWhat}`;
      t.diagnostic(`${what}: ${r.ok ? 'OK' : r.refused ? 'REFUSED' : 'FAILED'} in ${took} ms: ${r.reason}`);
      assert.ok(took <= DEADLINE_MS + SLACK_MS, `${what}: took ${took} ms, deadline ${DEADLINE_MS}`);

      // Stopped members ran again when the operation returned; killed ones stay down for the quorum check.
      // Asked of survivors only: a removed member may still run for a moment and answer with its old list.
      const up = members().filter((m) => m.process && m.name !== target);
      let listed: CtlMember[] = [];
      const targetListed = () => listed.some((m) => m.name === target);
      const settled = await cluster.waitUntil(async () => {
        listed = await ctlMembers(cluster, up);
        return listed.length > 0 && (!r.removed || !targetListed());
      }, 10_000, 'a member list').then(() => true, () => false);
      if (r.removed) {
        assert.ok(settled && !targetListed(), `${what}: reported removed but etcd still lists ${target}`);
      } else if (!targetListed()) {
        // The only honest way to be wrong: an answer was lost and no survivor could say whether it applied.
        assert.match(r.reason, /could confirm|answer lost/, `${what}: ${target} is gone but the report says not removed`);
      }
      if (!targetListed()) gone.add(target);

      // Quorum: healthy voters plus those the injector took down reach the quorum of the remaining voters.
      const voters = listed.filter((m) => !m.learner).map((m) => cluster.member(m.name));
      const need = Math.floor(voters.length / 2) + 1;
      let healthyVoters = 0;
      await cluster.waitUntil(async () => {
        const health = await Promise.all(voters.filter((m) => m.process).map(healthy));
        healthyVoters = health.filter(Boolean).length;
        return healthyVoters + voters.filter((m) => downByInjector.has(m.name)).length >= need;
      }, 10_000, `${what}: quorum of the ${voters.length} remaining voters`).catch((err) => {
        assert.fail(`${(err as Error).message}: ${healthyVoters} healthy, ${[...downByInjector].join(',') || 'none'} down by the injector, ${need} needed`);
      });
    }
  });
});
