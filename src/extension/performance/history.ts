// The last 30 minutes of each cluster's metrics windows, as the "Member Performance" panel charts them.
// No vscode import: the sampler service fills it, the panel reads it, unit tests drive it.
import type { MetricsWindow } from '../../core/metrics';
import { ETCD_DEFAULT_HEARTBEAT_MS, THRESHOLDS } from '../../core/metrics/thresholds';
import type { MemberSeries, PerformanceView } from './view';

export type { MemberPoint, MemberSeries, PerformanceView } from './view';

export const HISTORY_SPAN_MS = 30 * 60 * 1000;

const memberKey = (m: { id: string | null; name: string }) => m.id ?? `name:${m.name}`;

export class PerformanceHistory {
  private readonly members = new Map<string, MemberSeries>();
  private latest: MetricsWindow | null = null;

  constructor(readonly cluster: string, private readonly heartbeatMs = ETCD_DEFAULT_HEARTBEAT_MS) {}

  add(w: MetricsWindow): void {
    this.latest = w;
    for (const m of w.members) {
      const key = memberKey(m);
      const series = this.members.get(key) ?? { id: m.id, name: m.name, points: [], error: null };
      series.name = m.name || series.name;
      series.error = m.error;
      if (m.error === null) {
        const rtts = Object.values(m.peerRttP99Ms);
        series.points.push({
          at: w.to, walFsyncP99Ms: m.walFsyncP99Ms, backendCommitP99Ms: m.backendCommitP99Ms,
          peerRttP99Ms: rtts.length ? Math.max(...rtts) : null, leaderChanges: m.leaderChanges,
        });
      }
      this.members.set(key, series);
    }
    const oldest = w.to - HISTORY_SPAN_MS;
    for (const [key, s] of this.members) {
      s.points = s.points.filter((p) => p.at >= oldest);
      // A member gone from the cluster and from the whole span leaves the chart.
      if (!s.points.length && !w.members.some((m) => memberKey(m) === key)) this.members.delete(key);
    }
  }

  /** The most recent window (the tree's tooltips and finding rows read it). */
  get window(): MetricsWindow | null {
    return this.latest;
  }

  view(): PerformanceView {
    return {
      cluster: this.cluster, spanMs: HISTORY_SPAN_MS,
      members: [...this.members.values()].map((s) => ({ ...s, points: [...s.points] })),
      thresholds: {
        walFsyncP99Ms: THRESHOLDS.walFsyncP99Ms, backendCommitP99Ms: THRESHOLDS.backendCommitP99Ms,
        peerRttP99Ms: THRESHOLDS.rttShareOfHeartbeat * this.heartbeatMs,
      },
      findings: this.latest?.findings ?? [],
      lastWindowSeconds: this.latest?.seconds ?? null,
    };
  }
}
