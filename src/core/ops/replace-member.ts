// Replacing a failed member as one plan: the old member leaves through the removal engine (leadership moves
// first if it leads; quorum checked), then the new one is added as a learner through the add engine, each
// re-reading the cluster and holding to its own rules. One confirmation covers both; a step that fails stops
// the plan and the result says what was done. The new member's env and the steps left (start it on an empty
// data dir, promote it once caught up) come with the result. Talks only to a ClusterPort.
import { ClusterHealth, quorumOf } from '../cluster-model';
import { sameId } from '../ids';
import { ClusterPort } from '../port';
import { addMember, nextSteps, previewEnv } from './add-member';
import { leaderListView } from './member-list-source';
import { findById, label, shortName } from './member-ref';
import { addChecks, requestProblems } from './membership-rules';
import { confirmAndRecheck, readClusterAndTarget } from './op-common';
import { OpRun, OpStop } from './op-run';
import { Decision } from './recheck';
import { removalChecks } from './removal-rules';
import { removeMember } from './remove-member';
import { OpCheck, OpOptions, OpResult } from './types';

export interface ReplaceRequest {
  /** The member to replace: a name, hex or decimal id. */
  member: string;
  name: string;
  peerURLs: string[];
}

/** Checks the add's engine repeats on the live cluster after the removal; here they would judge the old view. */
const ADD_CHECKS_COVERED_BY_REMOVAL = new Set(['leader-known', 'quorum-now', 'via-leader']);

/** The cluster as it will be once the old member is gone: the add's checks are judged on it. */
function without(h: ClusterHealth, id: string): ClusterHealth {
  const members = h.members.filter((m) => !sameId(m.id, id));
  return { ...h, members, quorum: quorumOf(members), leader: sameId(h.leader, id) ? null : h.leader };
}

export async function replaceMember(port: ClusterPort, req: ReplaceRequest, options: OpOptions = {}): Promise<OpResult> {
  const run = new OpRun(port, 'replace-member', req.member, options);
  const r = run.result;
  const add = { name: req.name, peerURLs: req.peerURLs, voter: false };
  Object.assign(r, { added: null, isLearner: true, env: null, flags: null, next: [] });
  try {
    const problems = requestProblems(add);
    if (problems.length) {
      r.checks.push({ name: 'request', ok: false, severity: 'error', detail: problems.join('; ') });
      throw new OpStop(`refused: ${problems.join('; ')}`, true);
    }
    const read = await readClusterAndTarget(run, req.member, 'member-exists', (m) => `${label(m)}${m.healthy ? ', healthy' : `, down (${m.error ?? 'no answer'})`}`);
    const targetId = read.target.id as string;
    const targetCheck = r.checks.splice(0);
    const rules = { maxLagEntries: run.options.maxLagEntries, profiles: run.options.profiles };
    const decide = async (h: ClusterHealth, stepName?: string): Promise<Decision> => {
      const source = await leaderListView(run, h, stepName);
      const target = findById(source.view, targetId);
      const checks: OpCheck[] = [...targetCheck, source.check];
      if (!target) {
        checks.push({ name: 'member-exists', ok: false, severity: 'error', detail: `${shortName(read.target)} is not in the leader's member list` });
        return { view: source.view, checks, plan: [] };
      }
      const removal = removalChecks(source.view, target, rules);
      checks.push(...removal.checks);
      checks.push(...addChecks(without(source.view, targetId), add).filter((c) => !ADD_CHECKS_COVERED_BY_REMOVAL.has(c.name))
        .map((c) => ({ ...c, name: `add:${c.name}` })));
      const plan = [
        ...(removal.successor ? [`move leadership from ${shortName(target)} to ${label(removal.successor)}`] : []),
        `remove ${label(target)} through ${removal.via[0] ? shortName(removal.via[0]) : '(no survivor)'}; verify it left the member list`,
        `add ${req.name} (${req.peerURLs.join(', ')}) as a learner through the leader; verify it is listed; print its env`,
        ...nextSteps(add).map((s) => `then you: ${s}`),
      ];
      return { view: source.view, checks, plan };
    };
    const first = await decide(read.health);
    r.checks = first.checks;
    r.plan = first.plan;
    run.refuseOnFailedChecks();
    if (run.options.dryRun) {
      run.skip('remove member', 'dry run: nothing sent');
      run.skip('add member', 'dry run: nothing sent');
      const e = previewEnv(without(first.view, targetId), add);
      Object.assign(r, { env: e.env, flags: e.flags, next: nextSteps(add), membersAfter: r.membersBefore });
      return run.finish({ ok: true, reason: `dry run: ${shortName(read.target)} would be removed and ${req.name} added as a learner; nothing was changed` });
    }
    await confirmAndRecheck(run, first, targetId, (h) => decide(h, 'read the member list again through the leader'));
    run.checkCancel('the removal');

    // Each part is a whole operation of its own: it reads the cluster again and holds to its own rules.
    const sub = { ...options, confirm: undefined, dryRun: false, targetById: true, onProgress: options.onProgress };
    const removal = await removeMember(port, targetId, { ...sub, deadlineMs: Math.max(1000, run.remaining()) });
    adopt(run, 'remove', removal);
    r.leaderTransferredTo = removal.leaderTransferredTo;
    r.leaderAfter = removal.leaderAfter;
    r.leaderlessMs = removal.leaderlessMs;
    if (removal.removed) { r.removed = removal.removed; run.noteChange(`${shortName(read.target)} removed`); }
    if (!removal.ok) {
      r.membersAfter = removal.membersAfter;
      if (removal.outcomeUnknown) run.changed = true;
      throw new OpStop(`stopped: the removal of ${shortName(read.target)} did not complete: ${removal.reason}; ${req.name} was not added`, !removal.outcomeUnknown && !removal.removed);
    }
    run.checkCancel(`adding ${req.name}`);
    const added = await addMember(port, add, { ...sub, targetById: undefined, deadlineMs: Math.max(1000, run.remaining()) });
    adopt(run, 'add', added);
    Object.assign(r, { added: added.added ?? null, env: added.env ?? null, flags: added.flags ?? null, next: added.next ?? [], membersAfter: added.membersAfter });
    if (!added.ok) {
      throw new Error(`stopped after the removal: ${shortName(read.target)} was removed, but adding ${req.name} did not complete: ${added.reason}`);
    }
    run.noteChange(`${req.name} added as a learner`);
    return run.finish({ ok: true, reason: `${shortName(read.target)} removed and ${req.name} added as a learner (${added.added?.id}); start it with the env below, then promote it` });
  } catch (err) {
    return run.finish({ error: err });
  } finally {
    run.close();
  }
}

/** A part's steps and checks become the plan's, each named after its part. */
function adopt(run: OpRun, part: 'remove' | 'add', sub: OpResult): void {
  for (const s of sub.steps) run.result.steps.push({ ...s, name: `${part}: ${s.name}` });
  const failedChecks = sub.checks.filter((c) => !c.ok && c.severity !== 'warning' && c.severity !== 'info');
  if (!sub.ok && failedChecks.length) run.addChecks(failedChecks.map((c) => ({ ...c, name: `${part}:${c.name}` })));
}
