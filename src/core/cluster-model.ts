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
  /** Errors the member reports about itself; active alarms appear here as "memberID:<decimal> alarm:NOSPACE". */
  errors: string[];
  /** 3.6+: schema version of the member's data dir (e.g. "3.6.0"); absent from older servers. */
  storageVersion?: string;
  /** 3.6+: the backend quota the member enforces (--quota-backend-bytes), bytes. */
  dbSizeQuota?: number;
  /** The member's current keyspace revision (Status header), when it reported one. */
  revision?: number;
  /** 3.6+: a cluster downgrade, when one is enabled. */
  downgradeInfo?: { enabled: boolean; targetVersion: string };
}

/** One HTTP health endpoint (/livez, /readyz; etcd 3.5.11+) as the member answered it. */
export interface HttpCheck {
  /** "ok" (200), "failed" (any other status), "absent" (the server has no such endpoint), "error" (no answer). */
  state: 'ok' | 'failed' | 'absent' | 'error';
  /** The body's first line or the error, for failed/error. */
  detail: string | null;
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
  /** Round trip of a Status call on an established connection, null when it failed. */
  latencyMs: number | null;
  /** Set when this refresh had to connect first: the first call's time, TLS handshake included. */
  connectMs?: number | null;
  /** For a learner: its applied index as a percentage of the leader's committed index (floor); null if unknown. */
  catchUpPercent?: number | null;
  /** /livez and /readyz where the server has them; absent when they were not asked. */
  livez?: HttpCheck;
  readyz?: HttpCheck;
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
  /**
   * Set when no endpoint could be talked to because of the client's own configuration (TLS files, CA, scheme,
   * URL): "cannot connect: <reason>". Then nothing is known about the members and no quorum claim is made.
   */
  connectionProblem?: string | null;
  /** Configured endpoints that are no member of this cluster: aliases, removed members, other clusters. Never voters. */
  strayEndpoints?: StrayEndpoint[];
  takenAt: number;
  durationMs: number;
}

export interface StrayEndpoint {
  endpoint: string;
  /** alias: answered as a member already reached through another endpoint; not-a-member: answered as an id the
   *  member list lacks (removed?); other-cluster: a different cluster id; unreachable: matches no member and did not answer. */
  kind: 'alias' | 'not-a-member' | 'other-cluster' | 'unreachable';
  /** Who answered there (hex), when it answered. */
  memberId: string | null;
  clusterId: string | null;
  /** For an alias: the endpoint the same member was reached through. */
  aliasOf: string | null;
  error: string | null;
}

/** True when the refresh reached at least one member or read a member list: only then is quorum judged. */
export function quorumJudged(h: Pick<ClusterHealth, 'members' | 'connectionProblem'>): boolean {
  return !h.connectionProblem && h.members.some((m) => m.status !== null);
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

/** The role as a row shows it; a learner with its progress: "learner · 87 % caught up". */
export function roleText(m: Pick<MemberHealth, 'started' | 'isLeader' | 'isLearner' | 'catchUpPercent'>): string {
  const role = memberRole(m);
  if (role !== 'learner' || m.catchUpPercent === null || m.catchUpPercent === undefined) return role;
  return `learner · ${m.catchUpPercent} % caught up`;
}

export function memberLabel(m: Pick<MemberHealth, 'id' | 'name' | 'endpoint'>): string {
  if (m.name) return m.id ? `${m.name} (${m.id})` : m.name;
  return m.id ?? m.endpoint ?? 'unknown member';
}
