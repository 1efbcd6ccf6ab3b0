// "etcd 3/3 · leader m2": the cluster's health at a glance; a warning background when quorum is at risk.
// When nothing could be reached there is no quorum to show: our own connection settings (a warning, not a
// red cluster), or no member answering at all.
import * as vscode from 'vscode';
import { quorumJudged } from '../core/cluster-model';
import { ClusterEntry, ClusterRegistry } from './cluster-registry';

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

export class HealthStatusBar implements vscode.Disposable {
  private readonly item = vscode.window.createStatusBarItem('etcdOps.health', vscode.StatusBarAlignment.Left, 50);
  private readonly subscription: vscode.Disposable;

  constructor(private readonly registry: ClusterRegistry) {
    this.item.name = 'etcd health';
    this.item.command = 'etcdOps.focus';
    this.subscription = registry.onDidChange(() => this.render());
    this.render();
  }

  private render(): void {
    const entries = this.registry.list();
    if (!entries.length) { this.item.hide(); return; }
    // The worst cluster decides what the item shows.
    const rank = { error: 0, warning: 1, ok: 2 } as const;
    const shown = entries.map((e) => ({ e, s: statusText(e) })).sort((a, b) => rank[a.s.severity] - rank[b.s.severity])[0];
    this.item.text = shown.s.text + (entries.length > 1 ? ` (+${entries.length - 1})` : '');
    this.item.tooltip = entries.map((e) => `${e.label}: ${e.health?.connectionProblem ?? statusText(e).text.replace(/\$\([^)]*\) /, '')}`).join('\n');
    this.item.backgroundColor = shown.s.severity === 'ok' ? undefined
      : new vscode.ThemeColor(shown.s.severity === 'error' ? 'statusBarItem.errorBackground' : 'statusBarItem.warningBackground');
    this.item.show();
  }

  dispose(): void {
    this.subscription.dispose();
    this.item.dispose();
  }
}
