// Safe member removal: the quorum rules first; a leader hands over leadership before it is removed (the
// k0s failure was removing the leader directly); the removal goes through a surviving member, never the
// one removed; etcd's transient "unhealthy cluster" refusal is retried within the deadline; the result is
// verified from a survivor. Talks only to a ClusterPort.
import { MemberHealth } from '../cluster-model';
import { formatMs } from '../format';
import { sameId } from '../ids';
import { ClusterPort, MemberInfo } from '../port';
import { classifyError, errorText, waitingReason } from './etcd-errors';
import { LeaderWatch } from './leader-watch';
import { findById, label, shortName } from './member-ref';
import { confirmOrStop, nameResolver, readAfter, readCluster, readClusterAndTarget, watchedMembers } from './op-common';
import { OpRun } from './op-run';
import { RemovalAssessment, removalChecks, RemovalRuleOptions } from './removal-rules';
import { answeringLeader } from './transfer-rules';
import { transferLeadership } from './transfer';
import { blockingChecks, OpOptions, OpResult } from './types';

/** Rounds of (re-check, maybe transfer, remove) before giving up when leadership keeps moving. */
const MAX_ROUNDS = 3;
const BACKOFF_START_MS = 100;
const BACKOFF_MAX_MS = 1000;

/** The removal attempt lost its answer (leader change, timeout): re-read the cluster and try again. */
class RetryRound extends Error {}

export async function removeMember(port: ClusterPort, member: string, options: OpOptions = {}): Promise<OpResult> {
  const run = new OpRun(port, 'remove-member', member, options);
  const r = run.result;
  let watch: LeaderWatch | null = null;
  try {
    const { health, target } = await readClusterAndTarget(run, member, 'member-exists', (m) => `${label(m)}${m.isLearner ? ', a learner' : ', a voter'}`);
    const targetId = target.id as string;
    const rules = { maxLagEntries: run.options.maxLagEntries, profiles: run.options.profiles };
    const assessment = removalChecks(health, target, rules);
    run.addChecks(assessment.checks);
    r.plan = planFor(target, assessment, run);
    run.refuseOnFailedChecks();

    if (run.options.dryRun) {
      if (assessment.successor) run.skip('transfer leadership', 'dry run: nothing sent');
      run.skip('remove member', 'dry run: nothing sent');
      r.membersAfter = r.membersBefore;
      return run.finish({ ok: true, reason: `dry run: ${shortName(target)} would be removed${assessment.successor ? ` after leadership moves to ${shortName(assessment.successor)}` : ''}; nothing was changed` });
    }
    await confirmOrStop(run);
    run.checkCancel(assessment.successor ? 'the leader transfer' : 'the removal');

    const watched = watchedMembers(health);
    watch = new LeaderWatch(port, watched, run.options.pollMs);
    watch.start();
    const names = nameResolver(health);
    let current = health;
    let checked = assessment;
    let sent = false;
    let listAfterRemoval: MemberInfo[] | null = null;

    for (let round = 1; ; round++) {
      const t = findById(current, targetId);
      if (!t) {
        if (sent) break; // an earlier attempt whose answer was lost did go through
        throw new Error(`${shortName(target)} is no longer in the member list: someone else removed it meanwhile`);
      }
      if (sameId(current.leader, targetId)) {
        const successor = checked.successor;
        const leader = answeringLeader(current);
        if (!successor || !leader) throw new Error(`${shortName(target)} leads and no voter can take over now; nothing was removed`);
        run.checkCancel('the leader transfer');
        const outcome = await transferLeadership(run, watch, leader, successor, names, watched.length);
        r.transferMs = outcome.ms;
        r.leaderAfter = outcome.leaderNow;
        if (!outcome.ok) throw new Error(`${outcome.reason}; nothing was removed`);
        r.leaderTransferredTo = successor.id;
      } else {
        run.checkCancel('the removal');
        sent = true;
        watch.markRemoving(targetId);
        try {
          listAfterRemoval = await removeThroughSurvivor(run, t, checked.via, () => stillSafe(run, targetId, rules));
          break;
        } catch (err) {
          if (!(err instanceof RetryRound)) throw err;
          if (round >= MAX_ROUNDS) throw new Error(`${err.message}; gave up after ${round} rounds`);
        }
      }
      // Leadership moved or an answer was lost: read the cluster again and hold the removal to the same rules.
      current = await readCluster(run, 'recheck cluster state');
      const now = findById(current, targetId);
      if (!now) continue;
      checked = removalChecks(current, now, rules);
      const blocking = blockingChecks(checked.checks);
      if (blocking.length) {
        throw new Error(`stopped before removing ${shortName(target)}: the cluster changed since the checks: ${blocking.map((c) => c.detail).join('; ')}`);
      }
    }

    r.removed = targetId;
    run.noteChange(`${shortName(target)} removed`);
    r.membersAfter = await verifyRemoved(run, targetId, target, checked.via, listAfterRemoval);
    await run.step('verify a surviving leader', async (note) => {
      run.waiting(`a surviving member to report a leader that is still a member`);
      const led = await watch!.waitFor(() => watch!.validLeader() !== null, run.budget());
      const leader = watch!.validLeader();
      r.leaderAfter = leader;
      if (!led || !leader) throw new Error('no surviving member reports a leader that is still a member');
      note.detail = `${names(leader)} leads; survivors saw no valid leader for ${formatMs(watch!.leaderless())}`;
    });
    r.leaderlessMs = watch.leaderless();
    const how = r.leaderTransferredTo ? ` after leadership moved to ${names(r.leaderTransferredTo)}` : '';
    return run.finish({ ok: true, reason: `${shortName(target)} removed${how}; ${r.membersAfter ? r.membersAfter.length : '?'} members remain` });
  } catch (err) {
    if (watch) r.leaderlessMs = watch.leaderless();
    if (r.membersAfter === null && run.changed) r.membersAfter = await readAfter(run, survivorsOf(r.membersBefore, r.targetId));
    return run.finish({ error: err });
  } finally {
    watch?.stop();
  }
}

function survivorsOf(members: MemberInfo[], targetId: string | null): string[] {
  return members.filter((m) => !sameId(m.id, targetId) && m.name).map((m) => m.id);
}

/**
 * MemberRemove through the first healthy survivor, retrying etcd's transient strict-check refusal with
 * backoff. A lost answer may hide a removal that went through, so that is looked up before retrying.
 */
async function removeThroughSurvivor(run: OpRun, target: MemberHealth, via: MemberHealth[], recheck: () => Promise<void>): Promise<MemberInfo[]> {
  const targetId = target.id as string;
  const through = via[0];
  if (!through) throw new Error('no healthy surviving member to send the removal through');
  return run.step(`remove ${shortName(target)} via ${shortName(through)}`, async (note) => {
    run.changed = true;
    let attempts = 0;
    let refusedSince: number | null = null;
    let backoff = BACKOFF_START_MS;
    for (;;) {
      attempts++;
      try {
        const list = await run.within(run.port.removeMember(targetId, through.id as string), run.budget(), 'member remove');
        note.detail = `removed through ${shortName(through)}'s endpoint${attempts > 1 ? ` after ${attempts} attempts` : ''}`
          + (refusedSince !== null ? ` (etcd's strict check refused for ${formatMs(run.now() - refusedSince)})` : '');
        return list;
      } catch (err) {
        const kind = classifyError(err);
        if (kind === 'reconfig-unhealthy') {
          // Nothing was proposed: etcd refused before raft. Safe to wait and ask again, or to stop here.
          refusedSince ??= run.now();
          run.checkCancel('the removal (etcd had refused it so far)');
          run.waiting(`${waitingReason(kind, err)}; retrying in ${formatMs(backoff)} (attempt ${attempts})`);
          if (!(await run.pause(backoff)) || run.remaining() < 50) {
            throw new Error(`etcd kept refusing the removal for ${formatMs(run.now() - refusedSince)}: ${errorText(err)}`);
          }
          backoff = Math.min(backoff * 2, BACKOFF_MAX_MS);
          // etcd's check is about connections; ours about health. Hold every retry to ours as well.
          await recheck();
          continue;
        }
        if (kind === 'member-not-found' || kind === 'leadership' || kind === 'unreachable') {
          const others = via.filter((m) => !sameId(m.id, targetId)).map((m) => m.id as string);
          const list = await readAfter(run, others);
          if (list && !list.some((m) => sameId(m.id, targetId))) {
            note.detail = `removed through ${shortName(through)} (its answer was lost: ${errorText(err)}; a survivor's member list confirms it)`;
            return list;
          }
          if (kind === 'member-not-found') throw err;
          run.noteChange(`removal of ${shortName(target)} sent through ${shortName(through)} (answer lost, not applied as far as the survivors said)`);
          throw new RetryRound(`no answer to the removal through ${shortName(through)}: ${errorText(err)}`
            + (list ? '' : '; no survivor could confirm whether it was applied'));
        }
        throw err;
      }
    }
  });
}

/**
 * A fresh look before retrying a refused removal: stops when the rules now refuse, and goes back to the
 * leader hand-over when the member to remove leads again.
 */
async function stillSafe(run: OpRun, targetId: string, rules: RemovalRuleOptions): Promise<void> {
  const h = await run.within(run.port.snapshot(), run.budget(), 'recheck before retrying');
  const m = findById(h, targetId);
  if (!m) return; // already gone: the next attempt answers "member not found" and a survivor confirms it
  if (sameId(h.leader, targetId)) throw new RetryRound(`${shortName(m)} leads again`);
  const blocking = blockingChecks(removalChecks(h, m, rules).checks);
  if (blocking.length) throw new Error(`stopped retrying: the cluster changed since the checks: ${blocking.map((c) => c.detail).join('; ')}`);
}

/** Reads the member list from survivors (the removal's own answer came from `via`) until the member is gone. */
async function verifyRemoved(run: OpRun, targetId: string, target: MemberHealth, via: MemberHealth[], fromRemoval: MemberInfo[] | null): Promise<MemberInfo[] | null> {
  let last: MemberInfo[] | null = fromRemoval;
  await run.step(`verify ${shortName(target)} left the member list`, async (note) => {
    const survivors = via.map((m) => m.id as string).filter((id) => !sameId(id, targetId));
    for (;;) {
      const list = await readAfter(run, survivors);
      if (list) {
        last = list;
        if (!list.some((m) => sameId(m.id, targetId))) {
          note.detail = `a survivor lists ${list.length} members, without ${shortName(target)}`;
          return;
        }
      }
      run.waiting(`a survivor's member list without ${shortName(target)}`);
      if (!(await run.pause(run.options.pollMs * 5))) throw new Error(`${shortName(target)} still listed by the survivors`);
    }
  });
  return last;
}

function planFor(target: MemberHealth, a: RemovalAssessment, run: OpRun): string[] {
  const name = shortName(target);
  const via = a.via[0];
  const steps: string[] = [];
  if (a.successor) {
    steps.push(`transfer leadership from ${label(target)} to ${label(a.successor)} (healthiest caught-up voter); verify members follow it`);
    steps.push(`re-read the cluster and re-check these rules before removing anything`);
  }
  steps.push(`remove ${label(target)} through ${via ? `${shortName(a.successor ?? via)}'s endpoint` : 'a surviving member'} (never through ${name}); `
    + `if etcd answers "unhealthy cluster" (members connected < 5 s), retry with backoff within ${formatMs(run.options.deadlineMs)}`);
  steps.push(`verify from a survivor: the member list no longer has ${name}, and a surviving member leads`);
  return steps;
}
