// Preflight rules for removing a member, pure over one ClusterHealth. They contain etcd's strict
// reconfiguration check (started voters after removal >= quorum of the new size) and go further: the
// HEALTHY voters left must still reach quorum, or the removal itself would stop the cluster.
import { ClusterHealth, MemberHealth } from '../cluster-model';
import { sameId } from '../ids';
import { knownMembers, shortName } from './member-ref';
import { leaderCheck, pickSuccessor, quorumNowCheck } from './transfer-rules';
import { OpCheck } from './types';

export interface RemovalAssessment {
  checks: OpCheck[];
  /** When the member to remove leads: the voter that takes over first. */
  successor: MemberHealth | null;
  /** Healthy surviving members the removal may be sent through, best first (never the member removed). */
  via: MemberHealth[];
}

export interface RemovalRuleOptions {
  maxLagEntries: number;
  profiles?: { name: string; endpoints: string[] }[];
  /** The successor chosen before (the one the operator confirmed): kept while it still qualifies. */
  preferSuccessor?: string;
}

export const quorumOfSize = (voters: number): number => Math.floor(voters / 2) + 1;

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

function hostPort(u: string): string {
  try {
    const x = new URL(u);
    return `${x.hostname}:${x.port || (x.protocol === 'https:' ? '443' : '80')}`;
  } catch {
    return u;
  }
}

/** Configured endpoints (this profile's and other known profiles') that lead to the member being removed. */
function endpointChecks(h: ClusterHealth, target: MemberHealth, profiles: RemovalRuleOptions['profiles']): OpCheck[] {
  const targetUrls = new Set([...target.clientURLs, ...(target.endpoint ? [target.endpoint] : [])].map(hostPort));
  const hits = (endpoints: string[]) => endpoints.filter((e) => targetUrls.has(hostPort(e)));
  const out: OpCheck[] = [];
  const own = hits(h.endpoints);
  if (own.length) {
    out.push({ name: 'endpoints', ok: false, severity: 'warning',
      detail: `this profile's endpoint ${own.join(', ')} points at ${shortName(target)}: drop it from the profile and from configs (kube-apiserver --etcd-servers, k3s/RKE2/k0s config) after the removal` });
  }
  for (const p of profiles ?? []) {
    const theirs = hits(p.endpoints);
    if (theirs.length) {
      out.push({ name: 'endpoints', ok: false, severity: 'warning',
        detail: `profile "${p.name}" lists ${theirs.join(', ')}, which points at ${shortName(target)}` });
    }
  }
  return out;
}

export function removalChecks(h: ClusterHealth, target: MemberHealth, options: RemovalRuleOptions): RemovalAssessment {
  const name = shortName(target);
  const checks: OpCheck[] = [leaderCheck(h), quorumNowCheck(h)];
  const members = knownMembers(h);
  const survivors = members.filter((m) => !sameId(m.id, target.id));
  const isLeader = sameId(h.leader, target.id);
  let successor: MemberHealth | null = null;

  if (!target.healthy) {
    checks.push({ name: 'member-down', ok: true, severity: 'info',
      detail: `${name} is unhealthy (${target.error ?? 'no answer'}): a member that is down may be removed while the others hold quorum` });
  }

  if (target.isLearner) {
    checks.push({ name: 'learner', ok: true, severity: 'info', detail: `${name} is a learner: removing it never changes quorum` });
  } else {
    const votersAfter = survivors.filter((m) => !m.isLearner);
    const n = votersAfter.length;
    const need = quorumOfSize(n);
    if (n === 0) {
      checks.push({ name: 'not-last-voter', ok: false, severity: 'error',
        detail: `${name} is the only voting member: removing it would leave no cluster` });
    } else {
      const started = votersAfter.filter((m) => m.started).length;
      checks.push(started >= need
        ? { name: 'strict-reconfig', ok: true, detail: `${plural(started, 'started voter')} of ${n} would remain; quorum of ${n} needs ${need}` }
        : { name: 'strict-reconfig', ok: false, severity: 'error',
          detail: `etcd would refuse: removing ${name} would leave ${plural(started, 'started voter')} of ${n}; quorum of ${n} needs ${need}` });
      const healthy = votersAfter.filter((m) => m.healthy).length;
      checks.push(healthy >= need
        ? { name: 'quorum-after', ok: true, detail: `removing ${name} leaves ${plural(healthy, 'healthy voter')} of ${n}; quorum of ${n} needs ${need}` }
        : { name: 'quorum-after', ok: false, severity: 'error',
          detail: `removing ${name} would leave ${plural(healthy, 'healthy voter')} of ${n}; quorum of ${n} needs ${need}` });
      if (n === 1) {
        checks.push({ name: 'single-voter', ok: false, severity: 'warning',
          detail: `after removal one voting member remains: no fault tolerance; any failure stops the cluster` });
      } else if (n % 2 === 0) {
        checks.push({ name: 'even-size', ok: false, severity: 'warning',
          detail: `after removal ${n} voters remain: quorum ${need} of ${n} tolerates ${plural(n - need, 'failure')}, no more than ${n - 1} voters would; plan to add a member` });
      }
    }
    if (isLeader) {
      const pick = pickSuccessor(h, target.id as string, options.maxLagEntries, options.preferSuccessor);
      successor = pick?.member ?? null;
      checks.push(pick
        ? { name: 'leader-handover', ok: true, severity: 'info',
          detail: `${name} leads: leadership moves first to ${shortName(pick.member)} (healthiest caught-up voter, ${pick.lag} entries behind), then ${name} is removed through it` }
        : { name: 'leader-handover', ok: false, severity: 'error',
          detail: `${name} leads and no other voter is started, healthy and within ${options.maxLagEntries} entries to take over first` });
    }
  }

  const leader = h.members.find((m) => sameId(m.id, h.leader));
  const via = survivors.filter((m) => m.healthy && m.status !== null)
    .sort((a, b) => rankVia(a, successor, leader) - rankVia(b, successor, leader) || (a.latencyMs ?? Infinity) - (b.latencyMs ?? Infinity));
  checks.push(via.length
    ? { name: 'survivor-endpoint', ok: true, detail: `the removal goes through ${shortName(via[0])}, which stays in the cluster` }
    : { name: 'survivor-endpoint', ok: false, severity: 'error', detail: `no healthy surviving member to send the removal through` });
  checks.push(...endpointChecks(h, target, options.profiles));
  return { checks, successor, via };
}

/** The new leader (or the current leader when it stays) first: it applies the change without forwarding. */
function rankVia(m: MemberHealth, successor: MemberHealth | null, leader: MemberHealth | undefined): number {
  if (successor && sameId(m.id, successor.id)) return 0;
  if (!successor && leader && sameId(m.id, leader.id)) return 0;
  return 1;
}
