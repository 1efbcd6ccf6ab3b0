// The live view a data dir is compared with, taken from one health refresh, or why there is none. Shared by
// `etcd-ops diagnose` (a fresh refresh) and the extension (the tree's last refresh).
import { ClusterHealth } from '../cluster-model';
import { LiveView } from './join-state';

export function liveViewFromHealth(health: ClusterHealth | null | undefined): { live: LiveView | null; reason: string | null } {
  if (!health) return { live: null, reason: 'the cluster has not been read yet' };
  // Only a member list read from the cluster proves who is (not) a member; probes alone do not.
  const codes = new Set(health.findings.map((f) => f.code));
  const listed = !codes.has('member-list-unavailable') && !codes.has('no-endpoint-answered') && health.members.some((m) => m.peerURLs.length > 0);
  if (!listed) {
    const why = health.connectionProblem ?? [...health.members.map((m) => m.error), ...(health.strayEndpoints ?? []).map((s) => s.error)].find(Boolean);
    const none = health.members.every((m) => m.status === null);
    return { live: null, reason: none ? `no endpoint answered${why ? `: ${why}` : ''}` : 'no member answered the member list request' };
  }
  // Members of the list carry peer URLs; an endpoint that answered as another cluster's member does not.
  const members = health.members
    .filter((m) => m.id && m.peerURLs.length > 0)
    .map((m) => ({ id: m.id!, name: m.name, isLearner: m.isLearner }));
  return { live: { clusterId: health.clusterId, members }, reason: null };
}
