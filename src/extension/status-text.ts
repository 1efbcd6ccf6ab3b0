// "etcd 3/3 · leader m2": the cluster's health at a glance; warning when quorum is at risk. When nothing could
// be reached there is no quorum to show: our own connection settings (a warning, not a red cluster), or no
// member answering at all. Also the status bar's Markdown tooltip. No vscode import, so it is tested without VS Code.
import { quorumJudged } from '../core/cluster-model';
import type { ClusterEntry } from './cluster-registry';
import { escapeMarkdown } from './tree/tooltips';

export function statusText(entry: ClusterEntry): { text: string; severity: 'ok' | 'warning' | 'error' } {
  const h = entry.health;
  if (entry.error) return { text: '$(error) etcd: error', severity: 'error' };
  if (!h) return { text: '$(sync~spin) etcd', severity: 'ok' };
  if (h.connectionProblem) return { text: '$(debug-disconnect) etcd: cannot connect', severity: 'warning' };
  if (!quorumJudged(h)) return { text: '$(error) etcd: no member answers', severity: 'error' };
  const leader = h.members.find((m) => m.isLeader);
  const q = h.quorum;
  const text = `etcd ${q.healthy}/${q.voters} · leader ${leader?.name || h.leader || 'none'}`;
  if (!q.ok || !h.leader) return { text: `$(error) ${text}`, severity: 'error' };
  if (q.voters > 1 && q.healthy <= q.needed) return { text: `$(warning) ${text}`, severity: 'warning' };
  return { text: `$(database) ${text}`, severity: 'ok' };
}

/** A clock time as the tooltips show it ("14:03:07"), in the local zone. */
export function clockTime(ms: number): string {
  return new Date(ms).toLocaleTimeString(undefined, { hour12: false });
}

/** "last refresh 14:03:07 (12 s ago)", or that none finished yet. */
export function lastRefreshText(entry: Pick<ClusterEntry, 'refreshedAt'>, now: number): string {
  if (!entry.refreshedAt) return 'not refreshed yet';
  const ago = Math.max(0, Math.round((now - entry.refreshedAt) / 1000));
  return `last refresh ${clockTime(entry.refreshedAt)} (${ago < 90 ? `${ago} s` : `${Math.round(ago / 60)} min`} ago)`;
}

/** A command link whose arguments survive as a markdown link target: parentheses and spaces encoded too. */
export function commandLink(label: string, command: string, args?: unknown[]): string {
  const query = args ? `?${encodeURIComponent(JSON.stringify(args)).replace(/[()'!*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)}` : '';
  return `[${label}](command:${command}${query})`;
}

/** The commands the status bar tooltip links to: its MarkdownString trusts these and no other. */
export const STATUS_TOOLTIP_COMMANDS = ['etcdOps.focus', 'etcdOps.refresh', 'etcdOps.showDiagnostics', 'etcdOps.pauseRefresh', 'etcdOps.resumeRefresh'];

/**
 * The status bar tooltip: every cluster with its state and when it was last refreshed, links to show it, and
 * the refresh state. Labels, errors and names come from settings or the network: all escaped, so the only links
 * are ours (the MarkdownString trusts only STATUS_TOOLTIP_COMMANDS).
 */
export function statusTooltipMarkdown(entries: ClusterEntry[], now: number, refresh: { paused: boolean; intervalMs: number | null }): string {
  const lines = ['**etcd clusters**', ''];
  for (const e of entries) {
    const state = e.error ? `error: ${e.error}` : e.health?.connectionProblem ?? statusText(e).text.replace(/^\$\([^)]*\) /, '');
    lines.push(`- **${escapeMarkdown(e.label)}**${e.simulated ? ' (simulated)' : ''}: ${escapeMarkdown(state)} — ${escapeMarkdown(lastRefreshText(e, now))} · ${commandLink('Show', 'etcdOps.focus', [e.key])}`);
  }
  lines.push('', refresh.paused ? `Refresh paused · ${commandLink('Resume Refresh', 'etcdOps.resumeRefresh')}`
    : `${refresh.intervalMs ? `Refreshing every ${Math.round(refresh.intervalMs / 1000)} s` : 'Not refreshing'} · ${commandLink('Refresh Now', 'etcdOps.refresh')} · ${commandLink('Pause Refresh', 'etcdOps.pauseRefresh')}`,
  '', commandLink('Show Diagnostics', 'etcdOps.showDiagnostics'));
  return lines.join('\n') + '\n';
}
