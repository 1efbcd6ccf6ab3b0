// A ClusterHealth as the live-health refresh of a real 3-member etcd cluster returns it (ids as etcd makes
// them, names, URLs, status per member), for the topology import and rehearsal tests.
import { ClusterHealth, MemberHealth, quorumOf } from '../../../src/core/cluster-model';

export interface FixtureMember {
  name: string;
  id: string;
  leader?: boolean;
  learner?: boolean;
  healthy?: boolean;
  started?: boolean;
  latencyMs?: number;
  applied?: number;
}

export const THREE: FixtureMember[] = [
  { name: 'etcd-a', id: '8e9e05c52164694d', leader: true, latencyMs: 1.8 },
  { name: 'etcd-b', id: '91bc3c398fb3c146', latencyMs: 2.2 },
  { name: 'etcd-c', id: 'fd422379fda50e48', latencyMs: 2.6 },
];

export function health(members: FixtureMember[] = THREE, takenAt = Date.UTC(2025, 0, 1, 12, 0, 0)): ClusterHealth {
  const leader = members.find((m) => m.leader && (m.healthy ?? true))?.id ?? null;
  const list: MemberHealth[] = members.map((m, i) => {
    const started = m.started ?? true;
    const healthy = started && (m.healthy ?? true);
    const url = `https://10.0.0.${i + 1}:2379`;
    return {
      id: m.id, name: started ? m.name : '', peerURLs: [`https://10.0.0.${i + 1}:2380`], clientURLs: started ? [url] : [],
      isLearner: Boolean(m.learner), started, endpoint: started ? url : null, healthy, isLeader: m.id === leader,
      latencyMs: healthy ? (m.latencyMs ?? 2) : null,
      error: healthy ? null : started ? `${url}: status: connection refused` : 'never started',
      status: healthy ? {
        leader, raftTerm: 7, raftIndex: m.applied ?? 48210, appliedIndex: m.applied ?? 48210, dbSize: 25 * 1024 * 1024,
        dbSizeInUse: 20 * 1024 * 1024, version: '3.4.23', isLearner: Boolean(m.learner), errors: [],
      } : null,
      alarms: [],
    };
  });
  return {
    clusterId: 'cdf818194e3a8c32', leader, members: list, quorum: quorumOf(list), findings: [],
    endpoints: list.filter((m) => m.endpoint).map((m) => m.endpoint as string), takenAt, durationMs: 4,
  };
}
