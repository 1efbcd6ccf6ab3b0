// Builds ClusterHealth values for the preflight rule tests: plain data, the shape live-health produces.
import { ClusterHealth, MemberHealth, quorumOf } from '../../../src/core/cluster-model';

export interface MemberSpec {
  name?: string;
  learner?: boolean;
  started?: boolean;
  healthy?: boolean;
  applied?: number;
  leader?: boolean;
  /** Client URL; defaults to https://10.0.0.<n>:2379. */
  url?: string;
}

export function cluster(specs: MemberSpec[], endpoints?: string[]): ClusterHealth {
  const leaderIndex = specs.findIndex((s) => s.leader);
  const leaderId = leaderIndex >= 0 ? (leaderIndex + 1).toString(16) + 'a' : null;
  const members: MemberHealth[] = specs.map((s, i) => {
    const started = s.started ?? true;
    const healthy = started && (s.healthy ?? true);
    const url = s.url ?? `https://10.0.0.${i + 1}:2379`;
    const id = (i + 1).toString(16) + 'a';
    return {
      id, name: started ? (s.name ?? `m${i + 1}`) : '', peerURLs: [`https://10.0.0.${i + 1}:2380`], clientURLs: started ? [url] : [],
      isLearner: Boolean(s.learner), started, endpoint: started ? url : null, healthy, isLeader: id === leaderId,
      latencyMs: healthy ? 1 + i : null, error: healthy ? null : 'connection refused (etcd not listening there)',
      status: healthy ? {
        leader: leaderId, raftTerm: 2, raftIndex: 5000, appliedIndex: s.applied ?? 5000, dbSize: 20480,
        dbSizeInUse: 16384, version: '3.4.23', isLearner: Boolean(s.learner), errors: [],
      } : null,
      alarms: [],
    };
  });
  return {
    clusterId: 'c1', leader: leaderId, members, quorum: quorumOf(members), findings: [],
    endpoints: endpoints ?? members.filter((m) => m.endpoint).map((m) => m.endpoint as string), takenAt: 0, durationMs: 1,
  };
}

export function member(h: ClusterHealth, name: string): MemberHealth {
  const m = h.members.find((x) => x.name === name || x.id === name);
  if (!m) throw new Error(`fixture has no member ${name}`);
  return m;
}
