// Preflight rules for alarms, compaction and defragmentation, pure over one ClusterHealth: which quota a
// member runs with, when NOSPACE's cause is gone, that CORRUPT is never cleared by this tool, whether the
// cluster can spare one member for the length of a defragmentation, and the order of a rolling defrag.
import { ClusterHealth, MemberHealth } from '../cluster-model';
import { DEFAULT_QUOTA_BACKEND_BYTES } from '../etcd/profile';
import { formatBytes } from '../format';
import { sameId } from '../ids';
import { AlarmInfo } from '../port';
import { findById, knownMembers, label, shortName } from './member-ref';
import { OpCheck } from './types';

/**
 * NOSPACE is disarmed only when every member's db is below this share of its quota: the 80 % at which the
 * db-near-quota finding starts warning. Disarming closer to the quota raises the alarm again on the next writes.
 */
export const DISARM_MAX_QUOTA_SHARE = 0.8;

/** The error the refresh gives a member that answers but is held unhealthy by an active alarm (live-health.ts). */
const ALARM_ONLY_ERROR = 'alarm active:';

/** The commands that clear a NOSPACE alarm, in the order that works. */
export const NOSPACE_SEQUENCE = [
  'etcd-ops compact --yes (drop old revisions)',
  'etcd-ops defrag --all --yes (give the space back to the file system, one member at a time, the leader last)',
  'etcd-ops alarms --disarm --yes (once every db is under its quota)',
];

export function nospaceSequenceText(): string {
  return NOSPACE_SEQUENCE.map((s, i) => `${i + 1}. ${s}`).join('; ');
}

export function corruptAdvice(who: string): string {
  return `stop ${who}, then replace it (remove the member, wipe its data dir, add it back) or restore it from a snapshot of a healthy member; `
    + 'this tool never disarms CORRUPT: the alarm is the only thing keeping a diverged member from serving';
}

export interface Quota {
  bytes: number;
  source: string;
}

/** The member's own report (3.6+), else the configured value, else etcd's 2 GiB default. */
export function quotaOf(m: MemberHealth, configured?: number, configuredSource = 'as configured in the profile'): Quota {
  const reported = m.status?.dbSizeQuota;
  if (reported !== undefined && reported > 0) return { bytes: reported, source: 'as the member reports it' };
  if (configured && configured > 0) return { bytes: configured, source: configuredSource };
  return { bytes: DEFAULT_QUOTA_BACKEND_BYTES, source: "etcd's default; the member does not report its quota before 3.6" };
}

/**
 * Started and answering both Status and the linearizable read. An active alarm marks every member unhealthy
 * in a refresh; for maintenance (which is how alarms are cleared) a member that only the alarm holds back counts.
 */
export function answers(m: MemberHealth): boolean {
  if (m.healthy) return true;
  return m.started && m.status !== null && Boolean(m.error?.startsWith(ALARM_ONLY_ERROR));
}

export function alarmsIn(h: ClusterHealth): AlarmInfo[] {
  const out: AlarmInfo[] = [];
  for (const m of knownMembers(h)) {
    for (const a of m.alarms) if (a === 'NOSPACE' || a === 'CORRUPT') out.push({ memberId: m.id as string, alarm: a });
  }
  return out;
}

export function memberName(h: ClusterHealth, id: string): string {
  const m = findById(h, id);
  return m ? shortName(m) : id;
}

export function corruptCheck(h: ClusterHealth, alarms: AlarmInfo[], what: string): OpCheck {
  const corrupt = alarms.filter((a) => a.alarm === 'CORRUPT');
  if (!corrupt.length) return { name: 'no-corrupt-alarm', ok: true, detail: 'no CORRUPT alarm raised' };
  const who = corrupt.map((a) => memberName(h, a.memberId)).join(', ');
  return { name: 'no-corrupt-alarm', ok: false, severity: 'error',
    detail: `CORRUPT alarm raised by ${who}: no ${what} until it is dealt with: ${corruptAdvice(who)}` };
}

export function leaderAnswersCheck(h: ClusterHealth): OpCheck {
  const leader = findById(h, h.leader);
  if (leader && leader.status) return { name: 'leader-answers', ok: true, detail: `${label(leader)} leads and answers` };
  return { name: 'leader-answers', ok: false, severity: 'error',
    detail: leader ? `${label(leader)} is reported as leader but does not answer (${leader.error ?? 'no answer'})` : 'no member reports a leader' };
}

/**
 * NOSPACE's cause is gone when every member answers and its db is below DISARM_MAX_QUOTA_SHARE of its
 * quota: one check per member, with the sizes. A member that does not answer is a member whose size is unknown.
 */
export function spaceChecks(h: ClusterHealth, configuredQuota?: number, quotaSource?: string): OpCheck[] {
  const started = knownMembers(h).filter((m) => m.started);
  // Before 3.6 a member does not say its quota: assuming etcd's default could disarm far above the real one.
  const assumed = configuredQuota ? [] : started.filter((m) => m.status && !(m.status.dbSizeQuota && m.status.dbSizeQuota > 0));
  const known: OpCheck[] = assumed.length
    ? [{ name: 'quota-known', ok: false, severity: 'error', detail: `cannot tell whether NOSPACE's cause is gone: ${assumed.map(shortName).join(', ')} do${assumed.length === 1 ? 'es' : ''} not report a quota (etcd before 3.6) and neither the profile nor their metrics gave one; give the members' --quota-backend-bytes (--quota; ${formatBytes(DEFAULT_QUOTA_BACKEND_BYTES)} when they run etcd's default)` }]
    : [];
  return [...known, ...started.map((m) => {
    const name = `db-under-quota ${shortName(m)}`;
    if (!m.status) return { name, ok: false, severity: 'error', detail: `${shortName(m)} does not answer: its db size is unknown (${m.error ?? 'no answer'})` } as OpCheck;
    const q = quotaOf(m, configuredQuota, quotaSource);
    const share = m.status.dbSize / q.bytes;
    const sizes = `${shortName(m)}'s db is ${formatBytes(m.status.dbSize)} (${formatBytes(m.status.dbSizeInUse)} in use), ${Math.round(share * 100)} % of its ${formatBytes(q.bytes)} quota (${q.source})`;
    if (share < DISARM_MAX_QUOTA_SHARE) return { name, ok: true, detail: sizes };
    const reclaim = m.status.dbSize > m.status.dbSizeInUse * 1.1
      ? 'compact, then defragment it to give the space back'
      : 'its data really is that large: delete keys or raise --quota-backend-bytes, then compact and defragment';
    return { name, ok: false, severity: 'error', detail: `${sizes}; must be under ${Math.round(DISARM_MAX_QUOTA_SHARE * 100)} %: ${reclaim}` } as OpCheck;
  })];
}

/**
 * A defragmentation stalls the member for its whole length: the members left must still make a quorum.
 * Refused when they would not, unless NOSPACE is raised (writes fail anyway: defragmenting is the way out)
 * and the operator accepted the risk explicitly.
 */
export function spareCheck(h: ClusterHealth, nospace: boolean, accepted: boolean, targets?: MemberHealth[]): OpCheck {
  if (targets?.length && targets.every((m) => m.isLearner)) {
    return { name: 'fault-tolerance', ok: true, detail: `only learners are defragmented (${targets.map(shortName).join(', ')}): no vote is stalled` };
  }
  const voters = knownMembers(h).filter((m) => !m.isLearner);
  const up = voters.filter(answers);
  const needed = Math.floor(voters.length / 2) + 1;
  const down = voters.filter((m) => !answers(m)).map(shortName);
  const words = `${up.length} of ${voters.length} voters answer, quorum needs ${needed}`;
  if (up.length - 1 >= needed) return { name: 'fault-tolerance', ok: true, detail: `${words}: one can be stalled at a time` };
  const risk = `${words}${down.length ? ` (${down.join(', ')} down)` : ''}: while a member is defragmented the cluster has no quorum`;
  if (nospace && accepted) {
    return { name: 'fault-tolerance', ok: false, severity: 'warning', detail: `${risk}; accepted: NOSPACE is raised and defragmenting is the way out` };
  }
  return { name: 'fault-tolerance', ok: false, severity: 'error',
    detail: `${risk}; bring the member back first${nospace ? ', or accept that risk explicitly (--accept-no-fault-tolerance) since NOSPACE is raised' : ''}` };
}

export interface DefragOrder {
  order: MemberHealth[];
  /** One line per member: why it comes where it does. */
  why: string[];
}

/**
 * Learners first (no vote at stake), then followers, the leader last: a leader stalled past the election
 * timeout costs an election and every client a retry. Within a group, the member with the most to reclaim first.
 */
export function defragOrder(h: ClusterHealth, targets: MemberHealth[]): DefragOrder {
  const rank = (m: MemberHealth) => (m.isLearner ? 0 : sameId(m.id, h.leader) ? 2 : 1);
  const free = (m: MemberHealth) => (m.status ? m.status.dbSize - m.status.dbSizeInUse : 0);
  const order = [...targets].sort((a, b) => rank(a) - rank(b) || free(b) - free(a) || String(a.id).localeCompare(String(b.id)));
  const why = order.map((m) => `${shortName(m)}: ${m.isLearner ? 'a learner, no vote at stake' : sameId(m.id, h.leader) ? 'the leader, last: stalling it costs an election' : 'a follower: the cluster keeps its leader while it is stalled'}`);
  return { order, why };
}

/** Each member to defragment answers; with `skipSilent` (every member asked for) one that does not is skipped, a warning. */
export function targetAnswersChecks(targets: MemberHealth[], skipSilent = false): OpCheck[] {
  return targets.map((m): OpCheck => {
    const name = `answers ${shortName(m)}`;
    if (answers(m)) return { name, ok: true, detail: `${shortName(m)} answers` };
    const why = m.error ?? 'no answer';
    return skipSilent
      ? { name, ok: false, severity: 'warning', detail: `${shortName(m)} does not answer (${why}): skipped; defragment it once it is back` }
      : { name, ok: false, severity: 'error', detail: `${shortName(m)} does not answer (${why}): it cannot be defragmented now` };
  });
}
