// Adding a member: a learner by default (it cannot cost quorum while it catches up), a voter only where the
// healthy voters keep quorum of the new size. Checks on the member list read through the leader: name and
// peer URLs free, no learner pending, every voter connected (etcd's strict check). The add goes through the
// leader, etcd's transient refusals are retried within the step, and the result carries exactly the env the
// new member needs to start (from the member list read after the add). Talks only to a ClusterPort.
import { ClusterHealth } from '../cluster-model';
import { sameId } from '../ids';
import { ClusterPort, MemberInfo } from '../port';
import { classifyError, errorText } from './etcd-errors';
import { leaderListView } from './member-list-source';
import { memberEnv, peerKey } from './member-env';
import { knownMembers, label, memberInfos } from './member-ref';
import { AddRequest, addChecks, requestProblems } from './membership-rules';
import { confirmAndRecheck, readAfter, readCluster } from './op-common';
import { OpRun, OpStop } from './op-run';
import { Decision } from './recheck';
import { sendWithRetry } from './reconfig-call';
import { answeringLeader } from './transfer-rules';
import { OpOptions, OpResult } from './types';

export type { AddRequest } from './membership-rules';

const holdsPeerUrls = (m: MemberInfo, req: AddRequest) => {
  const wanted = new Set(req.peerURLs.map(peerKey));
  return m.peerURLs.some((u) => wanted.has(peerKey(u)));
};

/**
 * What the operator does next once the member is in the list. The promotion names the new member by id: etcd
 * lists it without a name until its process has started and published one.
 */
export function nextSteps(req: AddRequest, addedId?: string): string[] {
  const start = `start etcd for ${req.name} on an EMPTY data dir with the env (or flags) above, plus its own --listen-peer-urls, --listen-client-urls, --advertise-client-urls and the cluster's TLS flags`;
  const promote = `etcd-ops promote-member --member ${addedId ?? '<the id the add prints>'} --wait 120 (waits for ${req.name} to start and catch up, then promotes it)`;
  return req.voter ? [start] : [start, promote];
}

export function planLines(h: ClusterHealth, req: AddRequest): string[] {
  const leader = answeringLeader(h);
  return [
    `add ${req.name} (${req.peerURLs.join(', ')}) as a ${req.voter ? 'VOTING member' : 'learner (non-voting)'} through the leader ${leader ? label(leader) : '(none)'}`,
    `verify: the member list read afterwards lists it${req.voter ? '' : ' as a learner'}; print the env it needs to start`,
  ];
}

/** The env as it would be after the add: the list now plus the new member. */
export function previewEnv(h: ClusterHealth, req: AddRequest) {
  const pending: MemberInfo = { id: 'new', name: '', peerURLs: req.peerURLs, clientURLs: [], isLearner: !req.voter };
  return memberEnv([...memberInfos(h), pending], 'new', req.name, req.peerURLs);
}

export async function addMember(port: ClusterPort, req: AddRequest, options: OpOptions = {}): Promise<OpResult> {
  const run = new OpRun(port, 'add-member', req.name, options);
  const r = run.result;
  Object.assign(r, { added: null, isLearner: !req.voter, env: null, flags: null, next: [] });
  let view: ClusterHealth | null = null;
  try {
    const problems = requestProblems(req);
    if (problems.length) {
      r.checks.push({ name: 'request', ok: false, severity: 'error', detail: problems.join('; ') });
      throw new OpStop(`refused: ${problems.join('; ')}`, true);
    }
    const health = await readCluster(run);
    r.membersBefore = memberInfos(health);
    r.leaderBefore = health.leader;
    r.leaderAfter = health.leader;
    const decide = async (h: ClusterHealth, stepName?: string): Promise<Decision> => {
      const source = await leaderListView(run, h, stepName);
      return { view: source.view, checks: [source.check, ...addChecks(source.view, req)], plan: planLines(source.view, req) };
    };
    const first = await decide(health);
    r.checks = first.checks;
    r.plan = first.plan;
    run.refuseOnFailedChecks();
    if (run.options.dryRun) {
      run.skip('add member', 'dry run: nothing sent');
      const e = previewEnv(first.view, req);
      Object.assign(r, { env: e.env, flags: e.flags, next: nextSteps(req), membersAfter: r.membersBefore });
      return run.finish({ ok: true, reason: `dry run: ${req.name} would be added as a ${req.voter ? 'voter' : 'learner'}; nothing was changed` });
    }
    const d = await confirmAndRecheck(run, first, '', (h) => decide(h, 'read the member list again through the leader'));
    view = d.view;
    const leader = answeringLeader(d.view);
    if (!leader) throw new OpStop('refused: no answering leader to send the add through', true);
    run.checkCancel('the add');

    const added = await run.step(`add ${req.name} via ${leader.name || leader.id}`, (note) =>
      sendWithRetry(run, note, { kind: 'add', what: `the add of ${req.name}`, checkWith: 'etcdctl member list' },
        (signal) => run.port.addMember(req.peerURLs, !req.voter, leader.id as string, { signal }))
        .then((m) => { note.detail = `added as ${m.id}${note.detail ? `; ${note.detail}` : ''}`; return m; })
        .catch(async (err) => {
          // A lost answer (leader change, connection): the add may have gone through; one look decides.
          const kind = classifyError(err);
          if (kind !== 'leadership' && kind !== 'unreachable') throw err;
          const list = await readAfter(run, voterIds(d.view), undefined, { signal: note.signal });
          const found = list?.find((m) => holdsPeerUrls(m, req));
          if (found) { note.detail = `added as ${found.id} (its answer was lost: ${errorText(err)}; the member list confirms it)`; return found; }
          throw new Error(`no answer to the add (${errorText(err)}) and ${list ? 'the member list read afterwards does not list it' : 'no member could say whether it was applied'}; check with etcdctl member list`);
        }));
    return await finishAdded(run, req, added, d.view);
  } catch (err) {
    if (run.pending?.kind === 'add' && view) {
      // Sent and cut off at the bound: one more look, allowed past the deadline.
      const list = await readAfter(run, voterIds(view), undefined, { graceMs: run.graceMs() }).catch(() => null);
      const found = list?.find((m) => holdsPeerUrls(m, req));
      if (found) {
        run.pending = null;
        return finishAdded(run, req, found, view, list);
      }
    }
    return run.finish({ error: err });
  } finally {
    run.close();
  }
}

const voterIds = (h: ClusterHealth) => [h.leader, ...knownMembers(h).filter((m) => !m.isLearner && m.status).map((m) => m.id)]
  .filter((id): id is string => Boolean(id));

/** Verifies the member is listed (as asked: learner or voter), then fills in the env from that list. */
async function finishAdded(run: OpRun, req: AddRequest, added: MemberInfo, view: ClusterHealth, known?: MemberInfo[] | null): Promise<OpResult> {
  const r = run.result;
  r.added = added;
  r.targetId = added.id;
  r.targetName = req.name;
  run.noteChange(`${req.name} added as ${added.id}`);
  let list: MemberInfo[] | null = known ?? null;
  try {
    list = await run.step(`verify ${req.name} is in the member list`, async (note) => {
      for (;;) {
        const l = list ?? await readAfter(run, voterIds(view), undefined, { signal: note.signal });
        const m = l?.find((x) => sameId(x.id, added.id));
        if (l && m) {
          if (m.isLearner === req.voter) throw new Error(`${added.id} is listed as a ${m.isLearner ? 'learner' : 'voter'}, not as asked`);
          note.detail = `listed as ${m.isLearner ? 'a learner' : 'a voter'} (not started yet), ${l.length} members`;
          return l;
        }
        list = null;
        if (!(await run.pause(100, note.signal))) throw new Error('the member list read afterwards does not list it yet');
      }
    }, Math.max(run.budget(), run.graceMs()), true);
  } catch (err) {
    r.membersAfter = list;
    const e = memberEnv([...r.membersBefore, added], added.id, req.name, req.peerURLs);
    Object.assign(r, { env: e.env, flags: e.flags, next: nextSteps(req, added.id) });
    return run.finish({ error: new Error(`${req.name} was added as ${added.id} but could not be verified: ${errorText(err)}; the env is built from the list before the add`) });
  }
  r.membersAfter = list;
  const e = memberEnv(list ?? [], added.id, req.name, req.peerURLs);
  Object.assign(r, { env: e.env, flags: e.flags, next: nextSteps(req, added.id) });
  return run.finish({ ok: true, reason: `${req.name} added as ${req.voter ? 'a voter' : 'a learner'} (${added.id}); start it with the env below${req.voter ? '' : ', then promote it'}` });
}
