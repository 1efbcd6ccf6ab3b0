// Safe member removal: the quorum rules first, on the member list read through the leader; a leader hands
// over leadership before it is removed (the k0s failure was removing the leader directly); the removal goes
// through a surviving member, never the one removed; etcd's transient "unhealthy cluster" refusal is
// retried within the step's bound and stops with it; the result is verified from a survivor. A removal
// whose answer was lost is looked up once more before returning, and reported as unknown if still open.
// Talks only to a ClusterPort.
import { ClusterHealth, MemberHealth } from '../cluster-model';
import { formatMs } from '../format';
import { sameId } from '../ids';
import { ClusterPort, isAbortError, MemberInfo, throwIfAborted } from '../port';
import { classifyError, errorText, waitingReason } from './etcd-errors';
import { LeaderWatch } from './leader-watch';
import { freshLeaderView, leaderListView } from './member-list-source';
import { findById, label, shortName } from './member-ref';
import { confirmAndRecheck, nameResolver, readAfter, readCluster, readClusterAndTarget, watchedMembers } from './op-common';
import { OpRun, StepTimeout } from './op-run';
import { Decision } from './recheck';
import { RemovalAssessment, removalChecks, RemovalRuleOptions } from './removal-rules';
import { answeringLeader } from './transfer-rules';
import { transferLeadership } from './transfer';
import { blockingChecks, OpCheck, OpOptions, OpResult } from './types';

/** Rounds of (re-check, maybe transfer, remove) before giving up when leadership keeps moving. */
const MAX_ROUNDS = 3;
const BACKOFF_START_MS = 100;
const BACKOFF_MAX_MS = 1000;

/** The removal attempt lost its answer (leader change, timeout): re-read the cluster and try again. */
class RetryRound extends Error {}

interface RemovalDecision extends Decision {
  target: MemberHealth | undefined;
  assessment: RemovalAssessment;
}

export async function removeMember(port: ClusterPort, member: string, options: OpOptions = {}): Promise<OpResult> {
  const run = new OpRun(port, 'remove-member', member, options);
  const r = run.result;
  let watch: LeaderWatch | null = null;
  let found: MemberHealth | null = null;
  try {
    const read = await readClusterAndTarget(run, member, 'member-exists', (m) => `${label(m)}${m.isLearner ? ', a learner' : ', a voter'}`);
    found = read.target;
    const target0 = found;
    const targetId = target0.id as string;
    const targetCheck = r.checks.splice(0);
    const rules: RemovalRuleOptions = { maxLagEntries: run.options.maxLagEntries, profiles: run.options.profiles };
    const decide = async (h: ClusterHealth, prefer?: RemovalAssessment, stepName?: string): Promise<RemovalDecision> => {
      const source = await leaderListView(run, h, stepName);
      const target = findById(source.view, targetId);
      const checks: OpCheck[] = [...targetCheck, source.check];
      if (!target) {
        checks.push({ name: 'member-exists', ok: false, detail: `${shortName(target0)} is not in the leader's member list`, severity: 'error' });
        return { view: source.view, target, checks, plan: planFor(target0, { checks: [], successor: null, via: [] }, run),
          assessment: { checks: [], successor: null, via: [] } };
      }
      const assessment = removalChecks(source.view, target, { ...rules, preferSuccessor: prefer?.successor?.id ?? undefined });
      checks.push(...assessment.checks);
      return { view: source.view, target, assessment, checks, plan: planFor(target, assessment, run) };
    };
    const first = await decide(read.health);
    r.checks = first.checks;
    r.plan = first.plan;
    run.refuseOnFailedChecks();

    if (run.options.dryRun) {
      const successor = first.assessment.successor;
      if (successor) run.skip('transfer leadership', 'dry run: nothing sent');
      run.skip('remove member', 'dry run: nothing sent');
      r.membersAfter = r.membersBefore;
      return run.finish({ ok: true, reason: `dry run: ${shortName(target0)} would be removed${successor ? ` after leadership moves to ${shortName(successor)}` : ''}; nothing was changed` });
    }
    const d = await confirmAndRecheck(run, first, targetId, (h) => decide(h, first.assessment, 'read the member list again through the leader'));
    const target = d.target as MemberHealth;
    run.checkCancel(d.assessment.successor ? 'the leader transfer' : 'the removal');

    const watched = watchedMembers(d.view);
    watch = new LeaderWatch(port, watched, run.options.pollMs, run.signal);
    watch.start();
    const names = nameResolver(d.view);
    let current = d.view;
    let checked = d.assessment;
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
          listAfterRemoval = await removeThroughSurvivor(run, t, checked.via, (signal) => stillSafe(run, targetId, rules, signal));
          break;
        } catch (err) {
          if (!(err instanceof RetryRound)) throw err;
          if (round >= MAX_ROUNDS) throw new Error(`${err.message}; gave up after ${round} rounds`);
        }
      }
      // Leadership moved or an answer was lost: read the cluster again and hold the removal to the same rules.
      const again = await decide(await readCluster(run, 'recheck cluster state'), checked, 'read the member list through the leader');
      current = again.view;
      if (!again.target) continue;
      checked = again.assessment;
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
      const led = await watch!.waitFor(() => watch!.validLeader() !== null, run.budget(), note.signal);
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
    if (run.pending?.kind === 'remove' && found) {
      // The removal was sent and its answer never came: one more look, allowed past the deadline.
      const list = await lookOnceMore(run, found, r.membersBefore);
      if (list) r.membersAfter = list;
      if (list && !list.some((m) => sameId(m.id, found!.id))) {
        run.pending = null;
        r.removed = found.id;
        run.noteChange(`${shortName(found)} removed`);
        return run.finish({ ok: true, reason: `${shortName(found)} removed: a survivor's member list confirms it, after ${errorText(err)}; the surviving leader was not verified` });
      }
    }
    if (r.membersAfter === null && run.changed) r.membersAfter = await readAfter(run, survivorsOf(r.membersBefore, r.targetId));
    return run.finish({ error: err });
  } finally {
    watch?.stop();
    run.close();
  }
}

function survivorsOf(members: MemberInfo[], targetId: string | null): string[] {
  return members.filter((m) => !sameId(m.id, targetId) && m.name).map((m) => m.id);
}

async function lookOnceMore(run: OpRun, target: MemberHealth, before: MemberInfo[]): Promise<MemberInfo[] | null> {
  try {
    return await run.step(`look whether ${shortName(target)} was removed`, async (note) => {
      const list = await readAfter(run, survivorsOf(before, target.id), undefined, { signal: note.signal, graceMs: run.graceMs() });
      note.detail = list ? `a survivor lists ${list.length} members${list.some((m) => sameId(m.id, target.id)) ? `, still with ${shortName(target)}` : `, without ${shortName(target)}`}` : 'no survivor answered';
      return list;
    }, run.graceMs() * 2, true);
  } catch {
    return null;
  }
}

/**
 * MemberRemove through the first healthy survivor, retrying etcd's transient strict-check refusal with
 * backoff. A lost answer may hide a removal that went through, so that is looked up before retrying. Each
 * attempt uses the step's signal: once the step's bound is hit, nothing more is sent.
 */
async function removeThroughSurvivor(run: OpRun, target: MemberHealth, via: MemberHealth[], recheck: (signal: AbortSignal) => Promise<void>): Promise<MemberInfo[]> {
  const targetId = target.id as string;
  const through = via[0];
  if (!through) throw new Error('no healthy surviving member to send the removal through');
  let attempts = 0;
  let refusedSince: number | null = null;
  const refusals = () => (refusedSince !== null ? `etcd refused ${attempts} attempt${attempts === 1 ? '' : 's'} over ${formatMs(run.now() - refusedSince)} ("unhealthy cluster")` : '');
  const attemptAll = () => run.step(`remove ${shortName(target)} via ${shortName(through)}`, async (note) => {
    run.changed = true;
    let backoff = BACKOFF_START_MS;
    for (;;) {
      throwIfAborted(note.signal);
      attempts++;
      run.pending = { kind: 'remove', what: `the removal of ${shortName(target)}`, checkWith: 'etcdctl member list' };
      try {
        const list = await run.port.removeMember(targetId, through.id as string, { signal: note.signal });
        run.pending = null;
        note.detail = `removed through ${shortName(through)}'s endpoint${attempts > 1 ? ` after ${attempts} attempts` : ''}`
          + (refusedSince !== null ? ` (etcd's strict check refused for ${formatMs(run.now() - refusedSince)})` : '');
        return list;
      } catch (err) {
        if (isAbortError(err)) throw err; // the step ended with this attempt in flight: its outcome is unknown
        const kind = classifyError(err);
        if (kind === 'reconfig-unhealthy') {
          // Nothing was proposed: etcd refused before raft. Safe to wait and ask again, or to stop here.
          run.pending = null;
          refusedSince ??= run.now();
          note.detail = refusals();
          run.checkCancel('the removal (etcd had refused it so far)');
          run.waiting(`${waitingReason(kind, err)}; retrying in ${formatMs(backoff)} (attempt ${attempts})`);
          if (!(await run.pause(backoff, note.signal)) || run.remaining() < 50) {
            throw new Error(`etcd kept refusing the removal for ${formatMs(run.now() - refusedSince)}: ${errorText(err)}; nothing was removed`);
          }
          backoff = Math.min(backoff * 2, BACKOFF_MAX_MS);
          // etcd's check is about connections; ours about health. Hold every retry to ours as well.
          await recheck(note.signal);
          continue;
        }
        if (kind === 'member-not-found' || kind === 'leadership' || kind === 'unreachable') {
          const others = via.filter((m) => !sameId(m.id, targetId)).map((m) => m.id as string);
          const list = await readAfter(run, others, undefined, { signal: note.signal });
          if (list && !list.some((m) => sameId(m.id, targetId))) {
            run.pending = null;
            note.detail = `removed through ${shortName(through)} (its answer was lost: ${errorText(err)}; a survivor's member list confirms it)`;
            return list;
          }
          if (kind === 'member-not-found') { run.pending = null; throw err; }
          run.noteChange(`removal of ${shortName(target)} sent through ${shortName(through)} (answer lost, not applied as far as the survivors said)`);
          throw new RetryRound(`no answer to the removal through ${shortName(through)}: ${errorText(err)}`
            + (list ? '' : '; no survivor could confirm whether it was applied'));
        }
        run.pending = null;
        throw err;
      }
    }
  });
  try {
    return await attemptAll();
  } catch (err) {
    // Past the step's bound between two refused attempts: nothing is pending, nothing was removed.
    if (err instanceof StepTimeout && !run.pending && refusedSince !== null) throw new StepTimeout(`${err.message}: ${refusals()}; nothing was removed`);
    throw err;
  }
}

/**
 * A fresh look before retrying a refused removal (member list through the leader): stops when the rules now
 * refuse, and goes back to the leader hand-over when the member to remove leads again.
 */
async function stillSafe(run: OpRun, targetId: string, rules: RemovalRuleOptions, signal: AbortSignal): Promise<void> {
  const h = await freshLeaderView(run, signal);
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
      const list = await readAfter(run, survivors, undefined, { signal: note.signal });
      if (list) {
        last = list;
        if (!list.some((m) => sameId(m.id, targetId))) {
          note.detail = `a survivor lists ${list.length} members, without ${shortName(target)}`;
          return;
        }
      }
      run.waiting(`a survivor's member list without ${shortName(target)}`);
      if (!(await run.pause(run.options.pollMs * 5, note.signal))) throw new Error(`${shortName(target)} still listed by the survivors`);
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
    + `if etcd answers "unhealthy cluster" (members connected < 5 s), retry with backoff within ${formatMs(Math.min(run.options.stepTimeoutMs, run.options.deadlineMs))}, then stop`);
  steps.push(`verify from a survivor: the member list no longer has ${name}, and a surviving member leads`);
  return steps;
}
