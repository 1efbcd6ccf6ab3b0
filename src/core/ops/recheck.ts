// What changed between the checks the operator confirmed and a fresh look taken after the confirmation.
// Anything the plan or a check outcome rests on counts (leader, membership, roles, health, quorum, check
// outcomes, plan); numbers that move on their own (indexes, latency) do not.
import { ClusterHealth } from '../cluster-model';
import { sameId } from '../ids';
import { findById, knownMembers, label, shortName } from './member-ref';
import { OpCheck } from './types';

export interface Decision {
  /** The cluster as the checks saw it (membership from the leader's list). */
  view: ClusterHealth;
  checks: OpCheck[];
  plan: string[];
}

const outcomeOf = (c: OpCheck) => (c.ok ? 'passes' : c.severity === 'warning' ? 'warns' : 'fails');

export function changesBetween(before: Decision, after: Decision, targetId: string): string[] {
  const out: string[] = [];
  const a = before.view;
  const b = after.view;
  const target = findById(a, targetId);
  // An add has no member yet: targetId is empty and only the rest of the cluster is compared.
  if (targetId && !findById(b, targetId)) out.push(`${target ? shortName(target) : targetId} is no longer in the member list`);
  const who = (h: ClusterHealth, id: string | null) => {
    const m = findById(h, id);
    return m ? label(m) : id ?? 'none';
  };
  if (!sameId(a.leader, b.leader)) {
    out.push(b.leader ? `leader moved from ${who(a, a.leader)} to ${who(b, b.leader)}`
      : `no member reports a leader any more (was ${who(a, a.leader)})`);
  }
  for (const m of knownMembers(b)) {
    const was = findById(a, m.id);
    if (!was) { out.push(`${label(m)} joined the member list`); continue; }
    if (was.healthy && !m.healthy) out.push(`${shortName(m)} went down (${m.error ?? 'no answer'})`);
    if (!was.healthy && m.healthy) out.push(`${shortName(m)} is healthy again`);
    if (was.isLearner !== m.isLearner) out.push(`${shortName(m)} is now a ${m.isLearner ? 'learner' : 'voter'}`);
    if (was.started !== m.started) out.push(`${shortName(m)} ${m.started ? 'has started' : 'is no longer started'}`);
  }
  for (const m of knownMembers(a)) {
    if (!sameId(m.id, targetId) && !findById(b, m.id)) out.push(`${label(m)} left the member list`);
  }
  const qa = a.quorum;
  const qb = b.quorum;
  if (qa.voters !== qb.voters || qa.healthy !== qb.healthy || qa.needed !== qb.needed || qa.ok !== qb.ok) {
    out.push(`quorum changed: ${qa.healthy} of ${qa.voters} voters healthy (quorum ${qa.needed}) became ${qb.healthy} of ${qb.voters} (quorum ${qb.needed}${qb.ok ? '' : ', LOST'})`);
  }
  const summary = (checks: OpCheck[]) => {
    const map = new Map<string, string[]>();
    for (const c of checks) map.set(c.name, [...(map.get(c.name) ?? []), outcomeOf(c)]);
    return map;
  };
  const ca = summary(before.checks);
  const cb = summary(after.checks);
  for (const c of after.checks) {
    const was = ca.get(c.name)?.join(',');
    const now = cb.get(c.name)?.join(',');
    if (was !== now) { out.push(`check ${c.name} now ${outcomeOf(c)}: ${c.detail}`); ca.set(c.name, cb.get(c.name)!); }
  }
  for (const c of before.checks) if (!cb.has(c.name)) out.push(`check ${c.name} no longer applies (was: ${c.detail})`);
  const planChange = after.plan.findIndex((p, i) => p !== before.plan[i]);
  if (planChange >= 0 || after.plan.length !== before.plan.length) {
    out.push(`the plan changed: step ${planChange >= 0 ? planChange + 1 : after.plan.length + 1} is now "${after.plan[planChange] ?? '(none)'}"`);
  }
  return out;
}
