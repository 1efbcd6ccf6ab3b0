// Safe leader transfer: read the cluster, resolve the target, check it can lead, MoveLeader to the current
// leader's own endpoint, verify that members follow the target. Talks only to a ClusterPort.
import { ClusterHealth } from '../cluster-model';
import { formatMs } from '../format';
import { ClusterPort } from '../port';
import { LeaderWatch } from './leader-watch';
import { findById, label, shortName } from './member-ref';
import { confirmOrStop, nameResolver, readAfter, readClusterAndTarget, watchedMembers } from './op-common';
import { OpRun, OpStop } from './op-run';
import { transferChecks, answeringLeader } from './transfer-rules';
import { reportersNeeded, transferLeadership } from './transfer';
import { OpOptions, OpResult } from './types';

export async function moveLeader(port: ClusterPort, to: string, options: OpOptions = {}): Promise<OpResult> {
  const run = new OpRun(port, 'move-leader', to, options);
  const r = run.result;
  let watch: LeaderWatch | null = null;
  try {
    const { health, target } = await readClusterAndTarget(run, to, 'target-exists', label);
    run.addChecks(transferChecks(health, target, run.options.maxLagEntries));
    const leader = answeringLeader(health);
    const watched = watchedMembers(health);
    r.plan = planFor(health, target, watched.length, run);
    run.refuseOnFailedChecks();
    if (!leader) throw new OpStop('refused: no answering leader', true);

    if (run.options.dryRun) {
      run.skip('transfer leadership', 'dry run: nothing sent');
      r.membersAfter = r.membersBefore;
      return run.finish({ ok: true, reason: `dry run: leadership would move from ${shortName(leader)} to ${shortName(target)}; nothing was changed` });
    }
    await confirmOrStop(run);
    run.checkCancel('the leader transfer');

    watch = new LeaderWatch(port, watched, run.options.pollMs);
    watch.start();
    const outcome = await transferLeadership(run, watch, leader, target, nameResolver(health), watched.length);
    r.transferMs = outcome.ms;
    r.leaderAfter = outcome.leaderNow;
    r.leaderlessMs = watch.leaderless();
    r.membersAfter = await readAfter(run, outcome.leaderNow ? [outcome.leaderNow, ...watched] : watched);
    if (!outcome.ok) throw new Error(outcome.reason);
    r.leaderTransferredTo = target.id;
    return run.finish({ ok: true, reason: `${shortName(target)} leads now; transfer confirmed ${formatMs(outcome.ms)} after MoveLeader was sent` });
  } catch (err) {
    return run.finish({ error: err });
  } finally {
    watch?.stop();
  }
}

function planFor(h: ClusterHealth, target: { id: string | null; name: string }, watched: number, run: OpRun): string[] {
  const leader = findById(h, h.leader);
  return [
    `send MoveLeader to the current leader ${leader ? label(leader) : '(none)'} at its own endpoint${leader?.endpoint ? ` ${leader.endpoint}` : ''}, naming ${label(target)}`,
    `verify: wait until ${reportersNeeded(watched)} members report ${shortName(target)} as leader (at most ${formatMs(Math.min(run.options.stepTimeoutMs, run.options.deadlineMs))})`,
  ];
}
