// A seeded randomized run of the membership lifecycle on a real 3-voter etcd cluster: add a learner, start it
// from the env the tool printed, promote it with --wait, while a fault injector kill -9s or SIGSTOPs a random
// member (the new one included) at a random moment. After every operation: it returned within its deadline;
// what it reports agrees with etcd's member list; and the voters keep a healthy majority, except for members
// the injector itself took down: the tool never causes a quorum loss.
// Rerun a failure with OPS_SEED=<seed printed>; OPS_ITERATIONS changes the length (default 4).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { addMember } from '../../src/core/ops/add-member';
import { promoteMember } from '../../src/core/ops/promote-member';
import { OpResult } from '../../src/core/ops/types';
import { EtcdTestCluster, HarnessMember } from '../harness/etcd-cluster';
import { CtlMember, ctlMembers, portFor, rng, underRandomFault, waitLeader } from './ops-support';

const DEADLINE_MS = 15_000;
/** What the engine may take beyond its deadline: the call in flight is abandoned, not awaited. */
const SLACK_MS = 1500;

describe('membership lifecycle under seeded random faults (real etcd)', () => {
  const seed = Number(process.env.OPS_SEED ?? Date.now() % 1_000_000);
  const iterations = Number(process.env.OPS_ITERATIONS ?? 4);
  const random = rng(seed);
  let cluster: EtcdTestCluster;
  let originals: HarnessMember[];

  before(async () => {
    console.log(`ops-membership-random: seed ${seed} (rerun with OPS_SEED=${seed}), ${iterations} iterations`);
    cluster = await EtcdTestCluster.start({ members: 3 });
    originals = [...cluster.members];
  });
  after(async () => cluster?.close());

  const healthy = (m: HarnessMember) => cluster.etcdctl(['endpoint', 'health'], [m.clientUrl], 5000).then(() => true, () => false);
  const listedBy = () => ctlMembers(cluster, originals.filter((m) => m.process));

  /** Back to the three original voters, all up: every member added by an earlier round is removed and stopped. */
  async function heal(): Promise<void> {
    for (const m of cluster.members) cluster.resume(m.name);
    for (const m of originals.filter((x) => !x.process)) await cluster.restart(m.name);
    await cluster.waitHealthy(originals, 30_000);
    for (const extra of (await listedBy()).filter((m) => !originals.some((o) => o.name === m.name))) {
      await cluster.waitUntil(async () => {
        await cluster.etcdctl(['member', 'remove', extra.id], originals.map((o) => o.clientUrl));
        return true;
      }, 30_000, `the extra member ${extra.id} removed`);
    }
    for (const m of cluster.members.filter((x) => !originals.includes(x))) await cluster.kill(m.name);
    await cluster.waitHealthy(originals, 30_000);
  }

  /** Runs `op` with a fault injected at a random moment into one of `candidates`; returns what it did. */
  async function underFault(candidates: HarnessMember[], op: () => Promise<OpResult>) {
    const { r, took, what, down } = await underRandomFault(cluster, random, candidates, 600, op);
    return { r, took, fault: what, down };
  }

  /** The voters etcd lists keep a healthy majority once the injector's own victims are counted as up. */
  async function quorumHeld(what: string, down: Set<string>): Promise<CtlMember[]> {
    let listed: CtlMember[] = [];
    let healthyVoters = 0;
    let need = 0;
    await cluster.waitUntil(async () => {
      listed = await listedBy();
      const voters = listed.filter((m) => !m.learner).map((m) => cluster.members.find((x) => x.name === m.name || x.clientUrl === m.clientUrl));
      need = Math.floor(voters.length / 2) + 1;
      const health = await Promise.all(voters.map((m) => (m?.process ? healthy(m) : false)));
      healthyVoters = health.filter(Boolean).length;
      return healthyVoters + voters.filter((m) => m && down.has(m.name)).length >= need;
    }, 15_000, `${what}: a healthy majority of the voters`).catch((err) => {
      assert.fail(`${(err as Error).message}: ${healthyVoters} healthy, ${[...down].join(',') || 'none'} down by the injector, ${need} needed`);
    });
    return listed;
  }

  it('never loses quorum, never passes its deadline, never reports what etcd does not show (seed printed above)', async (t) => {
    t.diagnostic(`seed ${seed}`);
    for (let i = 1; i <= iterations; i++) {
      await heal();
      await waitLeader(cluster, originals);
      const name = `n${i}`;
      const node = await cluster.reserveMember(name);

      const port = portFor(cluster, originals);
      const add = await underFault(originals, () => addMember(port, { name, peerURLs: [node.peerUrl], voter: false }, { deadlineMs: DEADLINE_MS }))
        .finally(() => port.close());
      const addWhat = `#${i} add-member ${name}, fault ${add.fault}`;
      t.diagnostic(`${addWhat}: ${add.r.ok ? 'OK' : add.r.refused ? 'REFUSED' : 'FAILED'} in ${add.took} ms: ${add.r.reason}`);
      assert.ok(add.took <= DEADLINE_MS + SLACK_MS, `${addWhat}: took ${add.took} ms`);
      let listed = await quorumHeld(addWhat, add.down);
      const entry = () => listed.find((m) => m.name === name || (!m.started && m.learner));
      if (add.r.ok) {
        assert.ok(add.r.added && add.r.env, `${addWhat}: ok without what was added`);
        assert.equal(entry()?.learner, true, `${addWhat}: reported added, etcd lists ${JSON.stringify(listed)}`);
      } else if (!add.r.outcomeUnknown) {
        assert.equal(entry(), undefined, `${addWhat}: reported not added, but etcd lists a new member`);
      }
      if (!add.r.ok || !add.r.env) continue;

      cluster.startFromEnv(node, add.r.env);
      const promotePort = portFor(cluster, [...originals, node]);
      // As the add's next step says: by id, since etcd lists the learner without a name until it has started.
      const learnerId = add.r.added!.id;
      assert.ok(add.r.next?.some((step) => step.includes(`promote-member --member ${learnerId} --wait`)), JSON.stringify(add.r.next));
      const promote = await underFault([...originals, node], () => promoteMember(promotePort, learnerId, { waitMs: 10_000, deadlineMs: DEADLINE_MS }))
        .finally(() => promotePort.close());
      const promoteWhat = `#${i} promote-member ${name} --wait, fault ${promote.fault}`;
      t.diagnostic(`${promoteWhat}: ${promote.r.ok ? 'OK' : promote.r.refused ? 'REFUSED' : 'FAILED'} in ${promote.took} ms: ${promote.r.reason}`);
      // --wait counts within the deadline: the whole operation is bounded by it.
      assert.ok(promote.took <= DEADLINE_MS + 10_000 + SLACK_MS, `${promoteWhat}: took ${promote.took} ms`);
      listed = await quorumHeld(promoteWhat, promote.down);
      const now = listed.find((m) => m.name === name);
      if (promote.r.ok) assert.equal(now?.learner, false, `${promoteWhat}: reported promoted, etcd lists ${JSON.stringify(now)}`);
      else if (!promote.r.outcomeUnknown) assert.equal(now?.learner ?? true, true, `${promoteWhat}: reported not promoted, but etcd lists a voter`);
    }
  });
});
