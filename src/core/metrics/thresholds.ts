// Thresholds from etcd's hardware and tuning docs, and the heartbeat/election advice derived from measured RTT.

export const THRESHOLDS = {
  /** etcd's hardware guide: WAL fsync p99 should stay under 10 ms. */
  walFsyncP99Ms: 10,
  /** etcd's hardware guide: backend commit p99 should stay under 25 ms. */
  backendCommitP99Ms: 25,
  /** A p99 over this few fsyncs is noise, not a verdict. */
  minSamples: 5,
  /** RTT at or above this share of the heartbeat interval is "near" it. */
  rttShareOfHeartbeat: 0.8,
  /** A learner this many applied entries behind the leader is lagging. */
  learnerLagEntries: 1000,
  /** DB size over this share of the quota. */
  dbQuotaShare: 0.8,
};

/** etcd's defaults, when the cluster's own flags are not known. */
export const ETCD_DEFAULT_HEARTBEAT_MS = 100;
export const ETCD_DEFAULT_ELECTION_MS = 1000;
/** etcd refuses an election timeout above 50 s. */
const ETCD_MAX_ELECTION_MS = 50000;

export interface TuningAdvice {
  heartbeatMs: number;
  electionMs: number;
  formula: string;
}

const roundUpTo10 = (n: number) => Math.ceil(n / 10) * 10;

/**
 * etcd's tuning guide: the heartbeat interval about the largest round trip between members (0.5–1.5 × RTT),
 * the election timeout at least 10 × the RTT. We take the top of that range so a p99 does not miss
 * heartbeats, never go below etcd's defaults, and keep election = 10 × heartbeat (which is ≥ 15 × RTT).
 */
export function tuningFor(maxRttMs: number): TuningAdvice {
  const heartbeatMs = Math.max(ETCD_DEFAULT_HEARTBEAT_MS, roundUpTo10(1.5 * maxRttMs));
  const electionMs = Math.min(ETCD_MAX_ELECTION_MS, Math.max(ETCD_DEFAULT_ELECTION_MS, 10 * heartbeatMs));
  return {
    heartbeatMs, electionMs,
    formula: `heartbeat = max(${ETCD_DEFAULT_HEARTBEAT_MS}, ⌈1.5 × max RTT p99⌉ to 10 ms) = ${heartbeatMs} ms; election = max(${ETCD_DEFAULT_ELECTION_MS}, 10 × heartbeat) = ${electionMs} ms`,
  };
}
