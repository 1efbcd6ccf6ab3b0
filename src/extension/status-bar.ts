// The status bar item: the worst cluster's statusText (status-text.ts), a warning or error background.
import * as vscode from 'vscode';
import { ClusterRegistry } from './cluster-registry';
import { statusText } from './status-text';

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
