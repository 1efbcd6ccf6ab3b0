// The member a joining node is pointed at, chosen by live health, never by position (the hetzner-k3s failure:
// always joining through master1 rebuilt the cluster once master1 was gone). A started, healthy, caught-up
// voter: a follower first, since the leader already carries replication and will stream the new member's
// snapshot itself; the leader when no follower qualifies.
import { ClusterHealth, MemberHealth } from '../cluster-model';
import { sameId } from '../ids';
import { appliedLag, label } from '../ops/member-ref';
import { answeringLeader, pickSuccessor } from '../ops/transfer-rules';
import { JoinDistro, joinAddress } from './distro-steps';

export interface JoinTarget {
  id: string;
  name: string;
  clientURL: string;
  /** The address this distro's join is pointed at on the target (k3s/RKE2 supervisor, kubeadm API, ...). */
  joinAddress: string | null;
  /** Why this member, in words. */
  why: string;
}

export interface TargetChoice {
  target: JoinTarget | null;
  /** When there is none: why no member qualifies. */
  reason: string | null;
}

function reachableUrl(m: MemberHealth): string | null {
  return m.endpoint ?? m.clientURLs[0] ?? null;
}

function toTarget(m: MemberHealth, distro: JoinDistro, why: string): JoinTarget {
  const clientURL = reachableUrl(m) as string;
  return { id: m.id as string, name: m.name, clientURL, joinAddress: joinAddress(distro, { clientURLs: [clientURL, ...m.clientURLs], peerURLs: m.peerURLs }), why };
}

/** Why each voter was passed over, for the "no target" reason. */
function passedOver(h: ClusterHealth, maxLagEntries: number, exceptId: string | null = null): string {
  const leader = answeringLeader(h);
  const why = h.members.filter((m) => m.id && !m.isLearner && !sameId(m.id, exceptId)).map((m) => {
    if (!m.started) return `${label(m)} never started`;
    if (!m.healthy) return `${label(m)} is unhealthy (${m.error ?? 'no answer'})`;
    const lag = appliedLag(leader, m);
    if (lag === null) return `${label(m)}: applied index not comparable with the leader's`;
    if (lag > maxLagEntries) return `${label(m)} trails the leader by ${lag} entries`;
    return `${label(m)} has no client URL this tool reached`;
  });
  return why.length ? why.join('; ') : 'no voting member is listed';
}

/** Picks the join target from a view whose membership is the leader's list (see member-list-source.ts). */
export function chooseJoinTarget(h: ClusterHealth, distro: JoinDistro, maxLagEntries: number): TargetChoice {
  const leader = answeringLeader(h);
  if (!leader || !leader.healthy) return { target: null, reason: `there is no healthy leader to judge who is caught up (${passedOver(h, maxLagEntries)})` };
  const follower = pickSuccessor(h, leader.id as string, maxLagEntries);
  if (follower && reachableUrl(follower.member)) {
    const others = h.members.filter((m) => m.id && !m.isLearner && !sameId(m.id, leader.id) && !sameId(m.id, follower.member.id)).length;
    return {
      target: toTarget(follower.member, distro,
        `a started, healthy voter ${follower.lag} applied ${follower.lag === 1 ? 'entry' : 'entries'} behind the leader ${label(leader)}`
          + `${follower.member.latencyMs !== null ? `, answering in ${follower.member.latencyMs} ms` : ''}`
          + `${others ? ` (the least behind and fastest of ${others + 1} followers)` : ''}; a follower rather than the leader, which already replicates to every member and will send the new member its snapshot`),
      reason: null,
    };
  }
  if (reachableUrl(leader) && leader.started) {
    return { target: toTarget(leader, distro, `the leader: no follower is started, healthy and caught up (${passedOver(h, maxLagEntries, leader.id)})`), reason: null };
  }
  return { target: null, reason: passedOver(h, maxLagEntries) };
}

