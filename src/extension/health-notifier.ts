// Tells the operator about a change that matters while they look elsewhere: one notification per cluster per
// refresh that raised problems (health-changes.ts decides what changed), one when some or all cleared. Each offers
// "Show Cluster", "Show Diagnostics" and "Mute for 1 h" (that cluster only; changes are still tracked, so
// unmuting does not replay them). Names and errors come from the network: notifications are plain text.
import * as vscode from 'vscode';
import { healthChange, HealthCondition } from '../core/health-changes';
import { ClusterEntry, ClusterRegistry } from './cluster-registry';

export const SHOW_CLUSTER = 'Show Cluster';
export const SHOW_DIAGNOSTICS = 'Show Diagnostics';
export const MUTE = 'Mute for 1 h';
const MUTE_MS = 60 * 60 * 1000;

export class HealthNotifier implements vscode.Disposable {
  private readonly state = new Map<string, HealthCondition[]>();
  private readonly mutedUntil = new Map<string, number>();
  private readonly subscription: vscode.Disposable;

  constructor(
    private readonly registry: ClusterRegistry,
    private readonly log: vscode.LogOutputChannel,
    private readonly showCluster: (key: string) => Promise<void>,
  ) {
    this.subscription = registry.onDidChange((entry) => {
      if (entry) this.observe(entry);
      else for (const key of this.state.keys()) if (!registry.get(key)) this.state.delete(key);
    });
  }

  private observe(entry: ClusterEntry): void {
    // A simulated cluster is a demo: its "outages" are the ones the user staged.
    if (entry.simulated || !entry.port || entry.refreshing) return;
    const change = healthChange(this.state.get(entry.key) ?? null, entry.error ? null : entry.health);
    this.state.set(entry.key, change.current);
    if (!change.raised.length && !change.cleared.length) return;
    const words = (cs: HealthCondition[]) => cs.map((c) => c.text).join('; ');
    if (change.raised.length) this.log.warn(`${entry.label}: ${words(change.raised)}`);
    if (change.cleared.length) this.log.info(`${entry.label}: cleared: ${words(change.cleared)}`);
    if ((this.mutedUntil.get(entry.key) ?? 0) > Date.now()) return;
    if (!vscode.workspace.getConfiguration('etcdOps').get<boolean>('notifications.healthChanges', true)) return;
    if (change.raised.length) {
      const error = change.raised.some((c) => c.severity === 'error');
      const show = error ? vscode.window.showErrorMessage : vscode.window.showWarningMessage;
      void show(`etcd ${entry.label}: ${words(change.raised)}`, SHOW_CLUSTER, SHOW_DIAGNOSTICS, MUTE).then((a) => this.act(entry.key, a));
    } else {
      const rest = change.current.length ? `; still: ${words(change.current)}` : '';
      void vscode.window.showInformationMessage(`etcd ${entry.label}: ${change.current.length ? 'partly ' : ''}recovered: ${words(change.cleared)} cleared${rest}`, SHOW_CLUSTER)
        .then((a) => this.act(entry.key, a));
    }
  }

  private async act(key: string, action: string | undefined): Promise<void> {
    if (action === SHOW_CLUSTER) await this.showCluster(key);
    else if (action === SHOW_DIAGNOSTICS) await vscode.commands.executeCommand('etcdOps.showDiagnostics');
    else if (action === MUTE) {
      this.mutedUntil.set(key, Date.now() + MUTE_MS);
      this.log.info(`${this.registry.get(key)?.label ?? key}: health notifications muted for 1 h`);
    }
  }

  dispose(): void {
    this.subscription.dispose();
  }
}
