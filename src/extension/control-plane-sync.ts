// Watches the control plane of each kube context and hangs it under the cluster it belongs to: the etcd
// profile naming that context, the only etcd profile when there is one context, or an entry of its own.
// The Kubernetes client loads only here, after activation, and only when a context exists.
import * as vscode from 'vscode';
import { readinessSummary } from '../core/kube/apiserver-readiness';
import { correlate } from '../core/kube/correlate';
import { KubeContextInfo, listKubeContexts } from '../core/kube/kubeconfig';
import type { ControlPlaneWatcher } from '../core/kube/control-plane-watcher';
import type { ControlPlaneSnapshot } from '../core/kube/snapshot';
import { ClusterEntry, ClusterRegistry, ControlPlaneView } from './cluster-registry';
import { loadKube } from './kube-loader';
import { Settings } from './settings';

export function controlPlaneView(snapshot: ControlPlaneSnapshot, entry: ClusterEntry): ControlPlaneView {
  const members = (entry.health?.members ?? []).filter((m) => m.id).map((m) => ({ id: m.id!, name: m.name, peerURLs: m.peerURLs, clientURLs: m.clientURLs }));
  const links = correlate(snapshot.nodes, members, snapshot.k0sMembers ?? [], snapshot.etcdPods).links;
  return {
    context: snapshot.context,
    error: snapshot.state === 'reconnecting' ? `reconnecting: ${snapshot.error ?? 'watch interrupted'}` : null,
    nodes: snapshot.nodes.map((n) => {
      const link = links.find((l) => l.node === n.name);
      const notes: string[] = [];
      if (link?.k0sMember) notes.push(`k0s EtcdMember ${link.k0sMember.name}: Joined=${link.k0sMember.joined}${link.k0sMember.leave ? ', spec.leave=true' : ''}`);
      if (link?.pod) notes.push(`static pod ${link.pod}`);
      if (link?.via.length) notes.push(`linked by ${link.via.join(', ')}`);
      // A ready API server is a note (tooltip); one that is not is a problem (row description, yellow icon).
      const apiserver = snapshot.apiservers.find((a) => a.node === n.name);
      const apiserverProblem = apiserver && apiserver.ready !== true ? readinessSummary(apiserver) : undefined;
      if (apiserver && !apiserverProblem) notes.push(readinessSummary(apiserver));
      if (apiserver?.error) notes.push(`apiserver: ${apiserver.error}`);
      return {
        name: n.name, roles: n.roles, ready: n.ready === 'Unknown' ? null : n.ready === 'True',
        problems: [...n.pressures.map((p) => p.type), ...(n.unschedulable ? ['cordoned'] : []), ...(apiserverProblem ? [apiserverProblem] : [])],
        kubeletVersion: n.kubeletVersion ?? '', addresses: n.addresses.map((a) => a.address),
        memberId: link?.memberId ?? null, notes,
      };
    }),
  };
}

export class ControlPlaneSync implements vscode.Disposable {
  private readonly watchers = new Map<string, { watcher: ControlPlaneWatcher; entryKey: string; snapshot?: ControlPlaneSnapshot }>();
  private readonly subscription: vscode.Disposable;

  constructor(private readonly registry: ClusterRegistry, private readonly log: vscode.LogOutputChannel) {
    // Re-link nodes to members whenever etcd health changes.
    this.subscription = registry.onDidChange((entry) => {
      if (!entry) return;
      for (const w of this.watchers.values()) if (w.entryKey === entry.key && w.snapshot && entry.controlPlane) {
        const view = controlPlaneView(w.snapshot, entry);
        if (JSON.stringify(view) !== JSON.stringify(entry.controlPlane)) registry.setControlPlane(entry.key, view);
      }
    });
  }

  apply(settings: Settings): void {
    let contexts: KubeContextInfo[] = [];
    try {
      contexts = listKubeContexts({ path: settings.kubeconfig });
    } catch (err) {
      // No kubeconfig is normal; a broken one is worth a line in the log, not a pop-up.
      if (settings.kubeconfig) this.log.warn(`kubeconfig: ${(err as Error).message}`);
    }
    const wanted = contexts.filter((c) => !c.problem && (!settings.kubeContexts.length || settings.kubeContexts.includes(c.name)));
    for (const [name, w] of this.watchers) {
      if (!wanted.some((c) => c.name === name)) { w.watcher.dispose(); this.watchers.delete(name); this.registry.setControlPlane(w.entryKey, null); }
    }
    for (const ctx of wanted) {
      if (this.watchers.has(ctx.name)) continue;
      const entry = this.entryFor(ctx.name, settings, wanted.length);
      void this.start(ctx, entry.key, settings);
    }
  }

  private entryFor(context: string, settings: Settings, contextCount: number): ClusterEntry {
    const profiles = settings.profiles;
    const named = profiles.find((p) => p.kubeContext === context);
    const only = contextCount === 1 && profiles.length === 1 ? profiles[0] : undefined;
    const profile = named ?? only;
    const entry = profile ? this.registry.get(`etcd:${profile.name}`) : undefined;
    return entry ?? this.registry.ensureKubeOnly(`kube:${context}`, context);
  }

  private async start(ctx: KubeContextInfo, entryKey: string, settings: Settings): Promise<void> {
    const { ControlPlaneWatcher } = loadKube();
    const slot: { watcher: ControlPlaneWatcher; entryKey: string; snapshot?: ControlPlaneSnapshot } = {
      entryKey,
      watcher: new ControlPlaneWatcher({
        kubeconfig: { path: settings.kubeconfig }, context: ctx.name,
        // Each node's own API server, asked directly: the Node conditions alone miss an API server without etcd.
        apiserverProbeMs: 30_000,
        etcdMembers: () => (this.registry.get(entryKey)?.health?.members ?? []).filter((m) => m.id).map((m) => ({ id: m.id!, name: m.name, peerURLs: m.peerURLs, clientURLs: m.clientURLs })),
        onSnapshot: (s) => {
          slot.snapshot = s;
          const entry = this.registry.get(entryKey);
          if (entry) this.registry.setControlPlane(entryKey, controlPlaneView(s, entry));
        },
        onError: (err) => this.log.warn(`kube context ${ctx.name}: ${err.message}`),
      }),
    };
    this.watchers.set(ctx.name, slot);
    try {
      await slot.watcher.start();
    } catch (err) {
      this.registry.setControlPlane(entryKey, { context: ctx.name, nodes: [], error: (err as Error).message });
    }
  }

  dispose(): void {
    this.subscription.dispose();
    for (const w of this.watchers.values()) w.watcher.dispose();
    this.watchers.clear();
  }
}
