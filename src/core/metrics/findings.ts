// Per-member verdicts from a window of figures: which member, which resource (disk or network), what to do.
// Disk findings read only disk histograms and network findings only RTT: a member is never blamed for the other.
import { Finding, finding } from '../findings';
import { MemberFigures } from './figures';
import { ETCD_DEFAULT_HEARTBEAT_MS, THRESHOLDS, tuningFor } from './thresholds';

export interface FindingOptions {
  /** The cluster's --heartbeat-interval, when known (etcd's default otherwise). */
  heartbeatMs?: number;
}

const label = (f: Pick<MemberFigures, 'name' | 'id'>) => (f.name ? (f.id ? `${f.name} (${f.id})` : f.name) : f.id ?? 'unknown member');

function diskFindings(f: MemberFigures): Finding[] {
  const out: Finding[] = [];
  if (f.walFsyncP99Ms !== null && (f.walFsyncs ?? 0) >= THRESHOLDS.minSamples && f.walFsyncP99Ms > THRESHOLDS.walFsyncP99Ms) {
    out.push(finding(f.walFsyncP99Ms > 10 * THRESHOLDS.walFsyncP99Ms ? 'error' : 'warning', 'wal-fsync-slow', label(f),
      `${label(f)}: WAL fsync p99 ${f.walFsyncP99Ms} ms over ${f.walFsyncs} fsyncs (p50 ${f.walFsyncP50Ms} ms), above etcd's ${THRESHOLDS.walFsyncP99Ms} ms: this member's disk is too slow for etcd, which leads to missed heartbeats, "apply request took too long" and elections.`,
      `Give ${label(f)}'s etcd data dir a dedicated SSD/NVMe not shared with other I/O (check with iostat/fio --fdatasync=1); avoid network or burstable volumes.`));
  }
  if (f.backendCommitP99Ms !== null && (f.backendCommits ?? 0) >= THRESHOLDS.minSamples && f.backendCommitP99Ms > THRESHOLDS.backendCommitP99Ms) {
    out.push(finding('warning', 'backend-commit-slow', label(f),
      `${label(f)}: backend commit p99 ${f.backendCommitP99Ms} ms over ${f.backendCommits} commits, above etcd's ${THRESHOLDS.backendCommitP99Ms} ms: this member's disk is slow to write the bbolt database.`,
      `Move ${label(f)}'s data dir to a faster dedicated disk; a large, fragmented db also slows commits (etcdctl defrag, one member at a time).`));
  }
  return out;
}

function memberStateFindings(f: MemberFigures, leaderApplied: number | null): Finding[] {
  const out: Finding[] = [];
  if (f.hasLeader === false) {
    out.push(finding('error', 'member-no-leader', label(f), `${label(f)} sees no leader.`,
      'Check this member\'s peer connectivity and the cluster\'s quorum (etcd-ops status).'));
  }
  if ((f.proposalsFailed ?? 0) > 0) {
    out.push(finding('warning', 'proposals-failed', label(f), `${label(f)}: ${f.proposalsFailed} proposals failed in the window (usually a leader election or lost quorum).`,
      'Look at leader changes and peer RTT; repeated failures mean writes are being lost to elections.'));
  }
  if ((f.slowApplies ?? 0) > 0) {
    out.push(finding('warning', 'slow-applies', label(f), `${label(f)}: ${f.slowApplies} applies took too long in the window ("apply request took too long").`,
      'Compare this member\'s WAL fsync and backend commit figures; expensive requests (large ranges) also cause it.'));
  }
  if ((f.heartbeatSendFailures ?? 0) > 0) {
    out.push(finding('warning', 'heartbeat-send-failures', label(f), `${label(f)}: ${f.heartbeatSendFailures} heartbeats could not be sent on time in the window.`,
      'The leader is overloaded or its peer links are slow: check its disk and RTT figures, or raise --heartbeat-interval.'));
  }
  if (f.isLearner && leaderApplied !== null && f.appliedIndex !== null && leaderApplied - f.appliedIndex > THRESHOLDS.learnerLagEntries) {
    out.push(finding('warning', 'learner-apply-lag', label(f), `Learner ${label(f)} has applied ${leaderApplied - f.appliedIndex} entries fewer than the leader.`,
      'Do not promote it yet: wait until it catches up (promotion needs 90 % of the leader\'s log).'));
  }
  if (f.dbSizeBytes !== null && f.quotaBytes && f.dbSizeBytes > THRESHOLDS.dbQuotaShare * f.quotaBytes) {
    out.push(finding('warning', 'db-near-quota', label(f), `${label(f)}: db size ${Math.round(f.dbSizeBytes / 1048576)} MiB is over ${THRESHOLDS.dbQuotaShare * 100} % of its quota (${Math.round(f.quotaBytes / 1048576)} MiB).`,
      'Compact and defragment (one member at a time), or raise --quota-backend-bytes, before etcd raises NOSPACE.'));
  }
  return out;
}

/** Largest RTT either side measured for each pair of members, keyed "a|b" with a < b. */
export function pairRtts(members: MemberFigures[]): Map<string, { a: string; b: string; ms: number }> {
  const pairs = new Map<string, { a: string; b: string; ms: number }>();
  for (const m of members) {
    if (!m.id) continue;
    for (const [peer, ms] of Object.entries(m.peerRttP99Ms)) {
      const [a, b] = [m.id, peer].sort();
      const key = `${a}|${b}`;
      const prev = pairs.get(key);
      if (!prev || ms > prev.ms) pairs.set(key, { a, b, ms });
    }
  }
  return pairs;
}

function networkFindings(members: MemberFigures[], heartbeatMs: number): Finding[] {
  const limit = THRESHOLDS.rttShareOfHeartbeat * heartbeatMs;
  const pairs = [...pairRtts(members).values()];
  const high = pairs.filter((p) => p.ms >= limit);
  if (high.length === 0) return [];
  const name = (id: string) => { const m = members.find((x) => x.id === id); return m ? label(m) : id; };
  const maxRtt = Math.max(...high.map((p) => p.ms));
  const advice = tuningFor(maxRtt);
  const remedy = (what: string) => `${what} If the latency is expected (members in different zones), set --heartbeat-interval=${advice.heartbeatMs} --election-timeout=${advice.electionMs} on every member (${advice.formula}).`;
  const out: Finding[] = [];
  const explained = new Set<string>();
  // One member whose every measured pair is high while the pairs among the others are fine: that member's link.
  for (const m of members) {
    if (!m.id) continue;
    const mine = pairs.filter((p) => p.a === m.id || p.b === m.id);
    const others = pairs.filter((p) => p.a !== m.id && p.b !== m.id);
    if (mine.length < 2 || others.length === 0) continue;
    if (mine.every((p) => p.ms >= limit) && others.every((p) => p.ms < limit)) {
      const worst = Math.max(...mine.map((p) => p.ms));
      out.push(finding('warning', 'member-network-slow', label(m),
        `${label(m)}'s network link is slow: round trip p99 to every peer ${mine.map((p) => `${name(p.a === m.id ? p.b : p.a)} ${p.ms} ms`).join(', ')} (up to ${worst} ms) against a ${heartbeatMs} ms heartbeat, while its peers reach each other in ${others.map((p) => `${p.ms} ms`).join(', ')}. This is the network, not its disk.`,
        remedy(`Check ${label(m)}'s network path (NIC, route, packet loss, cross-zone placement).`)));
      for (const p of mine) explained.add(`${p.a}|${p.b}`);
    }
  }
  for (const p of high) {
    if (explained.has(`${p.a}|${p.b}`)) continue;
    const link = `${name(p.a)} ↔ ${name(p.b)}`;
    out.push(finding('warning', 'peer-rtt-high', link,
      `Peer round trip p99 ${link} is ${p.ms} ms, ${p.ms >= heartbeatMs ? 'above' : 'near'} the ${heartbeatMs} ms heartbeat interval: heartbeats on this link arrive late and can start elections. This is the network between them, not either member's disk.`,
      remedy(`Check the network path between ${link}.`)));
  }
  return out;
}

/** A short, figure-free title per finding code: the tree's row text, stable from one window to the next. */
export const METRICS_FINDING_TITLES: Record<string, string> = {
  'wal-fsync-slow': 'slow WAL fsync (disk)', 'backend-commit-slow': 'slow backend commit (disk)', 'member-no-leader': 'sees no leader',
  'proposals-failed': 'proposals failed', 'slow-applies': 'slow applies', 'heartbeat-send-failures': 'heartbeats sent late',
  'learner-apply-lag': 'learner lags the leader', 'db-near-quota': 'db near its quota', 'leader-changes': 'leader changes',
  'member-network-slow': 'slow network link', 'peer-rtt-high': 'peer round trip near the heartbeat interval',
  'metrics-unreachable': 'no metrics',
};

export function metricsFindings(members: MemberFigures[], options: FindingOptions = {}): Finding[] {
  const heartbeatMs = options.heartbeatMs ?? ETCD_DEFAULT_HEARTBEAT_MS;
  const out: Finding[] = [];
  const answered = members.filter((m) => m.error === null);
  for (const m of members) {
    if (m.error !== null) {
      out.push(finding('warning', 'metrics-unreachable', label(m), `No metrics from ${label(m)}: ${m.error}`,
        'Check that the member runs and that its client (or metrics) URL and TLS files are right; the other members\' figures are still shown.'));
    }
  }
  const leaderApplied = Math.max(...answered.filter((m) => m.isLearner === false && m.appliedIndex !== null).map((m) => m.appliedIndex!), -Infinity);
  for (const m of answered) out.push(...diskFindings(m), ...memberStateFindings(m, Number.isFinite(leaderApplied) ? leaderApplied : null));
  const changes = Math.max(0, ...answered.map((m) => m.leaderChanges ?? 0));
  if (changes > 0) {
    out.push(finding('warning', 'leader-changes', 'cluster', `The leader changed ${changes} time${changes > 1 ? 's' : ''} in the window.`,
      'Frequent elections come from slow disks (WAL fsync) or slow links (peer RTT): see the per-member figures; an operator\'s own leader transfer also counts.'));
  }
  out.push(...networkFindings(answered, heartbeatMs));
  return out;
}
