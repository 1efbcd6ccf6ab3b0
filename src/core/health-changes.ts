// What changed between two refreshes of one cluster that an operator must hear about while looking elsewhere:
// quorum lost or at risk, the leader lost, an alarm raised, a member down, and each of them clearing. Pure, so
// the extension's notifier only decides how to show it. A refresh that reached nothing because of our own
// settings knows nothing about the cluster: it neither raises nor clears anything.
import { ClusterHealth, MemberHealth, quorumJudged } from './cluster-model';

export type ConditionKind = 'quorum-lost' | 'quorum-at-risk' | 'leader-lost' | 'alarm' | 'member-down';

/** One problem a cluster has at a refresh, keyed so the same problem in the next refresh is recognised. */
export interface HealthCondition {
  key: string;
  kind: ConditionKind;
  severity: 'error' | 'warning';
  /** In words, with member names: "member m2 is down (connection refused)". */
  text: string;
}

export interface HealthChange {
  /** Problems that were not there at the previous refresh. */
  raised: HealthCondition[];
  /** Problems of the previous refresh that are gone. */
  cleared: HealthCondition[];
  /** The problems as of this refresh: what the next call compares with. */
  current: HealthCondition[];
}

/** A member's name, else its id: how every message names a member. */
function nameOf(m: Pick<MemberHealth, 'name' | 'id' | 'endpoint'>): string {
  return m.name || m.id || m.endpoint || 'unknown member';
}

/**
 * The problems one refresh shows, or null when it could not tell (our own connection settings failed, or the
 * refresh failed as a whole): then the previous state stands.
 */
export function conditionsOf(h: ClusterHealth | null): HealthCondition[] | null {
  if (!h || h.connectionProblem) return null;
  if (!quorumJudged(h)) {
    return [{ key: 'quorum-lost', kind: 'quorum-lost', severity: 'error', text: 'quorum lost: no member answers' }];
  }
  const out: HealthCondition[] = [];
  const q = h.quorum;
  if (!q.ok) out.push({ key: 'quorum-lost', kind: 'quorum-lost', severity: 'error', text: `quorum lost: ${q.healthy}/${q.voters} voters healthy, ${q.needed} needed` });
  // At risk: a voter is already down and one more failure loses quorum. A healthy 2-member cluster is fragile
  // by design, not a change: the diagnostics say so, a notification would not.
  else if (q.healthy < q.voters && q.healthy <= q.needed) {
    out.push({ key: 'quorum-at-risk', kind: 'quorum-at-risk', severity: 'warning', text: `quorum at risk: ${q.healthy}/${q.voters} voters healthy, one more failure loses quorum` });
  }
  if (!h.leader) out.push({ key: 'leader-lost', kind: 'leader-lost', severity: 'error', text: 'no leader' });
  const alarms = new Map<string, string[]>();
  for (const m of h.members) for (const a of m.alarms) alarms.set(a, [...(alarms.get(a) ?? []), nameOf(m)]);
  for (const [alarm, on] of [...alarms].sort(([a], [b]) => a.localeCompare(b))) {
    out.push({ key: `alarm:${alarm}`, kind: 'alarm', severity: 'error', text: `alarm ${alarm} on ${on.join(', ')}` });
  }
  for (const m of h.members) {
    // A member added but never started is not down: it has not come up yet.
    if (!m.started || m.healthy) continue;
    out.push({ key: `member-down:${m.id ?? m.endpoint ?? m.name}`, kind: 'member-down', severity: 'warning', text: `member ${nameOf(m)} is down${m.error ? ` (${m.error})` : ''}` });
  }
  return out;
}

/**
 * The change from `previous` (the `current` of the last call, null before the first refresh) to this refresh.
 * The first refresh raises every problem it shows; a refresh that could not tell changes nothing.
 */
export function healthChange(previous: HealthCondition[] | null, next: ClusterHealth | null): HealthChange {
  const now = conditionsOf(next);
  if (!now) return { raised: [], cleared: [], current: previous ?? [] };
  const before = new Set((previous ?? []).map((c) => c.key));
  const after = new Set(now.map((c) => c.key));
  return {
    raised: now.filter((c) => !before.has(c.key)),
    cleared: (previous ?? []).filter((c) => !after.has(c.key)),
    current: now,
  };
}

/** Unhealthy started members across clusters: the number on the view's badge. */
export function unhealthyMemberCount(healths: (ClusterHealth | null)[]): number {
  let n = 0;
  for (const h of healths) if (h && !h.connectionProblem) n += h.members.filter((m) => m.started && !m.healthy).length;
  return n;
}
