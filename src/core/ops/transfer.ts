// The leader-transfer steps shared by `move-leader` and the leader case of `remove-member`: MoveLeader sent
// to the current leader's own endpoint, then a bounded wait until at least two members report the target.
import { MemberHealth } from '../cluster-model';
import { formatMs } from '../format';
import { sameId } from '../ids';
import { errorText } from './etcd-errors';
import { LeaderWatch } from './leader-watch';
import { shortName } from './member-ref';
import { OpRun } from './op-run';

export interface TransferOutcome {
  ok: boolean;
  /** Who leads after the attempt, as most members report it; null when none reports a leader. */
  leaderNow: string | null;
  /** From sending MoveLeader until enough members reported the target (or until giving up). */
  ms: number;
  /** Why it failed, in words, naming who leads now. Empty on success. */
  reason: string;
}

/** After a failed MoveLeader, how long to wait for members to name some leader before reporting. */
const SETTLE_MS = 3000;

/** The rule: at least two members (or every watched one, in a smaller cluster) name the new leader. */
export function reportersNeeded(watched: number): number {
  return Math.min(2, watched);
}

export async function transferLeadership(run: OpRun, watch: LeaderWatch, leader: MemberHealth, target: MemberHealth,
  nameOf: (id: string | null) => string, watchedCount: number): Promise<TransferOutcome> {
  const leaderId = leader.id as string;
  const targetId = target.id as string;
  const need = reportersNeeded(watchedCount);
  const sentAt = run.now();
  let sendError: unknown = null;
  let failedAt = sentAt;
  run.changed = true;
  try {
    await run.step(`transfer leadership ${shortName(leader)} -> ${shortName(target)}`, async (note) => {
      note.detail = `MoveLeader sent to ${shortName(leader)} at its own endpoint`;
      await run.port.moveLeader(leaderId, targetId);
      note.detail = `${shortName(leader)} handed leadership to ${shortName(target)}`;
    });
  } catch (err) {
    sendError = err;
    failedAt = run.now();
  }

  // etcd answers MoveLeader once the old leader sees the new one, so success shows within a poll or two.
  // After a failure the transfer may still have happened (only the answer was lost): look before concluding,
  // but only at answers given after the failure.
  const since = sendError ? failedAt : sentAt;
  const wait = sendError ? Math.min(SETTLE_MS, run.budget()) : run.budget();
  const confirmed = () => watch.reporting(targetId, since) >= need;
  const settledElsewhere = () => {
    const now = watch.currentLeader(since);
    return now !== null && !sameId(now.id, targetId) && now.reporters >= need;
  };
  let ms = 0;
  let verifyFailure = '';
  try {
    await run.step(`verify ${shortName(target)} leads`, async (note) => {
      run.waiting(sendError
        ? `the members to agree on a leader after the failed transfer (up to ${formatMs(wait)})`
        : `${need} members to report ${shortName(target)} as leader`);
      await watch.waitFor(() => confirmed() || (sendError !== null && settledElsewhere()), wait);
      ms = Math.round(run.now() - sentAt);
      if (confirmed()) {
        note.detail = `${watch.reporting(targetId, since)} members report ${shortName(target)} as leader, ${formatMs(ms)} after MoveLeader was sent`;
        return;
      }
      throw new Error(`${shortName(target)} not confirmed as leader by ${need} members; ${whoLeads(watch, since, nameOf)}`);
    });
  } catch (err) {
    verifyFailure = errorText(err);
    ms = Math.round(run.now() - sentAt);
  }
  if (!verifyFailure) {
    run.noteChange(`leadership moved from ${shortName(leader)} to ${shortName(target)}`);
    return { ok: true, leaderNow: targetId, ms, reason: '' };
  }
  run.noteChange(`MoveLeader sent to ${shortName(leader)} (not confirmed)`);

  const now = watch.currentLeader(since);
  const reason = sendError
    ? `leader transfer to ${shortName(target)} failed: ${errorText(sendError)}; ${whoLeads(watch, since, nameOf)}`
    : `leader transfer to ${shortName(target)} timed out after ${formatMs(ms)}: ${verifyFailure}`;
  return { ok: false, leaderNow: now?.id ?? null, ms, reason };
}

function whoLeads(watch: LeaderWatch, since: number, nameOf: (id: string | null) => string): string {
  const now = watch.currentLeader(since);
  return now
    ? `${nameOf(now.id)} leads now (reported by ${now.reporters} of ${now.answering} answering members)`
    : 'no member reports a leader right now';
}
