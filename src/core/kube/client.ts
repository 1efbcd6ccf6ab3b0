// One kube context, reached through @kubernetes/client-node. The library is imported on first use only (it
// costs ~130 ms; extension activation must not pay for it). Every request carries a time limit: list calls an
// abort signal, watches a connect timeout (the stream itself is bounded by the watcher's idle guard).
import * as fs from 'node:fs';
import * as https from 'node:https';
import type * as K8s from '@kubernetes/client-node';
import { KubeError, RequestScope, toKubeError } from './errors';
import { KubeconfigSource, loadKubeconfig, resolveContext } from './kubeconfig';

export const DEFAULT_REQUEST_TIMEOUT_MS = 5000;

export interface KubeTarget {
  kubeconfig?: KubeconfigSource;
  /** Context name; the kubeconfig's current-context when absent. */
  context?: string;
}

export interface ListResult {
  items: unknown[];
  resourceVersion?: string;
}

export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';

export interface WatchHandle {
  /** Settles when the stream ends: null for a clean close by the server, else the error. Never rejects. */
  done: Promise<unknown>;
  abort(): void;
}

export interface WatchCallbacks {
  onEvent(type: WatchEventType, object: unknown): void;
  /** The server answered 200 and the stream is open. */
  onConnected?(): void;
}

export const K0S_ETCD_MEMBERS = { group: 'etcd.k0sproject.io', version: 'v1beta1', plural: 'etcdmembers' } as const;
export const PATHS = {
  nodes: '/api/v1/nodes',
  kubeSystemPods: '/api/v1/namespaces/kube-system/pods',
  k0sEtcdMembers: `/apis/${K0S_ETCD_MEMBERS.group}/${K0S_ETCD_MEMBERS.version}/${K0S_ETCD_MEMBERS.plural}`,
} as const;
export const ETCD_POD_SELECTOR = 'component=etcd';

/** The generated API's per-call middleware (observable-based; the top-level `Middleware` export is the promise kind). */
type ObservableMiddleware = NonNullable<K8s.ConfigurationOptions['middleware']>[number];

let clientNode: Promise<typeof K8s> | undefined;
/** The client library, imported once, on first use. */
export function loadClientNode(): Promise<typeof K8s> {
  clientNode ??= import('@kubernetes/client-node');
  return clientNode;
}

const FILE_KEYS: [string, string][] = [
  ['cluster', 'certificate-authority'], ['user', 'client-certificate'], ['user', 'client-key'], ['user', 'tokenFile'],
];

/** Files the context names must exist: a missing CA file is a kubeconfig problem, not a network one. */
function checkReferencedFiles(config: Record<string, unknown>, context: string): void {
  const cluster = (config.clusters as { cluster: Record<string, unknown> }[])[0].cluster;
  const user = (config.users as { user: Record<string, unknown> }[])[0].user;
  for (const [where, key] of FILE_KEYS) {
    const file = (where === 'cluster' ? cluster : user)[key];
    if (typeof file === 'string' && file && !fs.existsSync(file)) {
      throw new KubeError('context-invalid', `context "${context}" names ${key} ${file}, which does not exist`);
    }
  }
}

export class KubeSession {
  private constructor(
    private readonly k8s: typeof K8s,
    private readonly kc: K8s.KubeConfig,
    readonly context: string,
    readonly server: string,
    readonly requestTimeoutMs: number,
  ) {}

  /** Reads the kubeconfig, checks the context, loads the library. Throws KubeError only. */
  static async open(target: KubeTarget = {}, requestTimeoutMs = DEFAULT_REQUEST_TIMEOUT_MS): Promise<KubeSession> {
    const resolved = resolveContext(loadKubeconfig(target.kubeconfig), target.context);
    checkReferencedFiles(resolved.config, resolved.name);
    const k8s = await loadClientNode();
    const kc = new k8s.KubeConfig();
    try {
      kc.loadFromString(JSON.stringify(resolved.config));
    } catch (err) {
      throw new KubeError('context-invalid', `context "${resolved.name}" cannot be used: ${(err as Error).message.split('\n')[0]}`);
    }
    return new KubeSession(k8s, kc, resolved.name, resolved.server, requestTimeoutMs);
  }

  scope(what?: string): RequestScope {
    return { context: this.context, server: this.server, what, timeoutMs: this.requestTimeoutMs };
  }

  /** Per-call options that abort the request (connect, headers and body) after the time limit. */
  private bounded(): K8s.ConfigurationOptions {
    const ms = this.requestTimeoutMs;
    const { Observable } = this.k8s;
    const middleware: ObservableMiddleware = {
      pre: (ctx) => { ctx.setSignal(AbortSignal.timeout(ms)); return new Observable(Promise.resolve(ctx)); },
      post: (res) => new Observable(Promise.resolve(res)),
    };
    return { middleware: [middleware], middlewareMergeStrategy: 'append' };
  }

  private async call<T>(what: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      throw toKubeError(err, this.scope(what));
    }
  }

  async version(): Promise<{ gitVersion: string; platform?: string }> {
    const api = this.kc.makeApiClient(this.k8s.VersionApi);
    const v = await this.call('reading the server version', () => api.getCode({}, this.bounded()));
    return { gitVersion: v.gitVersion, platform: v.platform };
  }

  async listNodes(): Promise<ListResult> {
    const api = this.kc.makeApiClient(this.k8s.CoreV1Api);
    const list = await this.call('listing nodes', () => api.listNode({}, this.bounded()));
    return { items: list.items, resourceVersion: list.metadata?.resourceVersion };
  }

  async listEtcdPods(): Promise<ListResult> {
    const api = this.kc.makeApiClient(this.k8s.CoreV1Api);
    const list = await this.call('listing etcd pods in kube-system',
      () => api.listNamespacedPod({ namespace: 'kube-system', labelSelector: ETCD_POD_SELECTOR }, this.bounded()));
    return { items: list.items, resourceVersion: list.metadata?.resourceVersion };
  }

  /** k0s EtcdMember resources; throws KubeError kind not-found where the CRD does not exist (not k0s). */
  async listK0sEtcdMembers(): Promise<ListResult> {
    const api = this.kc.makeApiClient(this.k8s.CustomObjectsApi);
    const list = await this.call('listing k0s EtcdMembers',
      () => api.listClusterCustomObject({ ...K0S_ETCD_MEMBERS }, this.bounded())) as { items?: unknown[]; metadata?: { resourceVersion?: string } };
    return { items: Array.isArray(list?.items) ? list.items : [], resourceVersion: list?.metadata?.resourceVersion };
  }

  /**
   * GET of any URL with this context's CA and credentials (another node's API server, same cluster), bounded
   * by the request time limit; answers of any status resolve, with at most 64 kB of body.
   */
  async getRaw(url: string): Promise<{ status: number; body: string }> {
    const opts: https.RequestOptions = {};
    await this.kc.applyToHTTPSOptions(opts);
    const ms = this.requestTimeoutMs;
    return new Promise((resolve, reject) => {
      const req = https.get(url, { ...opts, signal: AbortSignal.timeout(ms) }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => { if (body.length < 65536) body += chunk; });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
        res.on('error', reject);
      });
      req.on('error', (err) => reject(toKubeError(err, { ...this.scope(`asking ${url}`), server: url })));
    });
  }

  /**
   * Opens a watch stream (client-node's Watch). Events go to onEvent; `done` settles when the stream ends.
   * client-node's Watch sets no connect timeout, so the fetch options it asks the config for get one here.
   */
  watch(path: string, query: Record<string, string | number | boolean | undefined>, callbacks: WatchCallbacks): WatchHandle {
    const kc = this.kc;
    const connectTimeoutMs = this.requestTimeoutMs;
    const config = {
      getCurrentCluster: () => kc.getCurrentCluster(),
      applyToFetchOptions: async (opts: object) => ({ ...(await kc.applyToFetchOptions(opts)), timeout: connectTimeoutMs }),
    } as unknown as K8s.KubeConfig;
    const watcher = new this.k8s.Watch(config);
    let controller: AbortController | undefined;
    let aborted = false;
    let ended = false;
    const done = new Promise<unknown>((resolve) => {
      const end = (err: unknown) => { ended = true; resolve(err); };
      watcher.watch(path, query, (type, object) => callbacks.onEvent(type as WatchEventType, object), (err) => end(err ?? null))
        .then((c) => {
          controller = c;
          if (aborted) c.abort();
          else if (!ended) callbacks.onConnected?.();
        }, (err) => end(err ?? new Error('watch failed')));
    });
    return {
      done,
      abort: () => { aborted = true; controller?.abort(); },
    };
  }
}
