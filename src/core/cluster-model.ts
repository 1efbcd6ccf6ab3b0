// The live view of one etcd cluster, as every consumer sees it: tree, status bar, CLI, ops engine, simulator.
// Ids are lower-case hex (see ids.ts); times are milliseconds.
import { Finding } from './findings';

export interface MemberStatus {
  /** Leader this member believes in (hex), null when it knows none. */
  leader: string | null;
  raftTerm: number;
  raftIndex: number;
  appliedIndex: number;
  dbSize: number;
  dbSizeInUse: number;
  version: string;
  isLearner: boolean;
  /** Errors the member reports about itself (e.g. "NOSPACE"). */
  errors: string[];
}

export interface MemberHealth {
  /** Hex member id; null only when the member list could not be read and the endpoint did not answer. */
  id: string | null;
  /** Empty when the member was added but has not started yet (etcd's notion of "started"). */
  name: string;
  peerURLs: string[];
  clientURLs: string[];
  isLearner: boolean;
  started: boolean;
  /** The endpoint this member was asked through, null when none of ours reaches it. */
  endpoint: string | null;
  healthy: boolean;
  isLeader: boolean;
  /** Round trip of the Status call, null when it failed. */
  latencyMs: number | null;
  /** Why the member is unhealthy, in words; null when healthy. */
  error: string | null;
  status: MemberStatus | null;
  alarms: string[];
}

export interface Quorum {
  voters: number;
  healthy: number;
  needed: number;
  ok: boolean;
}

export interface ClusterHealth {
  clusterId: string | null;
  leader: string | null;
  members: MemberHealth[];
  quorum: Quorum;
  findings: Finding[];
  /** Endpoints that were configured, for "single endpoint" and "unknown endpoint" checks. */
  endpoints: string[];
  takenAt: number;
  durationMs: number;
}

export function quorumOf(members: Pick<MemberHealth, 'isLearner' | 'healthy'>[]): Quorum {
  const voters = members.filter((m) => !m.isLearner);
  const healthy = voters.filter((m) => m.healthy).length;
  const needed = Math.floor(voters.length / 2) + 1;
  return { voters: voters.length, healthy, needed, ok: voters.length > 0 && healthy >= needed };
}

export function memberRole(m: Pick<MemberHealth, 'started' | 'isLeader' | 'isLearner'>): 'leader' | 'learner' | 'follower' | 'unstarted' {
  if (!m.started) return 'unstarted';
  if (m.isLeader) return 'leader';
  return m.isLearner ? 'learner' : 'follower';
}

export function memberLabel(m: Pick<MemberHealth, 'id' | 'name' | 'endpoint'>): string {
  if (m.name) return m.id ? `${m.name} (${m.id})` : m.name;
  return m.id ?? m.endpoint ?? 'unknown member';
}
