// The performance feature: the background sampler and the "Member Performance" command (from the palette, or
// a cluster row's context menu).
import * as vscode from 'vscode';
import { App } from '../app';
import type { TreeNode } from '../tree/cluster-tree';
import { PerformancePanel } from './performance-panel';
import { PerformanceSamplerService } from './sampler-service';

export function registerPerformance(app: App): PerformanceSamplerService {
  const service = new PerformanceSamplerService(app.registry, app.log);
  app.context.subscriptions.push(service, vscode.commands.registerCommand('etcdOps.openPerformance', async (node?: TreeNode) => {
    let key = node && 'entry' in node ? node.entry.key : undefined;
    const sampled = service.keys().map((k) => app.registry.get(k)!).filter(Boolean);
    if (!key) {
      if (!sampled.length) {
        void vscode.window.showInformationMessage('Member Performance needs a configured etcd cluster (etcd Ops: Connect…); the simulated cluster has no metrics.');
        return;
      }
      key = sampled.length === 1 ? sampled[0].key
        : (await vscode.window.showQuickPick(sampled.map((e) => ({ label: e.label, key: e.key })), { placeHolder: 'Which cluster?' }))?.key;
      if (!key) return;
    }
    const entry = app.registry.get(key);
    if (!entry || !service.history(key)) {
      void vscode.window.showInformationMessage(`${entry?.label ?? 'This cluster'} is not sampled: only configured real clusters have metrics.`);
      return;
    }
    PerformancePanel.show(app.context.extensionUri, service, key, entry.label);
  }));
  return service;
}
