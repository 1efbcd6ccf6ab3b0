// Health while the operator looks elsewhere: "etcdOps.focus" (the status bar's click, the notifications'
// "Show Cluster"), Pause/Resume Refresh in the view's title, the view's badge with the number of unhealthy
// members, and the health notifications.
import * as vscode from 'vscode';
import { unhealthyMemberCount } from '../../core/health-changes';
import { App } from '../app';
import { HealthNotifier } from '../health-notifier';
import { RefreshScheduler } from '../refresh-scheduler';
import { clusterNode } from '../tree/rows';

export function registerHealthView(app: App, scheduler: RefreshScheduler): void {
  const { registry, treeView } = app;

  /** Shows the view, with the given cluster's row selected when there is one. */
  const focus = async (key?: unknown) => {
    await vscode.commands.executeCommand('etcdOps.clusters.focus');
    const entry = typeof key === 'string' ? registry.get(key) : undefined;
    if (!entry) return;
    // A view that was just opened has not drawn its rows yet ("Data tree node not found"): a few short retries.
    for (let attempt = 1; ; attempt++) {
      try {
        await treeView.reveal(clusterNode(entry), { select: true, focus: true, expand: true });
        return;
      } catch (err) {
        if (attempt === 10) { app.log.warn(`could not select ${entry.label} in the view: ${(err as Error).message}`); return; }
        await new Promise((r) => setTimeout(r, 200));
      }
    }
  };

  const setPaused = (paused: boolean) => {
    scheduler.setPaused(paused);
    void vscode.commands.executeCommand('setContext', 'etcdOps.refreshPaused', paused);
    app.log.info(paused ? 'automatic refresh paused' : 'automatic refresh resumed');
  };

  const renderBadge = () => {
    const n = unhealthyMemberCount(registry.list().map((e) => e.health));
    treeView.badge = n ? { value: n, tooltip: `${n} unhealthy etcd member${n === 1 ? '' : 's'}` } : undefined;
  };

  app.context.subscriptions.push(
    new HealthNotifier(registry, app.log, (key) => focus(key)),
    registry.onDidChange(() => { renderBadge(); scheduler.start(); }),
    vscode.commands.registerCommand('etcdOps.focus', focus),
    vscode.commands.registerCommand('etcdOps.pauseRefresh', () => setPaused(true)),
    vscode.commands.registerCommand('etcdOps.resumeRefresh', () => setPaused(false)),
  );
  void vscode.commands.executeCommand('setContext', 'etcdOps.refreshPaused', false);
  renderBadge();
}
