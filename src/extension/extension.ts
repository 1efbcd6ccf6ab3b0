// Wiring only: build the registry, the tree, the status bar, and register each feature's commands.
// Nothing here loads gRPC or the Kubernetes client: those load on first use, so activation stays fast.
import * as vscode from 'vscode';
import { App } from './app';
import { registerClusterExplorer } from './cluster-explorer/register';
import { ClusterRegistry } from './cluster-registry';
import { registerClusterMenuCommands } from './commands/cluster-menu';
import { registerConnectCommands } from './commands/connect';
import { registerMaintenanceCommands } from './commands/maintenance';
import { registerOperationCommands } from './commands/operations';
import { registerSnapshotCommands } from './commands/snapshot';
import { registerMembershipCommands } from './commands/membership';
import { ControlPlaneSync } from './control-plane-sync';
import { registerDetectCommand } from './commands/detect';
import { registerJoinCheckCommand } from './commands/join-check';
import { registerHealthView } from './commands/health-view';
import { registerDiagnostics } from './diagnostics/register';
import { registerPerformance } from './performance/register';
import { RefreshScheduler } from './refresh-scheduler';
import { askPassphrase, registerPassphraseCommands } from './passphrase-prompt';
import { Passphrases } from './passphrases';
import { readSettings, SECTION } from './settings';
import { registerSimulator } from './simulator/register';
import { HealthStatusBar } from './status-bar';
import { ClusterTreeProvider } from './tree/cluster-tree';

export function activate(context: vscode.ExtensionContext): App {
  const registry = new ClusterRegistry();
  const log = vscode.window.createOutputChannel('etcd Ops', { log: true });
  const tree = new ClusterTreeProvider(registry);
  const treeView = vscode.window.createTreeView('etcdOps.clusters', { treeDataProvider: tree, showCollapseAll: true });
  let settings = readSettings();
  const intervals = (s: typeof settings) => ({ visibleMs: s.refreshIntervalMs, hiddenMs: s.hiddenRefreshIntervalMs });
  const scheduler = new RefreshScheduler(registry, intervals(settings));
  const app: App = { context, registry, log, treeView, settings: () => settings };
  const controlPlane = new ControlPlaneSync(registry, log);
  const passphrases = new Passphrases(context.secrets, context.globalState, askPassphrase);

  // Activated at startup for background health (onStartupFinished). The cheap check: with no cluster, kube
  // context or kubeconfig configured, kube contexts are neither read nor watched until the user opens our view
  // or the Kubernetes extension is active: an installed extension never used must not reach any cluster.
  let kubeAwake = false;
  const kubeWanted = (s: typeof settings) => kubeAwake || treeView.visible || s.profiles.length > 0 || s.kubeContexts.length > 0 || !!s.kubeconfig;
  const applySettings = async () => {
    settings = readSettings();
    registry.setProfiles(await passphrases.fill(settings.profiles));
    // After activation returns: listing contexts reads files, watching loads the Kubernetes client.
    if (kubeWanted(settings)) { kubeAwake = true; setImmediate(() => controlPlane.apply(settings)); }
    scheduler.setIntervals(intervals(settings));
    void vscode.commands.executeCommand('setContext', 'etcdOps.configured', registry.list().length > 0);
    // Activation runs at startup: with a cluster configured, its health is in the status bar at once, view open or not.
    if (!scheduler.isPaused) void registry.refreshAll();
  };

  context.subscriptions.push(controlPlane, registry, log, tree, treeView, scheduler, new HealthStatusBar(registry, scheduler),
    treeView.onDidChangeVisibility((e) => { scheduler.setVisible(e.visible); if (e.visible && !kubeAwake) void applySettings(); }),
    vscode.workspace.onDidChangeConfiguration((e) => { if (e.affectsConfiguration(SECTION)) void applySettings(); }),
    // Trust lifts Restricted Mode: the workspace's own values of restricted settings now count.
    vscode.workspace.onDidGrantWorkspaceTrust(() => void applySettings()),
  );
  registerConnectCommands(app);
  registerClusterMenuCommands(app);
  registerPassphraseCommands(app, passphrases, applySettings);
  registerOperationCommands(app);
  registerMaintenanceCommands(app);
  registerSnapshotCommands(app);
  registerMembershipCommands(app);
  const problems = registerDiagnostics(app);
  registerDetectCommand(app, (source, findings) => problems.set(source, findings));
  registerJoinCheckCommand(app);
  registerSimulator(app);
  registerClusterExplorer(app, () => { if (!kubeAwake) { kubeAwake = true; void applySettings(); } });
  registerPerformance(app);
  registerHealthView(app, scheduler);
  void applySettings();
  scheduler.setVisible(treeView.visible);
  return app;
}

export function deactivate(): void {}
