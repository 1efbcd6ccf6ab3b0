// Preflight rules for adding and promoting a member, pure over one ClusterHealth (membership from the
// leader's list). They contain etcd's own checks (strict reconfiguration: started voters >= quorum of the new
// size; one learner at a time; a learner promoted only at 90 % of the leader's progress) and go further: a
// voter add is refused when the HEALTHY voters would not reach quorum of the new size, since the new member
// counts as down until it starts.
import { ClusterHealth, MemberHealth } from '../cluster-model';
import { LEARNER_READY_PERCENT } from '../etcd/health-findings';
import { knownMembers, label, shortName } from './member-ref';
import { memberNameProblem, peerKey, peerUrlProblem } from './member-env';
import { quorumOfSize } from './removal-rules';
import { answeringLeader, leaderCheck, quorumNowCheck } from './transfer-rules';
import { OpCheck } from './types';

export interface AddRequest {
  name: string;
  peerURLs: string[];
  /** Add as a voting member (default: a learner). */
  voter: boolean;
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

/** What the request itself gets wrong, before any cluster is read. */
export function requestProblems(req: AddRequest): string[] {
  const out: string[] = [];
  const n = memberNameProblem(req.name);
  if (n) out.push(n);
  if (!req.peerURLs.length) out.push('at least one peer URL is required');
  for (const u of req.peerURLs) {
    const p = peerUrlProblem(u);
    if (p) out.push(p);
  }
  return out;
}

export function addChecks(h: ClusterHealth, req: AddRequest): OpCheck[] {
  const checks: OpCheck[] = [leaderCheck(h), quorumNowCheck(h)];
  const members = knownMembers(h);
  const byName = members.filter((m) => m.name === req.name);
  checks.push(byName.length
    ? { name: 'name-free', ok: false, severity: 'error',
      detail: `${label(byName[0])} already has the name "${req.name}": remove it first (etcd-ops remove-member --member ${byName[0].id}) or choose another name` }
    : { name: 'name-free', ok: true, detail: `no member is named "${req.name}"` });
  const wanted = new Set(req.peerURLs.map(peerKey));
  const clash = members.filter((m) => m.peerURLs.some((u) => wanted.has(peerKey(u))));
  checks.push(clash.length
    ? { name: 'peer-urls-free', ok: false, severity: 'error',
      detail: clash.map((m) => `${label(m)}${m.started ? '' : ' (added, never started)'} already holds ${m.peerURLs.filter((u) => wanted.has(peerKey(u))).join(', ')}: `
        + `remove that stale entry first (etcd-ops remove-member --member ${m.id})`).join('; ') }
    : { name: 'peer-urls-free', ok: true, detail: `no member holds ${req.peerURLs.join(', ')}` });

  const learners = members.filter((m) => m.isLearner);
  if (learners.length) {
    const which = learners.map((m) => `${label(m)}${m.started ? '' : ', never started'}`).join('; ');
    checks.push(req.voter
      ? { name: 'no-learner-pending', ok: false, severity: 'warning', detail: `a learner is pending (${which}): finish or remove that join first` }
      : { name: 'no-learner-pending', ok: false, severity: 'error',
        detail: `a learner is already pending (${which}); etcd allows one at a time: promote it (etcd-ops promote-member --wait 120) or remove it (etcd-ops remove-member) first` });
  } else {
    checks.push({ name: 'no-learner-pending', ok: true, detail: 'no learner is pending' });
  }
  const unstarted = members.filter((m) => !m.started && !m.isLearner);
  if (unstarted.length) {
    checks.push({ name: 'unstarted-voters', ok: false, severity: 'warning',
      detail: `${unstarted.map(label).join(', ')} ${unstarted.length === 1 ? 'was' : 'were'} added but never started: it counts as a voter that is down; start it or remove it` });
  }

  const voters = members.filter((m) => !m.isLearner);
  const down = voters.filter((m) => !m.healthy);
  checks.push(down.length
    ? { name: 'voters-connected', ok: false, severity: 'error',
      detail: `etcd refuses any add while a voter is down (its strict check needs the leader connected to every voter): ${down.map((m) => `${label(m)}: ${m.error ?? 'no answer'}`).join('; ')}; `
        + `bring it back, or replace it (etcd-ops replace-member --member ${down[0].name || down[0].id} ...)` }
    : { name: 'voters-connected', ok: true, detail: `all ${plural(voters.length, 'voter')} are healthy` });
  if (req.voter) {
    const n = voters.length + 1;
    const need = quorumOfSize(n);
    const started = voters.filter((m) => m.started).length;
    const healthy = voters.filter((m) => m.healthy).length;
    const etcdAllows = started >= need || (n === 2 && started === 1);
    checks.push(etcdAllows
      ? { name: 'strict-reconfig', ok: true, detail: `${plural(started, 'started voter')} of ${n} after the add; quorum of ${n} needs ${need}` }
      : { name: 'strict-reconfig', ok: false, severity: 'error',
        detail: `etcd would refuse: ${plural(started, 'started voter')} of ${n} after the add; quorum of ${n} needs ${need}` });
    if (healthy < need) {
      checks.push({ name: 'quorum-after', ok: false, severity: 'error',
        detail: `adding a voter makes ${n} voters of which ${healthy} are healthy: quorum ${need} is lost until the new member starts and catches up; add it as a learner (without --voter) and promote it once it has caught up` });
    } else {
      checks.push({ name: 'quorum-after', ok: true, detail: `${plural(healthy, 'healthy voter')} of ${n} until the new member starts; quorum of ${n} needs ${need}` });
      if (healthy - need === 0) {
        checks.push({ name: 'fault-tolerance', ok: false, severity: 'warning',
          detail: `until the new member starts and catches up, ${healthy} of ${n} voters must all stay up: one more failure stops the cluster; a learner (without --voter) keeps today's fault tolerance` });
      }
    }
  } else {
    checks.push({ name: 'learner', ok: true, severity: 'info', detail: `added as a learner: it does not vote, so quorum stays ${h.quorum.needed} of ${h.quorum.voters} while it catches up` });
  }
  const leader = answeringLeader(h);
  checks.push(leader
    ? { name: 'via-leader', ok: true, detail: `the add goes through the leader ${shortName(leader)}` }
    : { name: 'via-leader', ok: false, severity: 'error', detail: 'no answering leader to send the add through' });
  return checks;
}

/** A learner's progress as etcd judges readiness: its applied index against the leader's committed index. */
export function learnerProgress(learnerApplied: number, leaderIndex: number): number {
  if (leaderIndex <= 0) return 100;
  return Math.min(100, Math.floor((learnerApplied / leaderIndex) * 100));
}

export interface Readiness {
  ready: boolean;
  percent: number | null;
  detail: string;
}

/** Whether the learner is caught up enough for etcd to promote it (its match >= 90 % of the leader's). */
export function readinessOf(h: ClusterHealth, learner: MemberHealth): Readiness {
  const leader = answeringLeader(h);
  if (!leader?.status || !learner.status) return { ready: false, percent: null, detail: `${shortName(learner)}'s progress is unknown (no status from it or the leader)` };
  const percent = learnerProgress(learner.status.appliedIndex, leader.status.raftIndex);
  const detail = `${shortName(learner)} has applied ${learner.status.appliedIndex} of the leader's ${leader.status.raftIndex} entries (${percent} %; etcd promotes at ${LEARNER_READY_PERCENT} %)`;
  return { ready: percent >= LEARNER_READY_PERCENT, percent, detail };
}

export function promoteChecks(h: ClusterHealth, target: MemberHealth): OpCheck[] {
  const checks: OpCheck[] = [leaderCheck(h), quorumNowCheck(h)];
  const name = shortName(target);
  if (!target.isLearner) {
    checks.push({ name: 'is-learner', ok: false, severity: 'error', detail: `${name} is already a voting member` });
    return checks;
  }
  checks.push({ name: 'is-learner', ok: true, detail: `${label(target)} is a learner` });
  if (!target.started) {
    checks.push({ name: 'learner-started', ok: false, severity: 'error',
      detail: `${label(target)} has not started (no name in the member list): start etcd on it with the env its add printed first` });
    return checks;
  }
  checks.push({ name: 'learner-started', ok: true, detail: `${name} has started` });
  checks.push(target.status
    ? { name: 'learner-reachable', ok: true, detail: `${name} answers at ${target.endpoint ?? 'its endpoint'}` }
    : { name: 'learner-reachable', ok: false, severity: 'error', detail: `${name} cannot be reached: ${target.error ?? 'no answer'}` });
  if (target.status) {
    const r = readinessOf(h, target);
    checks.push({ name: 'learner-ready', ok: r.ready, detail: r.detail, ...(r.ready ? {} : { severity: 'error' as const }) });
  }
  const voters = knownMembers(h).filter((m) => !m.isLearner);
  const n = voters.length + 1;
  const healthy = voters.filter((m) => m.healthy).length + (target.healthy || target.status ? 1 : 0);
  const need = quorumOfSize(n);
  checks.push(healthy >= need
    ? { name: 'quorum-after', ok: true, detail: `${plural(healthy, 'healthy voter')} of ${n} after the promotion; quorum of ${n} needs ${need}` }
    : { name: 'quorum-after', ok: false, severity: 'error', detail: `after the promotion ${plural(healthy, 'healthy voter')} of ${n}; quorum of ${n} needs ${need}` });
  return checks;
}

/** Checks that time can fix: a learner still starting, not answering yet, or catching up. */
const WAITABLE = new Set(['learner-started', 'learner-reachable', 'learner-ready']);

/** True when every blocking check is one a wait for the learner can clear. */
export function onlyWaitingOnLearner(checks: OpCheck[]): boolean {
  const blocking = checks.filter((c) => !c.ok && c.severity !== 'warning');
  return blocking.length > 0 && blocking.every((c) => WAITABLE.has(c.name));
}
