// Topology import: a simulated cluster shaped like a real one, from one live-health snapshot. Members,
// ids, names, learners, the leader, who is down and who was added but never started all carry over;
// term and index come from the members' status so the simulated ids and indexes read like the real ones.
// The rules follow the version the members report (their oldest), or the default version when none does.
// db sizes and quotas come from Status; measured timing (metrics) can be given to run at the cluster's speed.
import { ClusterHealth } from '../cluster-model';
import { ClusterSpec, MemberSpec, Sim, SimOptions, SimTiming } from './engine';
import { NetworkOptions } from './network';
import type { MeasuredTiming, StorageOptions } from './sim-config';
import { rulesFromVersions, VersionRules } from './version-rules';

export interface ImportOptions {
  seed?: number;
  network?: Partial<NetworkOptions>;
  writeIntervalMs?: number;
  checkSafety?: boolean;
  /** Rules to use instead of those of the members' reported version. */
  rules?: VersionRules;
  /** Measured peer round trips and fsync latencies (simTimingFromMetrics over a metrics window). */
  measured?: MeasuredTiming;
  storage?: Partial<StorageOptions>;
}

/** The cluster spec for a health snapshot (exposed for callers that build scenarios on top of it). */
export function specFromHealth(health: ClusterHealth): ClusterSpec {
  const members = health.members.filter((m) => m.id !== null);
  if (members.length === 0) throw new Error('the health snapshot lists no member with an id: nothing to simulate');
  const specs: MemberSpec[] = members.map((m) => ({
    id: m.id as string,
    name: m.name || undefined,
    learner: m.isLearner,
    started: m.started,
    // A member we could not reach is simulated as down: that is what the operation will meet.
    running: m.started && m.healthy,
    peerURLs: m.peerURLs.length ? [...m.peerURLs] : undefined,
    clientURLs: m.clientURLs.length ? [...m.clientURLs] : undefined,
    version: m.status?.version || undefined,
    dbSize: m.status?.dbSize || undefined,
    dbSizeInUse: m.status?.dbSizeInUse || undefined,
    quotaBytes: m.status?.dbSizeQuota || undefined,
  }));
  const leaderSlot = members.findIndex((m) => m.id === health.leader && m.healthy);
  const terms = members.map((m) => m.status?.raftTerm ?? 0);
  const indexes = members.map((m) => m.status?.appliedIndex ?? 0);
  const leader = leaderSlot >= 0 ? members[leaderSlot] : null;
  return {
    members: specs,
    leader: leaderSlot >= 0 ? leaderSlot : null,
    term: Math.max(1, leader?.status?.raftTerm ?? Math.max(...terms)),
    index: Math.max(1, leader?.status?.appliedIndex ?? Math.max(...indexes)),
  };
}

/**
 * A simulator matching a real cluster's snapshot. Timing defaults to etcd's (100 ms / 1000 ms, pre-vote and
 * check-quorum on); pass the cluster's own --heartbeat-interval / --election-timeout when they differ.
 */
export function simFromHealth(health: ClusterHealth, timing?: Partial<SimTiming>, options: ImportOptions = {}): Sim {
  const simOptions: SimOptions = {
    seed: options.seed ?? 1,
    timing,
    network: options.network,
    writeIntervalMs: options.writeIntervalMs,
    checkSafety: options.checkSafety,
    measured: options.measured,
    storage: options.storage,
  };
  const spec = specFromHealth(health);
  simOptions.rules = options.rules ?? rulesFromVersions(spec.members.map((m) => m.version));
  return new Sim(simOptions, spec);
}
