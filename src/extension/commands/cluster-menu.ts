// Cluster and "etcd members" row menus: refresh this cluster, copy its etcdctl environment, open a terminal
// with it set. The environment itself is built in src/core/etcd/etcdctl-env.ts.
import * as vscode from 'vscode';
import { etcdctlEnvironment, shellExports } from '../../core/etcd/etcdctl-env';
import { App } from '../app';
import type { ClusterEntry } from '../cluster-registry';

/** The cluster a row command ran on (our tree's node, or the Cluster Explorer's wrapper around it), else a pick. */
async function clusterOf(app: App, target: unknown): Promise<ClusterEntry | undefined> {
  const isRow = (x: unknown): x is { kind: string; entry: ClusterEntry } =>
    typeof x === 'object' && x !== null && 'entry' in x && ((x as { kind?: unknown }).kind === 'cluster' || (x as { kind?: unknown }).kind === 'members');
  const row = isRow(target) ? target : typeof target === 'object' && target !== null ? Object.values(target).find(isRow) : undefined;
  if (row) return app.registry.get(row.entry.key) ?? row.entry;
  const entries = app.registry.list().filter((e) => e.port);
  if (entries.length <= 1) return entries[0];
  const picked = await vscode.window.showQuickPick(entries.map((e) => ({ label: e.label, entry: e })), { title: 'Which cluster?' });
  return picked?.entry;
}

function profileOf(entry: ClusterEntry | undefined): ClusterEntry['profile'] {
  if (!entry) return null;
  if (!entry.profile) void vscode.window.showWarningMessage(`${entry.label} has no etcd endpoints to give etcdctl${entry.simulated ? ' (it is the simulated cluster)' : ''}.`);
  return entry.profile;
}

export function registerClusterMenuCommands(app: App): void {
  app.context.subscriptions.push(
    vscode.commands.registerCommand('etcdOps.refreshCluster', async (target?: unknown) => {
      const entry = await clusterOf(app, target);
      if (entry) await app.registry.refresh(entry);
    }),
    vscode.commands.registerCommand('etcdOps.copyEtcdctlEnv', async (target?: unknown) => {
      const profile = profileOf(await clusterOf(app, target));
      if (!profile) return;
      await vscode.env.clipboard.writeText(shellExports(etcdctlEnvironment(profile)));
      void vscode.window.showInformationMessage(`etcdctl environment for ${profile.name} copied (${profile.endpoints.length} endpoints).`);
    }),
    vscode.commands.registerCommand('etcdOps.openEtcdctlTerminal', async (target?: unknown) => {
      const profile = profileOf(await clusterOf(app, target));
      if (!profile) return;
      const terminal = vscode.window.createTerminal({ name: `etcdctl · ${profile.name}`, env: etcdctlEnvironment(profile) });
      terminal.show();
    }),
  );
}
