// The live view a data dir is compared with, taken from one health refresh, or why there is none. Shared by
// `etcd-ops diagnose` (a fresh refresh) and the extension (the tree's last refresh of the cluster whose id
// matches the data dir's).
import * as path from 'node:path';
import { ClusterHealth } from '../cluster-model';
import { sameId } from '../ids';
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

/** A cluster the user configured, with its latest health (null until read) and the data dir it names. */
export interface ConfiguredCluster { label: string; health: ClusterHealth | null | undefined; dataDir?: string | null }

/**
 * The live view a data dir is compared with: the configured cluster whose id is the one in the dir's WAL
 * metadata. Comparing with any other cluster would report a split brain that is not there, so when none
 * matches there is no live view, and the reason names what was configured.
 */
export function liveViewForDataDir(clusters: ConfiguredCluster[], walClusterId: string | null, dataDir?: string): { live: LiveView | null; reason: string | null; label: string | null } {
  if (!clusters.length) return { live: null, reason: 'no etcd cluster is configured', label: null };
  const match = walClusterId ? clusters.find((c) => c.health?.clusterId && sameId(c.health.clusterId, walClusterId)) : undefined;
  // A profile that names this very data dir is the cluster it is meant to belong to, whatever its id.
  const named = dataDir ? clusters.find((c) => c.dataDir && path.resolve(c.dataDir) === path.resolve(dataDir)) : undefined;
  const chosen = match ?? named;
  if (chosen) return { ...liveViewFromHealth(chosen.health), label: chosen.label };
  const seen = clusters.map((c) => `${c.label} ${c.health?.clusterId ? `is ${c.health.clusterId}` : 'not read yet'}`).join(', ');
  return {
    live: null,
    label: null,
    reason: walClusterId ? `no configured cluster matches cluster ${walClusterId} (${seen})` : `the data dir names no cluster to match (${seen})`,
  };
}
