// Preflight rules for a leader transfer, pure over one ClusterHealth. etcd itself only checks that the
// target is a voter; a transfer to a member that is down, unstarted or far behind stalls writes for up to
// an election timeout, so the tool checks those too.
import { ClusterHealth, MemberHealth } from '../cluster-model';
import { sameId } from '../ids';
import { appliedLag, findById, knownMembers, label, shortName } from './member-ref';
import { OpCheck } from './types';

/** The leader as the members report it, if it answers at its own endpoint (MoveLeader must go there). */
export function answeringLeader(h: ClusterHealth): MemberHealth | undefined {
  const leader = findById(h, h.leader);
  return leader?.status ? leader : undefined;
}

export function leaderCheck(h: ClusterHealth): OpCheck {
  const leader = findById(h, h.leader);
  if (!h.leader) return { name: 'leader-known', ok: false, detail: 'no member reports a leader', severity: 'error' };
  if (!leader) return { name: 'leader-known', ok: false, detail: `members report leader ${h.leader}, which is not in the member list`, severity: 'error' };
  if (!leader.status) {
    return { name: 'leader-known', ok: false, detail: `${label(leader)} is reported as leader but does not answer at its endpoint (${leader.error ?? 'no endpoint'})`, severity: 'error' };
  }
  return { name: 'leader-known', ok: true, detail: `${label(leader)} leads (term ${leader.status.raftTerm})` };
}

export function quorumNowCheck(h: ClusterHealth): OpCheck {
  const q = h.quorum;
  const words = `${q.healthy} of ${q.voters} voters healthy; quorum of ${q.voters} needs ${q.needed}`;
  return q.ok
    ? { name: 'quorum-now', ok: true, detail: words }
    : { name: 'quorum-now', ok: false, detail: `quorum lost now: ${words}; bring members back first`, severity: 'error' };
}

/** Every rule a member must pass to take over leadership from the current leader. */
export function transferChecks(h: ClusterHealth, target: MemberHealth, maxLagEntries: number): OpCheck[] {
  const checks: OpCheck[] = [leaderCheck(h), quorumNowCheck(h)];
  const name = shortName(target);
  checks.push(target.isLearner
    ? { name: 'target-voter', ok: false, detail: `${name} is a learner: only a voting member can lead (promote it first)`, severity: 'error' }
    : { name: 'target-voter', ok: true, detail: `${name} is a voting member` });
  checks.push(target.started
    ? { name: 'target-started', ok: true, detail: `${name} has started` }
    : { name: 'target-started', ok: false, detail: `${name} was added but never started`, severity: 'error' });
  checks.push(target.healthy
    ? { name: 'target-healthy', ok: true, detail: `${name} answers and serves reads${target.latencyMs !== null ? ` (${target.latencyMs} ms)` : ''}` }
    : { name: 'target-healthy', ok: false, detail: `${name} is unhealthy: ${target.error ?? 'no answer'}`, severity: 'error' });
  const isLeader = sameId(h.leader, target.id);
  checks.push(isLeader
    ? { name: 'target-not-leader', ok: false, detail: `${name} is already the leader`, severity: 'error' }
    : { name: 'target-not-leader', ok: true, detail: `${name} is not the leader now` });
  const lag = appliedLag(answeringLeader(h), target);
  if (lag === null) {
    checks.push({ name: 'target-caught-up', ok: false, detail: `cannot compare ${name}'s applied index with the leader's (one of them did not answer)`, severity: 'error' });
  } else if (lag > maxLagEntries) {
    checks.push({ name: 'target-caught-up', ok: false, detail: `${name} trails the leader by ${lag} applied ${lag === 1 ? "entry" : "entries"} (more than ${maxLagEntries}); let it catch up first`, severity: 'error' });
  } else {
    checks.push({ name: 'target-caught-up', ok: true, detail: `${name} trails the leader by ${lag} applied ${lag === 1 ? "entry" : "entries"} (limit ${maxLagEntries})` });
  }
  return checks;
}

/**
 * The healthiest caught-up voter other than `excludeId`: healthy, started, voting, within the lag limit;
 * the least behind first, then the fastest to answer; `prefer` first while it qualifies. Null when there is none.
 */
export function pickSuccessor(h: ClusterHealth, excludeId: string, maxLagEntries: number, prefer?: string): { member: MemberHealth; lag: number } | null {
  const leader = answeringLeader(h);
  const candidates = knownMembers(h)
    .filter((m) => !sameId(m.id, excludeId) && !m.isLearner && m.started && m.healthy)
    .map((m) => ({ member: m, lag: appliedLag(leader, m) }))
    .filter((c): c is { member: MemberHealth; lag: number } => c.lag !== null && c.lag <= maxLagEntries);
  candidates.sort((a, b) => a.lag - b.lag || (a.member.latencyMs ?? Infinity) - (b.member.latencyMs ?? Infinity)
    || String(a.member.id).localeCompare(String(b.member.id)));
  // A pick made before (and confirmed) stays while it qualifies: lag and latency move on their own.
  return candidates.find((c) => prefer && sameId(c.member.id, prefer)) ?? candidates[0] ?? null;
}
