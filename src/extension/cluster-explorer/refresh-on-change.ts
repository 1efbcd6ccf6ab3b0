// When to redraw the Cluster Explorer. Its refresh re-lists every expanded folder through kubectl, so it is
// asked for only when what the etcd folders show in substance changed (leader, health, roles, alarms, errors),
// not for every new latency or index, and at most once per debounce window.
// Types only from vscode and the registry: the signature is checked against a real etcd outside VS Code.
import type * as vscode from 'vscode';
import { memberRole } from '../../core/cluster-model';
import type { ClusterEntry, ClusterRegistry } from '../cluster-registry';

/** What an etcd folder shows of a cluster, less the figures that change on every refresh. */
export function explorerSignature(entries: ClusterEntry[]): string {
  return JSON.stringify(entries.map((e) => [
    e.key, e.label, e.error, e.controlPlane?.context, e.profile?.kubeContext, e.health?.quorum,
    e.health?.members.map((m) => [m.id, m.name, memberRole(m), m.healthy, m.alarms]),
    e.health?.findings.map((f) => [f.code, f.subject, f.severity]),
  ]));
}

export class RefreshOnChange implements vscode.Disposable {
  private last: string;
  private timer: NodeJS.Timeout | undefined;
  private readonly subscription: vscode.Disposable;

  constructor(registry: Pick<ClusterRegistry, 'list' | 'onDidChange'>, refresh: () => void, debounceMs = 500) {
    this.last = explorerSignature(registry.list());
    this.subscription = registry.onDidChange(() => {
      const now = explorerSignature(registry.list());
      if (now === this.last) return;
      this.last = now;
      if (this.timer) clearTimeout(this.timer);
      this.timer = setTimeout(() => { this.timer = undefined; refresh(); }, debounceMs);
    });
  }

  dispose(): void {
    if (this.timer) clearTimeout(this.timer);
    this.subscription.dispose();
  }
}
