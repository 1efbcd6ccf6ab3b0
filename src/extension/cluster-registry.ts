// The clusters the extension shows: one entry per etcd profile (real or simulated), each with its latest
// health. The tree, the status bar and the commands all read from here; nothing else talks to etcd.
import * as vscode from 'vscode';
import { ClusterHealth } from '../core/cluster-model';
import { EtcdPort } from '../core/etcd/etcd-port';
import type { MetricsWindow } from '../core/metrics';
import { ConnectionProfile } from '../core/etcd/profile';
import { ClusterPort } from '../core/port';
import { profileKeys } from './cluster-keys';

/** Control-plane nodes of the kube context tied to a cluster, as the tree shows them. */
export interface ControlPlaneView {
  context: string;
  nodes: {
    name: string;
    roles: string[];
    ready: boolean | null;
    /** Problem conditions in words ("MemoryPressure", "NotReady since 12:03"). */
    problems: string[];
    kubeletVersion: string;
    addresses: string[];
    /** Linked etcd member (hex) when correlation found one. */
    memberId: string | null;
    /** Extra facts: k0s EtcdMember Joined/leave, static pod state. */
    notes: string[];
  }[];
  error: string | null;
}

export interface ClusterEntry {
  key: string;
  label: string;
  /** Null for a kube context with no etcd endpoints: only its control plane is shown. */
  port: ClusterPort | null;
  profile: ConnectionProfile | null;
  simulated: boolean;
  health: ClusterHealth | null;
  /** Why the last refresh failed as a whole (bad settings, unreadable TLS files); per-member errors live in health. */
  error: string | null;
  refreshing: boolean;
  /** When the last refresh finished (successful or not), ms since the epoch. */
  refreshedAt?: number;
  controlPlane: ControlPlaneView | null;
  /** The latest window of the background metrics sampler (performance/sampler-service.ts), when it has one. */
  performance?: MetricsWindow | null;
}

export class ClusterRegistry implements vscode.Disposable {
  private readonly entries = new Map<string, ClusterEntry>();
  private readonly changed = new vscode.EventEmitter<ClusterEntry | undefined>();
  readonly onDidChange = this.changed.event;

  list(): ClusterEntry[] {
    return [...this.entries.values()];
  }

  get(key: string): ClusterEntry | undefined {
    return this.entries.get(key);
  }

  /** Replaces the etcd profiles, keeping entries (and their pooled connections) whose profile is unchanged. */
  setProfiles(profiles: ConnectionProfile[]): void {
    const wanted = profileKeys(profiles);
    for (const [key, e] of this.entries) {
      const p = wanted.get(key)?.profile;
      if (e.profile && (!p || JSON.stringify(p) !== JSON.stringify(e.profile))) {
        void e.port?.close();
        this.entries.delete(key);
      }
    }
    for (const [key, { profile: p, label }] of wanted) {
      if (!this.entries.has(key)) {
        this.entries.set(key, { key, label, port: new EtcdPort(p), profile: p, simulated: false, health: null, error: null, refreshing: false, controlPlane: null });
      }
    }
    this.changed.fire(undefined);
  }

  /** Adds a cluster served by any ClusterPort (the simulator uses this). */
  attach(key: string, label: string, port: ClusterPort, simulated: boolean): ClusterEntry {
    this.detach(key);
    const entry: ClusterEntry = { key, label, port, profile: null, simulated, health: null, error: null, refreshing: false, controlPlane: null };
    this.entries.set(key, entry);
    this.changed.fire(undefined);
    return entry;
  }

  detach(key: string): void {
    const e = this.entries.get(key);
    if (!e) return;
    void e.port?.close();
    this.entries.delete(key);
    this.changed.fire(undefined);
  }

  /** A kube context that no etcd profile claims gets an entry of its own, with only a control plane. */
  ensureKubeOnly(key: string, label: string): ClusterEntry {
    let entry = this.entries.get(key);
    if (!entry) {
      entry = { key, label, port: null, profile: null, simulated: false, health: null, error: null, refreshing: false, controlPlane: null };
      this.entries.set(key, entry);
      this.changed.fire(undefined);
    }
    return entry;
  }

  /** The cluster tied to a kube context: the etcd profile naming it, else the entry its control plane hangs under. */
  forKubeContext(context: string): ClusterEntry | undefined {
    const entries = this.list();
    return entries.find((e) => e.profile?.kubeContext === context) ?? entries.find((e) => e.controlPlane?.context === context);
  }

  setControlPlane(key: string, view: ControlPlaneView | null): void {
    const entry = this.entries.get(key);
    if (!entry) return;
    entry.controlPlane = view;
    if (!view && !entry.port) this.detach(key);
    else this.changed.fire(entry);
  }

  /** A new metrics window for the tooltips and finding rows. */
  setPerformance(key: string, window: MetricsWindow | null): void {
    const entry = this.entries.get(key);
    if (!entry) return;
    entry.performance = window;
    this.changed.fire(entry);
  }

  async refresh(entry: ClusterEntry): Promise<void> {
    if (entry.refreshing || !entry.port) return;
    entry.refreshing = true;
    try {
      entry.health = await entry.port!.snapshot();
      entry.error = null;
    } catch (err) {
      entry.error = (err as Error).message ?? String(err);
    } finally {
      entry.refreshing = false;
      entry.refreshedAt = Date.now();
    }
    if (this.entries.get(entry.key) === entry) this.changed.fire(entry);
  }

  async refreshAll(): Promise<void> {
    await Promise.all(this.list().map((e) => this.refresh(e)));
  }

  dispose(): void {
    for (const e of this.entries.values()) void e.port?.close();
    this.entries.clear();
    this.changed.dispose();
  }
}
