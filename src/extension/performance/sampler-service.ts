// The background metrics sampler: every 10 s, one scrape round per configured real cluster (read-only GETs of
// /metrics, each with a deadline), kept 30 minutes for the panel and handed to the tree as the latest window.
// It runs only while a real cluster is configured and has answered a health refresh (the targets come from it).
import * as vscode from 'vscode';
import { MetricsSampler, targetsFromHealth } from '../../core/metrics';
import type { ClusterEntry, ClusterRegistry } from '../cluster-registry';
import { PerformanceHistory } from './history';

export const SAMPLE_PERIOD_MS = 10000;

interface ClusterSampling {
  profileJson: string;
  sampler: MetricsSampler;
  history: PerformanceHistory;
  busy: boolean;
}

const sampled = (e: ClusterEntry) => !e.simulated && e.profile !== null && e.port !== null;

export class PerformanceSamplerService implements vscode.Disposable {
  private readonly clusters = new Map<string, ClusterSampling>();
  private timer: NodeJS.Timeout | undefined;
  private readonly updated = new vscode.EventEmitter<string>();
  /** Fires with a cluster key when that cluster has a new window. */
  readonly onDidUpdate = this.updated.event;
  private readonly subscription: vscode.Disposable;

  constructor(private readonly registry: ClusterRegistry, private readonly log: vscode.LogOutputChannel, private readonly periodMs = SAMPLE_PERIOD_MS) {
    this.subscription = registry.onDidChange(() => this.reconcile());
    this.reconcile();
  }

  history(key: string): PerformanceHistory | undefined {
    return this.clusters.get(key)?.history;
  }

  /** Clusters that are sampled (the panel offers these). */
  keys(): string[] {
    return [...this.clusters.keys()];
  }

  /** Follows the registry: a sampler per real cluster, none for removed or changed ones; the timer only while any. */
  private reconcile(): void {
    const wanted = new Map(this.registry.list().filter(sampled).map((e) => [e.key, e]));
    for (const [key, c] of this.clusters) {
      const e = wanted.get(key);
      if (!e || JSON.stringify(e.profile) !== c.profileJson) { c.sampler.close(); this.clusters.delete(key); }
    }
    for (const [key, e] of wanted) {
      if (this.clusters.has(key)) continue;
      this.clusters.set(key, { profileJson: JSON.stringify(e.profile), sampler: new MetricsSampler(e.profile!), history: new PerformanceHistory(e.label), busy: false });
      // The first scrape as soon as targets are known: the first window comes one period later.
      if (e.health) void this.sample(key);
    }
    if (this.clusters.size && !this.timer) this.timer = setInterval(() => this.sampleAll(), this.periodMs);
    if (!this.clusters.size && this.timer) { clearInterval(this.timer); this.timer = undefined; }
  }

  private sampleAll(): void {
    for (const key of this.clusters.keys()) void this.sample(key);
  }

  private async sample(key: string): Promise<void> {
    const c = this.clusters.get(key);
    const entry = this.registry.get(key);
    if (!c || c.busy || !entry?.health) return;
    c.busy = true;
    try {
      const w = await c.sampler.tick(targetsFromHealth(entry.health, entry.profile?.metricsUrls));
      if (!w || this.clusters.get(key) !== c) return;
      c.history.add(w);
      this.registry.setPerformance(key, w);
      this.updated.fire(key);
    } catch (err) {
      this.log.warn(`metrics sampling of ${entry.label} failed: ${(err as Error).message}`);
    } finally {
      c.busy = false;
    }
  }

  dispose(): void {
    if (this.timer) clearInterval(this.timer);
    for (const c of this.clusters.values()) c.sampler.close();
    this.clusters.clear();
    this.subscription.dispose();
    this.updated.dispose();
  }
}
