// `etcd-ops metrics`: per-member performance over one window (two scrapes --interval apart) from etcd's own metrics.
import { refreshCluster } from '../core/etcd/live-health';
import { sampleWindow, targetsFromHealth } from '../core/metrics';
import { UsageError } from './args';
import { defineCommand } from './command';
import { CONNECTION_OPTIONS, profileFromFlags } from './connection-flags';
import { CliIo, printJson, table } from './output';
import type { MetricsWindow } from '../core/metrics';

const fmt = (v: number | null) => (v === null ? '-' : String(v));

function printTable(io: CliIo, w: MetricsWindow): void {
  io.out(table(['NAME', 'ID', 'FSYNC P50', 'FSYNC P99', 'COMMIT P99', 'PEER RTT P99', 'LEADER CHG', 'PROP FAILED', 'PENDING', 'VERSION', 'ERROR'],
    w.members.map((m) => [m.name || '(unstarted)', m.id ?? '?', fmt(m.walFsyncP50Ms), fmt(m.walFsyncP99Ms), fmt(m.backendCommitP99Ms),
      Object.entries(m.peerRttP99Ms).map(([p, ms]) => `${p}:${ms}`).join(' ') || '-', fmt(m.leaderChanges), fmt(m.proposalsFailed),
      fmt(m.proposalsPending), m.version ?? '-', m.error ?? ''])));
  io.out(`\nwindow ${w.seconds} s (times in ms)${w.seconds < 35 ? ' · etcd measures peer RTT every 30 s: use --interval 35 for RTT figures' : ''}`);
  for (const f of w.findings) io.out(`${f.severity.toUpperCase()} ${f.code}: ${f.message}\n  -> ${f.remediation}`);
}

export const command = defineCommand({
  summary: 'per-member WAL fsync, backend commit, peer RTT, leader changes and proposals from etcd\'s metrics',
  synopsis: '--endpoints URL[,URL...] [--interval SECONDS] [--heartbeat-interval MS] [conn flags] [--json]',
  description: `Scrapes every member's /metrics twice, --interval apart (read-only), and judges each member from the
window between the scrapes: WAL fsync, backend commit, peer round trips, leader changes, proposals.`,
  options: {
    interval: { type: 'integer', value: 'SECONDS', min: 1, default: 5, help: 'seconds between the two scrapes (35 or more for peer RTT figures)' },
    'heartbeat-interval': { type: 'integer', value: 'MS', min: 1, default: 100, help: 'the members\' --heartbeat-interval, for the RTT verdict' },
    'metrics-urls': { type: 'string', value: 'ENDPOINT=URL,...', help: 'scrape a member at its plain-HTTP metrics listener (--listen-metrics-urls, e.g. https://10.0.0.1:2379=http://127.0.0.1:2381 on that node) instead of its client URL' },
    json: { type: 'boolean', help: 'print the result as JSON' },
    ...CONNECTION_OPTIONS,
  },
  footer: 'Exit: 0 when at least one member\'s metrics were read, 1 otherwise, 2 usage error.',
  async run({ values }, io) {
    const profile = { ...profileFromFlags(values), metricsUrls: parseMetricsUrls(values['metrics-urls']) };
    const intervalMs = values.interval * 1000;
    const heartbeatMs = values['heartbeat-interval'];
    const health = await refreshCluster(profile);
    const window = await sampleWindow(profile, targetsFromHealth(health, profile.metricsUrls), intervalMs, { heartbeatMs });
    if (values.json) printJson(io, { window: { from: new Date(window.from).toISOString(), to: new Date(window.to).toISOString(), seconds: window.seconds }, members: window.members, findings: window.findings });
    else printTable(io, window);
    if (window.members.every((m) => m.error !== null)) {
      io.err(`etcd-ops metrics: no member's metrics could be read (${window.members.map((m) => m.error)[0] ?? 'no members'})`);
      return 1;
    }
    return 0;
  },
});

/** `ENDPOINT=URL,...` → {endpoint: url}; each URL must be http(s), each endpoint one of --endpoints' spelling. */
export function parseMetricsUrls(text: string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const pair of (text ?? '').split(',').map((p) => p.trim()).filter(Boolean)) {
    const eq = pair.indexOf('=');
    const [endpoint, url] = eq > 0 ? [pair.slice(0, eq), pair.slice(eq + 1)] : ['', ''];
    let ok = false;
    try { ok = /^https?:$/.test(new URL(url).protocol) && Boolean(new URL(endpoint)); } catch { ok = false; }
    if (!ok) throw new UsageError(`--metrics-urls: "${pair}" is not ENDPOINT=URL (e.g. https://10.0.0.1:2379=http://127.0.0.1:2381)`);
    out[endpoint] = url;
  }
  return out;
}
