// Growing a healthy cluster by one member, rehearsed two ways through SimPort: the learner path (MemberAdd as
// a learner, start it, promote once it has 90 % of the log) and the voter path (MemberAdd as a voter, then
// start it, as etcdctl's docs used to say). What an operator wants to know: how long the cluster had no
// spare failure, and how long the new member took to catch up. Deterministic per seed.
import { Sim } from './engine';
import { SimPort } from './sim-port';
import { StorageOptions } from './sim-config';

export interface GrowthOptions {
  /** Members before the growth (default 3). */
  members?: number;
  /** Every member's db size, bytes (default 20 MiB). */
  dbSize?: number;
  /** The new member's etcd starts this long after MemberAdd answered, ms (default 1000). */
  startAfterMs?: number;
  storage?: Partial<StorageOptions>;
  seed?: number;
}

export interface GrowthResult {
  path: 'learner' | 'voter';
  /** Time without a spare failure from the MemberAdd on, ms. */
  zeroFaultToleranceMs: number;
  /** From MemberAdd until the new member holds 90 % of the leader's log (learner path: until promoted, polled every 500 ms), ms. */
  catchUpMs: number;
  /** Promotion attempts refused as not in sync (learner path). */
  promoteRefusals: number;
  /** Total time the cluster could not commit, ms. */
  leaderlessMs: number;
}

export async function rehearseGrowth(path: 'learner' | 'voter', options: GrowthOptions = {}): Promise<GrowthResult> {
  const n = options.members ?? 3;
  const sim = new Sim({ seed: options.seed ?? 1, writeIntervalMs: 100, storage: options.storage },
    { members: Array.from({ length: n }, () => ({ dbSize: options.dbSize })), leader: 0 });
  try {
    const port = new SimPort(sim, { joinStartDelayMs: options.startAfterMs ?? 1000 });
    await port.sleep(500);
    const zeroBefore = sim.spareMeter.snapshot(sim.nowUs).unwritableUs;
    const leaderlessBefore = sim.meter.snapshot(sim.nowUs).unwritableUs;
    const t0 = port.now();
    const leaderId = sim.members[0].id;
    const added = await port.addMember([`https://10.0.1.${n + 1}:2380`], path === 'learner', leaderId);
    const slot = sim.slotOf(added.id);
    const leader = sim.nodes[0];
    const caughtUp = () => leader.match[slot] >= 0.9 * leader.log.lastIndex();
    let promoteRefusals = 0;
    if (path === 'learner') {
      // Promote as `promote-member --wait` does: retry while etcd says it is not in sync yet.
      for (;;) {
        try {
          await port.promoteMember(added.id, leaderId);
          break;
        } catch (err) {
          if (!/in sync with leader/.test((err as Error).message) || port.now() - t0 > 600_000) throw err;
          promoteRefusals++;
          await port.sleep(500);
        }
      }
    }
    await port.clock.waitFor(caughtUp, 600_000);
    const catchUpMs = port.now() - t0;
    await port.sleep(1000);
    return {
      path,
      zeroFaultToleranceMs: (sim.spareMeter.snapshot(sim.nowUs).unwritableUs - zeroBefore) / 1000,
      catchUpMs: Math.round(catchUpMs),
      promoteRefusals,
      leaderlessMs: (sim.meter.snapshot(sim.nowUs).unwritableUs - leaderlessBefore) / 1000,
    };
  } finally {
    sim.dispose();
  }
}
