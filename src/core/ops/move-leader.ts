// Safe leader transfer: read the cluster, resolve the target, check it can lead (membership from the
// leader's own list), confirm, look again, MoveLeader to the current leader's own endpoint, verify that
// members follow the target. Talks only to a ClusterPort.
import { ClusterHealth, MemberHealth } from '../cluster-model';
import { formatMs } from '../format';
import { ClusterPort } from '../port';
import { LeaderWatch } from './leader-watch';
import { leaderListView } from './member-list-source';
import { findById, label, shortName } from './member-ref';
import { confirmAndRecheck, nameResolver, readAfter, readClusterAndTarget, watchedMembers } from './op-common';
import { OpRun, OpStop } from './op-run';
import { Decision } from './recheck';
import { transferChecks, answeringLeader } from './transfer-rules';
import { reportersNeeded, transferLeadership } from './transfer';
import { blockingChecks, OpCheck, OpOptions, OpResult } from './types';

interface TransferDecision extends Decision {
  target: MemberHealth | undefined;
  leader: MemberHealth | undefined;
  watched: string[];
}

export async function moveLeader(port: ClusterPort, to: string, options: OpOptions = {}): Promise<OpResult> {
  const run = new OpRun(port, 'move-leader', to, options);
  const r = run.result;
  let watch: LeaderWatch | null = null;
  try {
    const { health, target: found } = await readClusterAndTarget(run, to, 'target-exists', label);
    const targetId = found.id as string;
    const targetCheck = r.checks.splice(0);
    const decide = async (h: ClusterHealth, stepName?: string): Promise<TransferDecision> => {
      const source = await leaderListView(run, h, stepName);
      const view = source.view;
      const target = findById(view, targetId);
      const checks: OpCheck[] = [...targetCheck, source.check];
      if (target) checks.push(...transferChecks(view, target, run.options.maxLagEntries));
      else checks.push({ name: 'target-exists', ok: false, detail: `${shortName(found)} is not in the leader's member list`, severity: 'error' });
      const watched = watchedMembers(view);
      return { view, target, leader: answeringLeader(view), watched, checks, plan: planFor(view, target ?? found, watched.length, run) };
    };
    const first = await decide(health);
    r.checks = first.checks;
    r.plan = first.plan;
    run.refuseOnFailedChecks();
    if (!first.leader) throw new OpStop('refused: no answering leader', true);

    if (run.options.dryRun) {
      run.skip('transfer leadership', 'dry run: nothing sent');
      r.membersAfter = r.membersBefore;
      return run.finish({ ok: true, reason: `dry run: leadership would move from ${shortName(first.leader)} to ${shortName(found)}; nothing was changed` });
    }
    const d = await confirmAndRecheck(run, first, targetId, (h) => decide(h, 'read the member list again through the leader'));
    if (blockingChecks(d.checks).length || !d.leader || !d.target) throw new OpStop(`refused: ${blockingChecks(d.checks).map((c) => c.detail).join('; ')}`, true);
    run.checkCancel('the leader transfer');

    watch = new LeaderWatch(port, d.watched, run.options.pollMs, run.signal);
    watch.start();
    const outcome = await transferLeadership(run, watch, d.leader, d.target, nameResolver(d.view), d.watched.length);
    r.transferMs = outcome.ms;
    r.leaderAfter = outcome.leaderNow;
    r.leaderlessMs = watch.leaderless();
    r.membersAfter = await readAfter(run, outcome.leaderNow ? [outcome.leaderNow, ...d.watched] : d.watched, undefined,
      outcome.unknown ? { graceMs: run.graceMs() } : {});
    if (!outcome.ok) throw new Error(outcome.reason);
    r.leaderTransferredTo = d.target.id;
    return run.finish({ ok: true, reason: `${shortName(d.target)} leads now; transfer confirmed ${formatMs(outcome.ms)} after MoveLeader was sent` });
  } catch (err) {
    return run.finish({ error: err });
  } finally {
    watch?.stop();
    run.close();
  }
}

function planFor(h: ClusterHealth, target: { id: string | null; name: string }, watched: number, run: OpRun): string[] {
  const leader = findById(h, h.leader);
  return [
    `send MoveLeader to the current leader ${leader ? label(leader) : '(none)'} at its own endpoint${leader?.endpoint ? ` ${leader.endpoint}` : ''}, naming ${label(target)}`,
    `verify: wait until ${reportersNeeded(watched)} members report ${shortName(target)} as leader (at most ${formatMs(Math.min(run.options.stepTimeoutMs, run.options.deadlineMs))})`,
  ];
}
