// `etcd-ops metrics`: per-member performance over one window (two scrapes --interval apart) from etcd's own metrics.
import { refreshCluster } from '../core/etcd/live-health';
import { sampleWindow, targetsFromHealth } from '../core/metrics';
import { boolFlag, intFlag } from './args';
import { CliCommand } from './command';
import { profileFromFlags } from './connection-flags';
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

export const command: CliCommand = {
  summary: 'per-member WAL fsync, backend commit, peer RTT, leader changes and proposals from etcd\'s metrics',
  async run(args, io) {
    if (boolFlag(args, 'help')) {
      io.out('etcd-ops metrics --endpoints URL[,URL...] [--interval SECONDS] [--heartbeat-interval MS] [--cacert F] [--cert F] [--key F] [--timeout MS] [--json]');
      return 0;
    }
    const profile = profileFromFlags(args);
    const intervalMs = intFlag(args, 'interval', 5, 1) * 1000;
    const heartbeatMs = intFlag(args, 'heartbeat-interval', 100, 1);
    const health = await refreshCluster(profile);
    const window = await sampleWindow(profile, targetsFromHealth(health), intervalMs, { heartbeatMs });
    if (boolFlag(args, 'json')) printJson(io, { window: { from: new Date(window.from).toISOString(), to: new Date(window.to).toISOString(), seconds: window.seconds }, members: window.members, findings: window.findings });
    else printTable(io, window);
    if (window.members.every((m) => m.error !== null)) {
      io.err(`etcd-ops metrics: no member's metrics could be read (${window.members.map((m) => m.error)[0] ?? 'no members'})`);
      return 1;
    }
    return 0;
  },
};
