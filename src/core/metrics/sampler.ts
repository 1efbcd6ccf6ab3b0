// Scrapes every member at once and turns consecutive scrapes into windows of per-member figures and findings.
// The CLI takes two scrapes `interval` apart; the extension keeps one sampler per cluster and ticks it.
import * as http from 'node:http';
import * as https from 'node:https';
import type { ClusterHealth } from '../cluster-model';
import { DEFAULT_TIMEOUT_MS, ConnectionProfile } from '../etcd/profile';
import { loadTls, TlsMaterial } from '../etcd/tls';
import { Finding } from '../findings';
import { emptyFigures, figuresOf, isFigureMetric, MemberFigures } from './figures';
import { FindingOptions, metricsFindings } from './findings';
import { ScrapeResult, scrape } from './scrape';

/** etcd observes peer RTT every 30 s: a window this long holds at least one observation. */
export const RTT_HORIZON_MS = 65000;

export interface ScrapeTarget {
  id: string | null;
  name: string;
  /** Client URL (HTTPS, the profile's TLS) or metrics URL (plain HTTP on 2381); null when none is known. */
  url: string | null;
}

export interface MetricsWindow {
  /** Start and end of the window (ms since epoch) and its length. */
  from: number;
  to: number;
  seconds: number;
  members: MemberFigures[];
  findings: Finding[];
  /** Wall time of the slowest scrape and of the whole round, for the cost figures. */
  scrapeMs: number;
}

/** Targets from a health refresh: every member by id and name; a member no endpoint of ours reaches has none. */
export function targetsFromHealth(health: ClusterHealth, metricsUrls: Record<string, string> = {}): ScrapeTarget[] {
  return health.members.map((m) => {
    const url = m.endpoint ? metricsUrls[m.endpoint] ?? m.endpoint : null;
    return { id: m.id, name: m.name, url };
  });
}

export interface SamplerOptions extends FindingOptions {
  timeoutMs?: number;
}

export class MetricsSampler {
  private readonly tls: TlsMaterial | undefined;
  private readonly agents = { https: new https.Agent({ keepAlive: true, maxSockets: 2 }), http: new http.Agent({ keepAlive: true, maxSockets: 2 }) };
  private previous = new Map<string, ScrapeResult>();
  /** Older scrapes per target, for the peer RTT window (etcd observes RTT every 30 s). */
  private older = new Map<string, ScrapeResult[]>();
  private readonly timeoutMs: number;

  constructor(profile: Pick<ConnectionProfile, 'tls' | 'timeoutMs'>, private readonly options: SamplerOptions = {}) {
    this.tls = loadTls(profile.tls);
    this.timeoutMs = options.timeoutMs ?? profile.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  }

  private keyOf(t: ScrapeTarget): string {
    return `${t.id ?? ''}@${t.url ?? ''}`;
  }

  /** Scrapes every target once, in parallel; each scrape has its own deadline. */
  async scrapeAll(targets: ScrapeTarget[]): Promise<Map<string, ScrapeResult>> {
    const results = await Promise.all(targets.map(async (t) => {
      if (!t.url) return [this.keyOf(t), null] as const;
      return [this.keyOf(t), await scrape(t.url, { tls: this.tls, timeoutMs: this.timeoutMs, agents: this.agents, keep: isFigureMetric })] as const;
    }));
    const map = new Map<string, ScrapeResult>();
    for (const [k, r] of results) if (r) map.set(k, r);
    return map;
  }

  /**
   * Takes a scrape and returns the window since the previous one, or null on the first tick (no window yet:
   * figures are never counted since process start).
   */
  async tick(targets: ScrapeTarget[]): Promise<MetricsWindow | null> {
    const started = performance.now();
    const now = await this.scrapeAll(targets);
    const before = this.previous;
    this.previous = now;
    for (const [k, r] of before) {
      if (!r.metrics) continue;
      const kept = (this.older.get(k) ?? []).filter((x) => Date.now() - x.at <= RTT_HORIZON_MS);
      kept.push(r);
      this.older.set(k, kept);
    }
    if (before.size === 0) return null;
    const members = targets.map((t) => {
      const key = this.keyOf(t);
      if (!t.url) return emptyFigures(t.id, t.name, null, 'none of the configured endpoints reaches this member');
      const after = now.get(key)!;
      const prior = before.get(key);
      if (after.error !== null) return emptyFigures(t.id, t.name, t.url, after.error);
      if (!prior || prior.error !== null || !prior.metrics) return emptyFigures(t.id, t.name, t.url, 'no earlier scrape to compare with yet (the next window will have figures)');
      const rttBase = this.older.get(key)?.[0]?.metrics ?? prior.metrics;
      return figuresOf(t.id, t.name, t.url, prior.metrics, after.metrics!, rttBase);
    });
    const times = [...now.values()].map((r) => r.at);
    const priorTimes = [...before.values()].map((r) => r.at);
    const from = Math.min(...priorTimes);
    const to = Math.max(...times, from);
    return {
      from, to, seconds: Math.round((to - from) / 100) / 10, members,
      findings: metricsFindings(members, this.options),
      scrapeMs: Math.round((performance.now() - started) * 10) / 10,
    };
  }

  close(): void {
    this.agents.https.destroy();
    this.agents.http.destroy();
  }
}

/** Two scrapes `intervalMs` apart: one window (what `etcd-ops metrics` prints). */
export async function sampleWindow(profile: Pick<ConnectionProfile, 'tls' | 'timeoutMs'>, targets: ScrapeTarget[], intervalMs: number, options: SamplerOptions = {}): Promise<MetricsWindow> {
  const sampler = new MetricsSampler(profile, options);
  try {
    await sampler.tick(targets);
    await new Promise((r) => setTimeout(r, intervalMs));
    return (await sampler.tick(targets))!;
  } finally {
    sampler.close();
  }
}
