// One member's performance figures over a window: the difference between two of its scrapes.
import { counterDelta, histogramDelta, histogramOf, labelValues, quantile, scalarOf } from './histogram';
import { ParsedMetrics } from './prom-text';

export interface MemberFigures {
  /** Hex member id (from the health refresh, else etcd_server_id), null when unknown. */
  id: string | null;
  name: string;
  /** Where the metrics were read. */
  url: string | null;
  /** Why this member has no figures (unreachable, TLS, garbage); null when it has them. */
  error: string | null;
  walFsyncP50Ms: number | null;
  walFsyncP99Ms: number | null;
  /** WAL fsyncs in the window: a p99 of three samples says less than one of three thousand. */
  walFsyncs: number | null;
  backendCommitP99Ms: number | null;
  backendCommits: number | null;
  /** p99 round trip to each peer (hex id) in the window; a peer with no probe in the window is absent. */
  peerRttP99Ms: Record<string, number>;
  leaderChanges: number | null;
  proposalsFailed: number | null;
  proposalsPending: number | null;
  slowApplies: number | null;
  slowReadIndexes: number | null;
  heartbeatSendFailures: number | null;
  appliedIndex: number | null;
  dbSizeBytes: number | null;
  dbSizeInUseBytes: number | null;
  quotaBytes: number | null;
  hasLeader: boolean | null;
  isLearner: boolean | null;
  version: string | null;
}

/** Metric families figuresOf reads: the scraper parses only these. */
const FIGURE_PREFIXES = [
  'etcd_disk_wal_fsync_duration_seconds', 'etcd_disk_backend_commit_duration_seconds', 'etcd_network_peer_round_trip_time_seconds',
  'etcd_server_', 'etcd_mvcc_db_total_size', 'etcd_debugging_mvcc_db_total_size_in_bytes',
];

export function isFigureMetric(name: string): boolean {
  return FIGURE_PREFIXES.some((p) => name.startsWith(p));
}

const ms = (seconds: number | null) => (seconds === null ? null : Math.round(seconds * 1e5) / 100);

export function emptyFigures(id: string | null, name: string, url: string | null, error: string | null): MemberFigures {
  return {
    id, name, url, error, walFsyncP50Ms: null, walFsyncP99Ms: null, walFsyncs: null, backendCommitP99Ms: null,
    backendCommits: null, peerRttP99Ms: {}, leaderChanges: null, proposalsFailed: null, proposalsPending: null,
    slowApplies: null, slowReadIndexes: null, heartbeatSendFailures: null, appliedIndex: null, dbSizeBytes: null,
    dbSizeInUseBytes: null, quotaBytes: null, hasLeader: null, isLearner: null, version: null,
  };
}

/** The member's own id as etcd exports it (3.5+: `etcd_server_id{server_id="…"}`), hex. */
export function serverIdOf(m: ParsedMetrics): string | null {
  const s = m.samples.find((x) => x.name === 'etcd_server_id' && x.labels.server_id);
  return s ? s.labels.server_id.toLowerCase() : null;
}

function versionOf(m: ParsedMetrics): string | null {
  return m.samples.find((x) => x.name === 'etcd_server_version' && x.labels.server_version)?.labels.server_version ?? null;
}

/**
 * Figures between `before` and `after`. etcd observes peer round trips only every 30 s, so RTT comes from a
 * longer window when one is given (`rttBefore`, the oldest scrape kept within about a minute).
 */
export function figuresOf(id: string | null, name: string, url: string, before: ParsedMetrics, after: ParsedMetrics, rttBefore: ParsedMetrics = before): MemberFigures {
  const wal = histogramDelta(histogramOf(before, 'etcd_disk_wal_fsync_duration_seconds'), histogramOf(after, 'etcd_disk_wal_fsync_duration_seconds'));
  const commit = histogramDelta(histogramOf(before, 'etcd_disk_backend_commit_duration_seconds'), histogramOf(after, 'etcd_disk_backend_commit_duration_seconds'));
  const rttName = 'etcd_network_peer_round_trip_time_seconds';
  const peerRttP99Ms: Record<string, number> = {};
  for (const peer of labelValues(after, `${rttName}_bucket`, 'To')) {
    // etcd creates a peer's series at its first observation: absent from the earlier scrape, all of it is new.
    const now = histogramOf(after, rttName, { To: peer });
    const then = histogramOf(rttBefore, rttName, { To: peer });
    const p99 = ms(quantile(then ? histogramDelta(then, now) : now, 0.99));
    if (p99 !== null) peerRttP99Ms[peer.toLowerCase()] = p99;
  }
  const delta = (n: string) => counterDelta(scalarOf(before, n), scalarOf(after, n));
  const gauge = (n: string) => scalarOf(after, n);
  const flag = (n: string) => { const v = gauge(n); return v === null ? null : v === 1; };
  return {
    id: id ?? serverIdOf(after), name, url, error: null,
    walFsyncP50Ms: ms(quantile(wal, 0.5)), walFsyncP99Ms: ms(quantile(wal, 0.99)), walFsyncs: wal ? wal.count : null,
    backendCommitP99Ms: ms(quantile(commit, 0.99)), backendCommits: commit ? commit.count : null,
    peerRttP99Ms,
    leaderChanges: delta('etcd_server_leader_changes_seen_total'),
    proposalsFailed: delta('etcd_server_proposals_failed_total'),
    proposalsPending: gauge('etcd_server_proposals_pending'),
    slowApplies: delta('etcd_server_slow_apply_total'),
    slowReadIndexes: delta('etcd_server_slow_read_indexes_total'),
    heartbeatSendFailures: delta('etcd_server_heartbeat_send_failures_total'),
    appliedIndex: gauge('etcd_server_proposals_applied_total'),
    dbSizeBytes: gauge('etcd_mvcc_db_total_size_in_bytes') ?? gauge('etcd_debugging_mvcc_db_total_size_in_bytes'),
    dbSizeInUseBytes: gauge('etcd_mvcc_db_total_size_in_use_in_bytes'),
    quotaBytes: gauge('etcd_server_quota_backend_bytes'),
    hasLeader: flag('etcd_server_has_leader'),
    isLearner: flag('etcd_server_is_learner'),
    version: versionOf(after),
  };
}
