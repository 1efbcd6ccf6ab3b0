// The member list quorum math may rest on: read through the leader, linearizably, right before acting.
// A refresh takes its list from whichever member answers, and a partitioned or removed member that still
// runs answers with a stale one; here the leader's list decides who is a member, and the refresh only adds
// how each of those members is doing.
import { ClusterHealth, MemberHealth, quorumOf } from '../cluster-model';
import { sameId } from '../ids';
import { MemberInfo } from '../port';
import { errorText } from './etcd-errors';
import { label, shortName } from './member-ref';
import { OpRun } from './op-run';
import { answeringLeader } from './transfer-rules';
import { OpCheck } from './types';

/** etcd 3.4 ignores MemberListRequest.linearizable (the field exists since 3.5). */
export function honoursLinearizableList(version: string | undefined): boolean {
  const m = /^(\d+)\.(\d+)\./.exec(version ?? '');
  if (!m) return false;
  return Number(m[1]) > 3 || (Number(m[1]) === 3 && Number(m[2]) >= 5);
}

/**
 * The refresh with its membership replaced by the leader's list: members the leader does not list are left
 * out (however healthy they look), members only the leader lists are added as unreachable, and learner /
 * started come from the leader's list. Quorum is recomputed over that.
 */
export function withLeaderList(h: ClusterHealth, list: MemberInfo[]): { view: ClusterHealth; notes: string[] } {
  const notes: string[] = [];
  const members: MemberHealth[] = list.map((info) => {
    const seen = h.members.find((m) => sameId(m.id, info.id));
    const started = info.name !== '';
    if (!seen) {
      notes.push(`${label({ id: info.id, name: info.name })} is listed by the leader but was not in the refresh: counted as unreachable`);
      return {
        id: info.id, name: info.name, peerURLs: info.peerURLs, clientURLs: info.clientURLs, isLearner: info.isLearner,
        started, endpoint: null, healthy: false, isLeader: sameId(h.leader, info.id), latencyMs: null,
        error: 'listed by the leader, not reached by the refresh', status: null, alarms: [],
      };
    }
    if (seen.isLearner !== info.isLearner) notes.push(`${shortName(seen)} is a ${info.isLearner ? 'learner' : 'voter'} in the leader's list`);
    return { ...seen, name: info.name, peerURLs: info.peerURLs, clientURLs: info.clientURLs, isLearner: info.isLearner, started,
      healthy: seen.healthy && started };
  });
  for (const m of h.members) {
    if (!members.some((x) => sameId(x.id, m.id))) {
      notes.push(m.id
        ? `${label(m)} answered the refresh but is not in the leader's member list: not counted`
        : `endpoint ${m.endpoint ?? '?'} answered as no listed member: not counted`);
    }
  }
  return { view: { ...h, members, quorum: quorumOf(members) }, notes };
}

/**
 * A refresh with the leader's linearizable list, inside a step that is already running (a retry's recheck).
 * Throws when there is no answering leader or it cannot give its list.
 */
export async function freshLeaderView(run: OpRun, signal: AbortSignal): Promise<ClusterHealth> {
  const h = await run.within(() => run.port.snapshot(), run.budget(), 'recheck before retrying', { signal });
  const leader = answeringLeader(h);
  if (!leader) throw new Error('no answering leader to read the member list through');
  const list = await run.within((s) => run.port.memberList(leader.id as string, { linearizable: true, signal: s }), run.budget(),
    `member list through the leader ${shortName(leader)}`, { signal });
  return withLeaderList(h, list).view;
}

export interface ListSource {
  /** The refresh as the leader's list defines it; the refresh itself when no list could be read. */
  view: ClusterHealth;
  check: OpCheck;
}

/** Reads the member list through the answering leader and says, as a check, whose list the math uses. */
export async function leaderListView(run: OpRun, h: ClusterHealth, stepName = 'read the member list through the leader'): Promise<ListSource> {
  const leader = answeringLeader(h);
  if (!leader) {
    return { view: h, check: { name: 'member-list-source', ok: false,
      detail: 'no answering leader to read the member list through: a list from any other member may be stale', severity: 'error' } };
  }
  const version = leader.status?.version;
  try {
    const list = await run.step(`${stepName} ${shortName(leader)}`, async (note) => {
      const l = await run.port.memberList(leader.id as string, { linearizable: true, signal: note.signal });
      note.detail = `${l.length} members`;
      return l;
    });
    const { view, notes } = withLeaderList(h, list);
    const how = honoursLinearizableList(version)
      ? 'linearizably'
      : `as its own applied state (etcd ${version ?? '?'} ignores the linearizable flag, which needs 3.5: the best available)`;
    return { view, check: { name: 'member-list-source', ok: true,
      detail: `quorum math uses the member list read through the leader ${label(leader)}, ${how}${notes.length ? `; ${notes.join('; ')}` : ''}`, severity: 'info' } };
  } catch (err) {
    return { view: h, check: { name: 'member-list-source', ok: false,
      detail: `could not read the member list through the leader ${label(leader)}: ${errorText(err)}`, severity: 'error' } };
  }
}
