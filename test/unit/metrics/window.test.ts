import assert from 'node:assert/strict';
import { test } from 'node:test';
import { counterDelta, histogramDelta, histogramOf, quantile } from '../../../src/core/metrics/histogram';
import { figuresOf } from '../../../src/core/metrics/figures';
import { parsePrometheusText } from '../../../src/core/metrics/prom-text';

// Cumulative buckets of a WAL fsync histogram with etcd's bounds (1 ms .. 8.192 s).
function walText(counts: Record<string, number>, extra = ''): string {
  const bounds = ['0.001', '0.002', '0.004', '0.008', '0.016', '0.032', '0.064', '+Inf'];
  let cum = 0;
  const lines = bounds.map((b) => { cum += counts[b] ?? 0; return `etcd_disk_wal_fsync_duration_seconds_bucket{le="${b}"} ${cum}`; });
  return [...lines, `etcd_disk_wal_fsync_duration_seconds_count ${cum}`, 'etcd_disk_wal_fsync_duration_seconds_sum 1', extra].join('\n');
}

test('quantiles come from bucket deltas of the window, not from process start', () => {
  // Before the window: 1000 fast fsyncs. In the window: 100 fsyncs, all between 32 and 64 ms.
  const before = parsePrometheusText(walText({ '0.001': 1000 }));
  const after = parsePrometheusText(walText({ '0.001': 1000, '0.064': 100 }));
  const d = histogramDelta(histogramOf(before, 'etcd_disk_wal_fsync_duration_seconds'), histogramOf(after, 'etcd_disk_wal_fsync_duration_seconds'));
  const p99 = quantile(d, 0.99)!;
  assert.ok(p99 > 0.032 && p99 <= 0.064, `p99 ${p99}`);
  // Since process start the p99 would be the fast bucket's: the window is what matters.
  assert.ok(quantile(histogramOf(after, 'etcd_disk_wal_fsync_duration_seconds'), 0.5)! <= 0.001);
});

test('interpolates inside the bucket; +Inf answers the largest finite bound; empty window is null', () => {
  const h = { bounds: [0.001, 0.002, Infinity], counts: [0, 10, 10], count: 10, sum: 0 };
  assert.equal(quantile(h, 0.5), 0.0015);
  assert.equal(quantile({ bounds: [0.001, Infinity], counts: [0, 4], count: 4, sum: 0 }, 0.99), 0.001);
  assert.equal(quantile({ bounds: [0.001, Infinity], counts: [0, 0], count: 0, sum: 0 }, 0.99), null);
});

test('a restart inside the window (counters went down) counts what the new process saw; no before is no window', () => {
  assert.equal(counterDelta(10, 3), 3);
  assert.equal(counterDelta(10, 14), 4);
  assert.equal(counterDelta(null, 14), null);
  const a = histogramOf(parsePrometheusText(walText({ '0.001': 50 })), 'etcd_disk_wal_fsync_duration_seconds');
  const b = histogramOf(parsePrometheusText(walText({ '0.016': 5 })), 'etcd_disk_wal_fsync_duration_seconds');
  assert.equal(histogramDelta(a, b)!.count, 5);
  assert.equal(histogramDelta(null, b), null);
});

test('figures: fsync, counters as deltas, RTT per peer, gauges, version', () => {
  const common = 'etcd_server_version{server_version="3.6.16"} 1\netcd_server_is_learner 0\netcd_server_has_leader 1\netcd_server_proposals_pending 2';
  const rtt = (n: number) => `etcd_network_peer_round_trip_time_seconds_bucket{To="AB",le="0.0256"} 0\netcd_network_peer_round_trip_time_seconds_bucket{To="AB",le="0.0512"} ${n}\netcd_network_peer_round_trip_time_seconds_bucket{To="AB",le="+Inf"} ${n}`;
  const before = parsePrometheusText(`${walText({ '0.001': 10 })}\n${common}\netcd_server_leader_changes_seen_total 1\n${rtt(1)}`);
  const after = parsePrometheusText(`${walText({ '0.001': 10, '0.002': 10 })}\n${common}\netcd_server_leader_changes_seen_total 3\n${rtt(2)}`);
  const f = figuresOf('1', 'm1', 'https://x', before, after);
  assert.equal(f.walFsyncs, 10);
  assert.ok(f.walFsyncP99Ms! > 1 && f.walFsyncP99Ms! <= 2);
  assert.equal(f.leaderChanges, 2);
  assert.equal(f.proposalsPending, 2);
  assert.equal(f.version, '3.6.16');
  assert.equal(f.hasLeader, true);
  assert.equal(f.isLearner, false);
  assert.ok(f.peerRttP99Ms.ab > 25.6 && f.peerRttP99Ms.ab <= 51.2, JSON.stringify(f.peerRttP99Ms));
});

test('a peer whose RTT series first appears inside the window counts all of its observations', () => {
  // etcd creates etcd_network_peer_round_trip_time_seconds{To=…} at its first observation: a young cluster's
  // earlier scrape has no series at all for the peer.
  const wal = walText({ '0.001': 10 });
  const rtt = 'etcd_network_peer_round_trip_time_seconds_bucket{To="cd",le="0.1024"} 0\netcd_network_peer_round_trip_time_seconds_bucket{To="cd",le="0.2048"} 2\netcd_network_peer_round_trip_time_seconds_bucket{To="cd",le="+Inf"} 2';
  const f = figuresOf('1', 'm1', 'https://x', parsePrometheusText(wal), parsePrometheusText(`${wal}\n${rtt}`));
  assert.ok(f.peerRttP99Ms.cd > 102.4 && f.peerRttP99Ms.cd <= 204.8, JSON.stringify(f.peerRttP99Ms));
});
