// The one Kubernetes stand-in the project allows (no kube-apiserver can be installed here): a loopback HTTPS
// server that speaks the API paths the product uses, reached by the real @kubernetes/client-node through a real
// kubeconfig. It keeps objects with resourceVersions, serves list and watch (JSON lines, resuming from a
// resourceVersion, 410 Gone once history is compacted), checks a bearer token or a client certificate, and
// lets tests change objects while watches are open.
import * as fs from 'node:fs';
import * as https from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';
import type { TLSSocket } from 'node:tls';
import { makeTestPki, TestPki } from './certs';

export type StandInKind = 'nodes' | 'pods' | 'etcdmembers';
type Obj = Record<string, any>;

export interface KubeStandInOptions {
  /** Serve the k0s EtcdMember CRD (etcd.k0sproject.io/v1beta1). Default false (404, as on non-k0s clusters). */
  k0sCrd?: boolean;
  /** How an expired resourceVersion is answered: HTTP 410, or 200 + an ERROR event with code 410 (what kube-apiserver does). */
  expiredAs?: 'http-410' | 'error-event';
  gitVersion?: string;
  pki?: TestPki;
  /** Keep watch streams open past their timeoutSeconds, silent, like a half-open connection. Default false. */
  ignoreWatchTimeout?: boolean;
}

export interface KubeconfigOptions {
  context?: string;
  auth?: 'token' | 'cert';
  /** CA as inline data, as a file path, or a CA that did not sign the server (TLS failure). */
  ca?: 'data' | 'file' | 'foreign';
  /** Point the kubeconfig at another server URL (unreachable-server tests). */
  server?: string;
  token?: string;
}

interface StoredEvent {
  rv: number;
  kind: StandInKind;
  type: 'ADDED' | 'MODIFIED' | 'DELETED';
  object: Obj;
}

interface OpenWatch {
  kind: StandInKind;
  selector: (o: Obj) => boolean;
  res: ServerResponse;
  timer?: NodeJS.Timeout;
}

const LIST_KIND: Record<StandInKind, { kind: string; apiVersion: string }> = {
  nodes: { kind: 'NodeList', apiVersion: 'v1' },
  pods: { kind: 'PodList', apiVersion: 'v1' },
  etcdmembers: { kind: 'EtcdMemberList', apiVersion: 'etcd.k0sproject.io/v1beta1' },
};

const clone = <T>(o: T): T => JSON.parse(JSON.stringify(o)) as T;

/** Equality-based label selectors (`a=b,c!=d,e`), the subset kube-apiserver users write most. */
function labelSelector(expr: string | null): (o: Obj) => boolean {
  if (!expr) return () => true;
  const terms = expr.split(',').map((t) => t.trim()).filter(Boolean);
  return (o) => {
    const labels: Record<string, string> = o.metadata?.labels ?? {};
    return terms.every((t) => {
      const ne = t.split('!=');
      if (ne.length === 2) return labels[ne[0]] !== ne[1];
      const eq = t.split(/==?/);
      if (eq.length === 2) return labels[eq[0]] === eq[1];
      return t in labels;
    });
  };
}

function status(code: number, reason: string, message: string): Obj {
  return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, code };
}

export class KubeStandIn {
  readonly token = `standin-token-${process.pid}-${Date.now()}`;
  /** Every request, for tests that check what the client asked. */
  readonly requests: { path: string; query: Record<string, string>; auth: 'token' | 'cert' | 'none' }[] = [];
  private readonly objects: Record<StandInKind, Map<string, Obj>> = { nodes: new Map(), pods: new Map(), etcdmembers: new Map() };
  private readonly history: StoredEvent[] = [];
  private readonly watches = new Set<OpenWatch>();
  private rv = 100;
  private compactedRv = 0;
  private uid = 0;
  private pausedUntilRelease: (() => void)[] | null = null;

  private constructor(private readonly server: https.Server, readonly url: string, readonly pki: TestPki,
    readonly dir: string, private readonly opts: KubeStandInOptions) {}

  static async start(opts: KubeStandInOptions = {}): Promise<KubeStandIn> {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'etcd-ops-kube-'));
    const pki = opts.pki ?? makeTestPki(path.join(dir, 'pki'));
    const server = https.createServer({
      key: fs.readFileSync(pki.serverKey), cert: fs.readFileSync(pki.serverCert), ca: fs.readFileSync(pki.ca),
      requestCert: true, rejectUnauthorized: false,
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    const port = (server.address() as { port: number }).port;
    const standIn = new KubeStandIn(server, `https://127.0.0.1:${port}`, pki, dir, opts);
    server.on('request', (req, res) => standIn.handle(req, res));
    return standIn;
  }

  // ---- objects -------------------------------------------------------------------------------------------

  /** Adds or replaces an object (ADDED or MODIFIED for watchers). Returns the stored copy. */
  put(kind: StandInKind, object: Obj): Obj {
    const o = clone(object);
    const name: string = o.metadata.name;
    const existing = this.objects[kind].get(name);
    o.metadata.uid = existing?.metadata.uid ?? `uid-${++this.uid}`;
    o.metadata.creationTimestamp ??= existing?.metadata.creationTimestamp ?? new Date().toISOString();
    o.metadata.resourceVersion = String(++this.rv);
    this.objects[kind].set(name, o);
    this.record(kind, existing ? 'MODIFIED' : 'ADDED', o);
    return clone(o);
  }

  putAll(kind: StandInKind, objects: Obj[]): void {
    for (const o of objects) this.put(kind, o);
  }

  get(kind: StandInKind, name: string): Obj | undefined {
    const o = this.objects[kind].get(name);
    return o ? clone(o) : undefined;
  }

  /** Changes an object in place (MODIFIED for watchers). */
  update(kind: StandInKind, name: string, mutate: (o: Obj) => void): Obj {
    const o = this.get(kind, name);
    if (!o) throw new Error(`stand-in: no ${kind} ${name}`);
    mutate(o);
    return this.put(kind, o);
  }

  remove(kind: StandInKind, name: string): void {
    const o = this.objects[kind].get(name);
    if (!o) return;
    this.objects[kind].delete(name);
    const gone = clone(o);
    gone.metadata.resourceVersion = String(++this.rv);
    this.record(kind, 'DELETED', gone);
  }

  /** Sets one node condition the way the node lifecycle controller / kubelet do. */
  setNodeCondition(name: string, type: string, value: 'True' | 'False' | 'Unknown', reason = '', message = ''): Obj {
    return this.update('nodes', name, (n) => {
      const now = new Date().toISOString();
      const conditions: Obj[] = n.status.conditions ?? (n.status.conditions = []);
      const c = conditions.find((x) => x.type === type);
      if (c) {
        if (c.status !== value) c.lastTransitionTime = now;
        Object.assign(c, { status: value, reason, message, lastHeartbeatTime: now });
      } else {
        conditions.push({ type, status: value, reason, message, lastHeartbeatTime: now, lastTransitionTime: now });
      }
    });
  }

  /** Forgets the event history: a watch from any older resourceVersion now gets 410 Gone. */
  compact(): void {
    this.compactedRv = this.rv;
    this.history.length = 0;
  }

  /** Ends every open watch stream, as kube-apiserver does when a watch's timeout runs out or it restarts. */
  closeWatches(): void {
    for (const w of [...this.watches]) this.endWatch(w);
  }

  get openWatches(): number {
    return this.watches.size;
  }

  get resourceVersion(): string {
    return String(this.rv);
  }

  // ---- kubeconfig ----------------------------------------------------------------------------------------

  /** Writes a real kubeconfig for this server and returns its path. */
  writeKubeconfig(file: string, o: KubeconfigOptions = {}): string {
    const context = o.context ?? 'standin';
    const caFile = o.ca === 'foreign' ? this.pki.foreignCa : this.pki.ca;
    const cluster: Obj = { server: o.server ?? this.url };
    if (o.ca === 'file') cluster['certificate-authority'] = caFile;
    else cluster['certificate-authority-data'] = fs.readFileSync(caFile).toString('base64');
    const user: Obj = o.auth === 'cert'
      ? { 'client-certificate-data': fs.readFileSync(this.pki.clientCert).toString('base64'), 'client-key-data': fs.readFileSync(this.pki.clientKey).toString('base64') }
      : { token: o.token ?? this.token };
    const config = [
      'apiVersion: v1',
      'kind: Config',
      `current-context: ${context}`,
      'clusters:',
      `- name: ${context}-cluster`,
      '  cluster:',
      ...Object.entries(cluster).map(([k, v]) => `    ${k}: ${v}`),
      'users:',
      `- name: ${context}-user`,
      '  user:',
      ...Object.entries(user).map(([k, v]) => `    ${k}: ${v}`),
      'contexts:',
      `- name: ${context}`,
      '  context:',
      `    cluster: ${context}-cluster`,
      `    user: ${context}-user`,
      '',
    ].join('\n');
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, config, { mode: 0o600 });
    return file;
  }

  /** Holds every new request until release() (a server that accepted the connection but does not answer). */
  hold(): () => void {
    this.pausedUntilRelease = [];
    return () => {
      const waiting = this.pausedUntilRelease ?? [];
      this.pausedUntilRelease = null;
      for (const go of waiting) go();
    };
  }

  async stop(): Promise<void> {
    this.closeWatches();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
    fs.rmSync(this.dir, { recursive: true, force: true });
  }

  // ---- serving -------------------------------------------------------------------------------------------

  private record(kind: StandInKind, type: StoredEvent['type'], object: Obj): void {
    const ev: StoredEvent = { rv: this.rv, kind, type, object: clone(object) };
    this.history.push(ev);
    for (const w of this.watches) if (w.kind === kind && w.selector(object)) this.send(w.res, ev.type, ev.object);
  }

  private send(res: ServerResponse, type: string, object: Obj): void {
    res.write(`${JSON.stringify({ type, object })}\n`);
  }

  private endWatch(w: OpenWatch): void {
    clearTimeout(w.timer);
    this.watches.delete(w);
    w.res.end();
  }

  private json(res: ServerResponse, code: number, body: Obj): void {
    res.writeHead(code, { 'Content-Type': 'application/json' });
    res.end(JSON.stringify(body));
  }

  private authOf(req: IncomingMessage): 'token' | 'cert' | 'none' {
    if (req.headers.authorization === `Bearer ${this.token}`) return 'token';
    const socket = req.socket as TLSSocket;
    if (socket.authorized && socket.getPeerCertificate()?.subject) return 'cert';
    return 'none';
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    if (this.pausedUntilRelease) {
      // The client may give up while held; a request whose socket is gone is dropped on release.
      this.pausedUntilRelease.push(() => { if (!req.socket.destroyed) this.handle(req, res); });
      return;
    }
    const url = new URL(req.url ?? '/', this.url);
    const query = Object.fromEntries(url.searchParams);
    const auth = this.authOf(req);
    this.requests.push({ path: url.pathname, query, auth });
    if (auth === 'none') return this.json(res, 401, status(401, 'Unauthorized', 'Unauthorized'));
    if (req.method !== 'GET') return this.json(res, 405, status(405, 'MethodNotAllowed', 'the stand-in serves GET only'));
    if (url.pathname === '/version') {
      const gitVersion = this.opts.gitVersion ?? 'v1.30.5';
      const [, major, minor] = /^v(\d+)\.(\d+)/.exec(gitVersion) ?? [];
      return this.json(res, 200, { major, minor, gitVersion, gitCommit: '0'.repeat(40), gitTreeState: 'clean', buildDate: '2024-09-01T00:00:00Z', goVersion: 'go1.22.6', compiler: 'gc', platform: 'linux/amd64' });
    }
    const kind: StandInKind | undefined = url.pathname === '/api/v1/nodes' ? 'nodes'
      : url.pathname === '/api/v1/namespaces/kube-system/pods' ? 'pods'
        : url.pathname === '/apis/etcd.k0sproject.io/v1beta1/etcdmembers' && this.opts.k0sCrd ? 'etcdmembers'
          : undefined;
    if (!kind) return this.json(res, 404, status(404, 'NotFound', 'the server could not find the requested resource'));
    const selector = labelSelector(url.searchParams.get('labelSelector'));
    const watch = url.searchParams.get('watch');
    if (watch === 'true' || watch === '1') return this.serveWatch(kind, selector, url.searchParams, res);
    const items = [...this.objects[kind].values()].filter(selector).sort((a, b) => a.metadata.name.localeCompare(b.metadata.name));
    return this.json(res, 200, { ...LIST_KIND[kind], metadata: { resourceVersion: String(this.rv) }, items });
  }

  private serveWatch(kind: StandInKind, selector: (o: Obj) => boolean, params: URLSearchParams, res: ServerResponse): void {
    const from = params.get('resourceVersion');
    const fromRv = from ? Number(from) : 0;
    if (from && fromRv !== 0 && fromRv < this.compactedRv) {
      const gone = status(410, 'Expired', `too old resource version: ${fromRv} (${this.compactedRv})`);
      if (this.opts.expiredAs === 'error-event') {
        res.writeHead(200, { 'Content-Type': 'application/json' });
        this.send(res, 'ERROR', gone);
        res.end();
        return;
      }
      return this.json(res, 410, gone);
    }
    res.writeHead(200, { 'Content-Type': 'application/json', 'Transfer-Encoding': 'chunked' });
    // kube-apiserver sends the headers at once, before any event; Node would hold them until the first write.
    res.flushHeaders();
    if (!from || fromRv === 0) {
      // No version: the current state as synthetic ADDED events, then changes (kube-apiserver semantics).
      for (const o of this.objects[kind].values()) if (selector(o)) this.send(res, 'ADDED', o);
    } else {
      for (const ev of this.history) if (ev.kind === kind && ev.rv > fromRv && selector(ev.object)) this.send(res, ev.type, ev.object);
    }
    const w: OpenWatch = { kind, selector, res };
    const seconds = Number(params.get('timeoutSeconds') ?? 0);
    if (seconds > 0 && !this.opts.ignoreWatchTimeout) w.timer = setTimeout(() => this.endWatch(w), seconds * 1000);
    res.on('close', () => { clearTimeout(w.timer); this.watches.delete(w); });
    this.watches.add(w);
  }
}
