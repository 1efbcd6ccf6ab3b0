// Promoting a learner: refused while it has not started, cannot be reached, or is behind etcd's own
// readiness rule (its progress >= 90 % of the leader's). With a wait, the cluster is refreshed (read-only) and
// the learner's start and catch-up shown until ready or the wait's bound, and the
// checks run again on a fresh look before the confirmation. The promotion goes through the leader and is
// verified from a voter other than the learner. Talks only to a ClusterPort.
import { ClusterHealth, MemberHealth } from '../cluster-model';
import { formatMs } from '../format';
import { sameId } from '../ids';
import { ClusterPort, MemberInfo } from '../port';
import { errorText } from './etcd-errors';
import { leaderListView } from './member-list-source';
import { findById, knownMembers, label, shortName } from './member-ref';
import { onlyWaitingOnLearner, promoteChecks, readinessOf } from './membership-rules';
import { confirmAndRecheck, readAfter, readCluster, readClusterAndTarget } from './op-common';
import { OpRun, OpStop, StepTimeout } from './op-run';
import { Decision } from './recheck';
import { sendWithRetry } from './reconfig-call';
import { answeringLeader } from './transfer-rules';
import { blockingChecks, DEFAULTS, OpOptions, OpResult } from './types';
import { LEARNER_READY_PERCENT } from '../etcd/health-findings';

export interface PromoteOptions extends OpOptions {
  /** Wait up to this long (ms) for the learner to catch up before refusing (default 0: refuse at once). */
  waitMs?: number;
  /** How often the cluster is read while waiting, ms (default 500). */
  catchUpPollMs?: number;
}

/** A learner that stops answering this long while catching up ends the wait: it has stopped, or is cut off. */
const SILENT_LEARNER_MS = 3000;

interface PromoteDecision extends Decision {
  target: MemberHealth | undefined;
}

export async function promoteMember(port: ClusterPort, member: string, options: PromoteOptions = {}): Promise<OpResult> {
  const waitMs = Math.max(0, options.waitMs ?? 0);
  // The wait comes before the confirmation, inside the run's first bound: that bound grows by the wait.
  const run = new OpRun(port, 'promote-member', member, { ...options, deadlineMs: (options.deadlineMs ?? DEFAULTS.deadlineMs) + waitMs });
  const r = run.result;
  r.promoted = null;
  try {
    const read = await readClusterAndTarget(run, member, 'member-exists', (m) => `${label(m)}${m.isLearner ? ', a learner' : ', a voter'}`);
    const targetId = read.target.id as string;
    const targetCheck = r.checks.splice(0);
    const decide = async (h: ClusterHealth, stepName?: string): Promise<PromoteDecision> => {
      const source = await leaderListView(run, h, stepName);
      const target = findById(source.view, targetId);
      const checks = [...targetCheck, source.check];
      if (target) checks.push(...promoteChecks(source.view, target));
      else checks.push({ name: 'member-exists', ok: false, severity: 'error', detail: `${shortName(read.target)} is not in the leader's member list` });
      return { view: source.view, target, checks, plan: planLines(source.view, target ?? read.target, waitMs) };
    };
    let first = await decide(read.health);
    r.checks = first.checks;
    r.plan = first.plan;
    if (waitMs > 0 && onlyWaitingOnLearner(first.checks)) {
      if (run.options.dryRun) {
        for (const c of r.checks) if (!c.ok && c.severity === 'error') { c.severity = 'warning'; c.detail += `; --wait would wait up to ${formatMs(waitMs)} for it`; }
      } else {
        await waitForLearner(run, first.target!, waitMs, options.catchUpPollMs ?? 500);
        first = await decide(await readCluster(run, 'read cluster state after the catch-up'), 'read the member list through the leader');
        r.checks = first.checks;
        r.plan = first.plan;
      }
    }
    run.refuseOnFailedChecks();
    if (run.options.dryRun) {
      run.skip('promote', 'dry run: nothing sent');
      r.membersAfter = r.membersBefore;
      return run.finish({ ok: true, reason: `dry run: ${shortName(read.target)} would be promoted to a voter; nothing was changed` });
    }
    const d = await confirmAndRecheck(run, first, targetId, (h) => decide(h, 'read the member list again through the leader'));
    if (blockingChecks(d.checks).length || !d.target) throw new OpStop(`refused: ${blockingChecks(d.checks).map((c) => c.detail).join('; ')}`, true);
    const leader = answeringLeader(d.view);
    if (!leader) throw new OpStop('refused: no answering leader to send the promotion through', true);
    run.checkCancel('the promotion');
    const target = d.target;
    await run.step(`promote ${shortName(target)} via ${shortName(leader)}`, async (note) => {
      await sendWithRetry(run, note, { kind: 'promote', what: `the promotion of ${shortName(target)}`, checkWith: 'etcdctl member list' },
        (signal) => run.port.promoteMember(targetId, leader.id as string, { signal }));
      note.detail = `promoted through the leader${note.detail ? `; ${note.detail}` : ''}`;
    });
    run.noteChange(`${shortName(target)} promoted`);
    r.promoted = targetId;
    r.membersAfter = await verifyVoter(run, d.view, target);
    return run.finish({ ok: true, reason: `${shortName(target)} is a voting member now; ${knownMembers(d.view).filter((m) => !m.isLearner).length + 1} voters` });
  } catch (err) {
    if (run.pending?.kind === 'promote' && r.targetId) {
      const list = await readAfter(run, survivorIds(r.membersBefore, r.targetId), undefined, { graceMs: run.graceMs() }).catch(() => null);
      const m = list?.find((x) => sameId(x.id, r.targetId));
      if (list) r.membersAfter = list;
      if (m && !m.isLearner) {
        run.pending = null;
        r.promoted = m.id;
        run.noteChange(`${shortName(m)} promoted`);
        return run.finish({ ok: true, reason: `${shortName(m)} is a voting member: a voter's member list confirms it, after ${errorText(err)}` });
      }
    }
    return run.finish({ error: err });
  } finally {
    run.close();
  }
}

function planLines(h: ClusterHealth, target: Pick<MemberHealth, 'id' | 'name'>, waitMs: number): string[] {
  const leader = answeringLeader(h);
  return [
    ...(waitMs > 0 ? [`wait up to ${formatMs(waitMs)} until ${shortName(target)} has started and caught up to ${LEARNER_READY_PERCENT} % of the leader (read-only refreshes)`] : []),
    `promote ${label(target)} to a voter through the leader ${leader ? label(leader) : '(none)'}`,
    `verify: a voter other than ${shortName(target)} lists it as a voting member`,
  ];
}

const survivorIds = (list: MemberInfo[], targetId: string) => list.filter((m) => !m.isLearner && m.name && !sameId(m.id, targetId)).map((m) => m.id);

/**
 * Refreshes (read-only) until the learner has started, answers and reaches etcd's readiness, or the wait's
 * bound. A learner that answered during the wait and then stays silent ends it: it stopped or is cut off.
 * Refuses (nothing changed) when it does not get there.
 */
async function waitForLearner(run: OpRun, learner: MemberHealth, waitMs: number, pollMs: number): Promise<void> {
  const name = shortName(learner);
  const id = learner.id as string;
  let last = '';
  let answered = false;
  let silentSince: number | null = null;
  try {
    await run.step(`wait for ${name} to catch up`, async (note) => {
      for (;;) {
        const h = await run.within(() => run.port.snapshot(), run.budget(), 'cluster state', { signal: note.signal });
        const m = findById(h, id);
        if (!m) throw new OpStop(`refused: ${name} left the member list while waiting; nothing was changed`, true);
        if (!m.isLearner) { note.detail = `${shortName(m)} is a voter now`; return; }
        if (!m.started) {
          note.detail = `${label(m)} has not started yet`;
        } else if (!m.status) {
          silentSince ??= run.now();
          note.detail = `${shortName(m)} has started but does not answer (${m.error ?? 'no answer'})`;
          if (answered && run.now() - silentSince >= SILENT_LEARNER_MS) {
            throw new OpStop(`refused: ${shortName(m)} stopped answering while catching up (${m.error ?? 'no answer'}, for ${formatMs(run.now() - silentSince)}); nothing was changed`, true);
          }
        } else {
          answered = true;
          silentSince = null;
          const r = readinessOf(h, m);
          note.detail = r.detail;
          if (r.ready) return;
        }
        if (note.detail !== last) run.waiting(`${name}: ${note.detail}`);
        last = note.detail;
        run.checkCancel(`the promotion of ${name}`);
        await run.pause(pollMs, note.signal);
      }
    }, waitMs);
  } catch (err) {
    if (err instanceof StepTimeout) {
      throw new OpStop(`refused: ${name} was not ready within ${formatMs(waitMs)} (${last || 'no progress read'}; etcd promotes at ${LEARNER_READY_PERCENT} %); nothing was changed`, true);
    }
    throw err;
  }
}

/** A voter other than the promoted member lists it as a voter (polled within the step's bound). */
async function verifyVoter(run: OpRun, view: ClusterHealth, target: MemberHealth): Promise<MemberInfo[] | null> {
  const others = knownMembers(view).filter((m) => !m.isLearner && m.status && !sameId(m.id, target.id)).map((m) => m.id as string);
  return run.step(`verify ${shortName(target)} votes`, async (note) => {
    for (;;) {
      const list = await readAfter(run, others, undefined, { signal: note.signal });
      const m = list?.find((x) => sameId(x.id, target.id));
      if (list && m && !m.isLearner) { note.detail = `a voter lists ${shortName(target)} as a voting member`; return list; }
      if (!(await run.pause(100, note.signal))) throw new Error(`no voter lists ${shortName(target)} as a voting member yet`);
    }
  });
}
