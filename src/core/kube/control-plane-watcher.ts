// Keeps a live ControlPlaneSnapshot for one kube context by watching (never polling) nodes, etcd static pods
// and k0s EtcdMembers. Snapshots go to a callback, coalesced so a burst of events yields one snapshot.
import { ApiserverReadiness, apiserverPort, probeApiservers } from './apiserver-readiness';
import { Backoff } from './backoff';
import { DEFAULT_REQUEST_TIMEOUT_MS, ETCD_POD_SELECTOR, KubeSession, KubeTarget, PATHS } from './client';
import { KubeError } from './errors';
import { ControlPlaneNode, EtcdMemberRef, EtcdPod, K0sEtcdMember } from './model';
import { isEtcdPod, toControlPlaneNode, toEtcdPod, toK0sEtcdMember } from './objects';
import { ResourceWatch } from './resource-watch';
import { buildSnapshot, ControlPlaneSnapshot } from './snapshot';

export interface ControlPlaneWatcherOptions extends KubeTarget {
  onSnapshot(snapshot: ControlPlaneSnapshot): void;
  onError?(err: KubeError): void;
  /** The current etcd member list, if the caller tracks it: enables member <-> node findings. */
  etcdMembers?(): EtcdMemberRef[];
  requestTimeoutMs?: number;
  /** Each watch asks the server to end the stream after this long (then it is reopened). Default 60. */
  watchWindowSeconds?: number;
  /** Silence tolerated past the window before the stream is considered dead. Default 15 s. */
  idleGraceMs?: number;
  backoff?: { initialMs?: number; maxMs?: number };
  /** Events closer together than this yield one snapshot. Default 50 ms. */
  coalesceMs?: number;
  /** How often to ask again for the EtcdMember CRD where it is absent. Default 5 min. */
  absentRecheckMs?: number;
  /** Ask each control-plane node's kube-apiserver for /readyz this often (0: never). Default 0. */
  apiserverProbeMs?: number;
  /** The port the nodes' API servers listen on; default the kubeconfig server's. */
  apiserverPort?: number;
}

export class ControlPlaneWatcher {
  private session: KubeSession | undefined;
  private nodes: ResourceWatch<ControlPlaneNode> | undefined;
  private pods: ResourceWatch<EtcdPod> | undefined;
  private k0s: ResourceWatch<K0sEtcdMember> | undefined;
  private emitTimer: NodeJS.Timeout | undefined;
  private disposed = false;
  private firstSnapshot: (() => void) | undefined;
  private last: ControlPlaneSnapshot | undefined;
  private apiservers: ApiserverReadiness[] = [];
  private probeTimer: NodeJS.Timeout | undefined;
  private probing = false;

  constructor(private readonly o: ControlPlaneWatcherOptions) {}

  get snapshot(): ControlPlaneSnapshot | undefined {
    return this.last;
  }

  /** Watch statistics per resource (lists, watches, expiries, errors). */
  get stats(): Record<string, ResourceWatch<unknown>['stats']> {
    return { nodes: this.nodes!.stats, etcdPods: this.pods!.stats, k0sEtcdMembers: this.k0s!.stats };
  }

  /**
   * Opens the context and starts watching. Resolves once the first snapshot was emitted (the first list of
   * each resource is time-bounded, so this is too). Rejects with KubeError only for kubeconfig problems,
   * which no retry can fix; network and API errors are reported through onError and the snapshot state.
   */
  async start(): Promise<void> {
    const timeout = this.o.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
    this.session = await KubeSession.open(this.o, timeout);
    if (this.disposed) return;
    const session = this.session;
    const common = {
      session,
      watchWindowSeconds: this.o.watchWindowSeconds ?? 60,
      idleGraceMs: this.o.idleGraceMs ?? 15_000,
      absentRecheckMs: this.o.absentRecheckMs ?? 300_000,
      onChange: () => this.scheduleEmit(),
      onError: (err: KubeError) => this.reportError(err),
    };
    const backoff = () => new Backoff(this.o.backoff?.initialMs ?? 250, this.o.backoff?.maxMs ?? 30_000);
    this.nodes = new ResourceWatch({
      ...common, label: 'nodes', path: PATHS.nodes, backoff: backoff(),
      list: () => session.listNodes(), convert: toControlPlaneNode,
    });
    this.pods = new ResourceWatch({
      ...common, label: 'etcd pods', path: PATHS.kubeSystemPods, query: { labelSelector: ETCD_POD_SELECTOR }, backoff: backoff(),
      list: () => session.listEtcdPods(), convert: (raw) => (isEtcdPod(raw) ? toEtcdPod(raw) : null),
    });
    this.k0s = new ResourceWatch({
      ...common, label: 'k0s EtcdMembers', path: PATHS.k0sEtcdMembers, optional: true, backoff: backoff(),
      list: () => session.listK0sEtcdMembers(), convert: toK0sEtcdMember,
    });
    const first = new Promise<void>((resolve) => { this.firstSnapshot = resolve; });
    for (const w of [this.nodes, this.pods, this.k0s]) w.start();
    await first;
    if (this.o.apiserverProbeMs && !this.disposed) {
      void this.probe();
      this.probeTimer = setInterval(() => void this.probe(), this.o.apiserverProbeMs);
      this.probeTimer.unref();
    }
  }

  /** One round of readiness probes; each is bounded by the request time limit, and rounds never overlap. */
  private async probe(): Promise<void> {
    if (this.probing || this.disposed || !this.session) return;
    this.probing = true;
    try {
      const port = this.o.apiserverPort ?? apiserverPort(this.session.server);
      this.apiservers = await probeApiservers(this.session, [...this.nodes!.items.values()], port);
      this.scheduleEmit();
    } finally {
      this.probing = false;
    }
  }

  /** Emits a fresh snapshot now (e.g. after the etcd member list changed). */
  refresh(): void {
    this.scheduleEmit(0);
  }

  dispose(): void {
    this.disposed = true;
    clearTimeout(this.emitTimer);
    clearInterval(this.probeTimer);
    for (const w of [this.nodes, this.pods, this.k0s]) w?.dispose();
    this.firstSnapshot?.();
  }

  private reportError(err: KubeError): void {
    try {
      this.o.onError?.(err);
    } catch {
      // A consumer's error handler failing must not break the watch loop (nor become an unhandled rejection).
    }
  }

  private scheduleEmit(delay = this.o.coalesceMs ?? 50): void {
    if (this.disposed || this.emitTimer) return;
    this.emitTimer = setTimeout(() => { this.emitTimer = undefined; this.emit(); }, delay);
  }

  private emit(): void {
    const [nodes, pods, k0s, session] = [this.nodes!, this.pods!, this.k0s!, this.session!];
    if (this.disposed || !nodes.synced || !pods.synced || !k0s.synced) return;
    // This runs on a timer, where a throw would end the process: a failing consumer must not stop the watch.
    try {
      const problems = [pods.problem, k0s.problem].filter((p): p is KubeError => p !== undefined).map((p) => p.message);
      this.last = buildSnapshot({
        context: session.context,
        server: session.server,
        nodes: [...nodes.items.values()],
        etcdPods: [...pods.items.values()],
        apiservers: this.apiservers.filter((a) => nodes.items.has(a.node)),
        k0sMembers: k0s.absent ? null : [...k0s.items.values()],
        problems,
        state: nodes.problem ? 'reconnecting' : 'live',
        error: nodes.problem?.message,
      }, this.o.etcdMembers?.() ?? []);
      this.o.onSnapshot(this.last);
    } catch (err) {
      this.reportError(new KubeError('api', `snapshot handler failed: ${(err as Error).message}`));
    } finally {
      this.firstSnapshot?.();
      this.firstSnapshot = undefined;
    }
  }
}
