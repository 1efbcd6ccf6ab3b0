// The status bar item: the worst cluster's statusText (status-text.ts), a warning or error background, a click
// that shows the view, and a Markdown tooltip with every cluster (statusTooltipMarkdown).
import * as vscode from 'vscode';
import { ClusterRegistry } from './cluster-registry';
import { RefreshScheduler } from './refresh-scheduler';
import { STATUS_TOOLTIP_COMMANDS, statusText, statusTooltipMarkdown } from './status-text';

export class HealthStatusBar implements vscode.Disposable {
  private readonly item = vscode.window.createStatusBarItem('etcdOps.health', vscode.StatusBarAlignment.Left, 50);
  private readonly subscriptions: vscode.Disposable[];

  constructor(private readonly registry: ClusterRegistry, private readonly scheduler: RefreshScheduler) {
    this.item.name = 'etcd health';
    this.item.command = 'etcdOps.focus';
    this.subscriptions = [registry.onDidChange(() => this.render()), scheduler.onDidChangePaused(() => this.render())];
    this.render();
  }

  private render(): void {
    const entries = this.registry.list();
    if (!entries.length) { this.item.hide(); return; }
    // The worst cluster decides what the item shows; with several, it says which one.
    const rank = { error: 0, warning: 1, ok: 2 } as const;
    const shown = entries.map((e) => ({ e, s: statusText(e) })).sort((a, b) => rank[a.s.severity] - rank[b.s.severity])[0]!;
    const text = entries.length > 1 ? shown.s.text.replace(/^(\$\([^)]*\) )?/, `$1${shown.e.label}: `) + ` (+${entries.length - 1})` : shown.s.text;
    this.item.text = (this.scheduler.isPaused ? '$(debug-pause) ' : '') + text;
    const tooltip = new vscode.MarkdownString(statusTooltipMarkdown(entries, Date.now(),
      { paused: this.scheduler.isPaused, intervalMs: this.scheduler.currentIntervalMs() }), false);
    tooltip.isTrusted = { enabledCommands: STATUS_TOOLTIP_COMMANDS };
    this.item.tooltip = tooltip;
    this.item.backgroundColor = shown.s.severity === 'ok' ? undefined
      : new vscode.ThemeColor(shown.s.severity === 'error' ? 'statusBarItem.errorBackground' : 'statusBarItem.warningBackground');
    this.item.show();
  }

  dispose(): void {
    for (const s of this.subscriptions) s.dispose();
    this.item.dispose();
  }
}
