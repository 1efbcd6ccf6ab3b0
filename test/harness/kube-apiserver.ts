// A real kube-apiserver (built by scripts/build-kube.mjs) on a test etcd cluster: real PKI made by openssl,
// client-cert auth (admin in system:masters), a static token file (a user with no RBAC rights, one for exec
// plugins), service-account keys, RBAC on, loopback only, fresh ports. Objects are created through its API as
// the distributions' own components would (Nodes, then their status through the status subresource).
import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as https from 'node:https';
import * as os from 'node:os';
import * as path from 'node:path';
import { EtcdTestCluster, freePort } from './etcd-cluster';
import { KubePki, makeKubePki } from './kube-pki';

type Obj = Record<string, any>;

const repo = path.resolve(__dirname, '..', '..');

let goVersion: string | undefined;
function cacheRoot(): string {
  return path.join(process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache'), 'etcd-ops', 'servers');
}

/** Where scripts/build-kube.mjs put kube-apiserver and kubectl for the pinned release and this Go. */
export function kubeBinDir(): string {
  const versions = JSON.parse(fs.readFileSync(path.join(repo, 'test', 'servers', 'versions.json'), 'utf8')) as { kubernetes: string };
  goVersion ??= execFileSync('go', ['env', 'GOVERSION'], { encoding: 'utf8', env: { ...process.env, GOTOOLCHAIN: 'local' } }).trim();
  const dir = path.join(cacheRoot(), `kubernetes-${versions.kubernetes}-${goVersion}`);
  if (!fs.existsSync(path.join(dir, 'kube-apiserver'))) {
    throw new Error(`kube-apiserver ${versions.kubernetes} is not built (${dir}): run node scripts/build-kube.mjs`);
  }
  return dir;
}

/**
 * kube-apiserver 1.36 wants etcd 3.5 or newer. Unless a version is chosen (ETCD_OPS_ETCD_VERSION), put the
 * built etcd 3.6 first on PATH, the version the distributions ship, so the test cluster runs it.
 */
export function preferEtcdForKubernetes(): string | undefined {
  if (process.env.ETCD_OPS_ETCD_VERSION) return undefined;
  const dirs = fs.existsSync(cacheRoot()) ? fs.readdirSync(cacheRoot()).filter((d) => /^etcd-v3\.6\.\d+-go/.test(d)).sort() : [];
  const dir = dirs.length ? path.join(cacheRoot(), dirs[dirs.length - 1]) : undefined;
  if (dir && !(process.env.PATH ?? '').split(path.delimiter).includes(dir)) {
    process.env.PATH = `${dir}${path.delimiter}${process.env.PATH ?? ''}`;
  }
  return dir;
}

export interface KubeApiServerOptions {
  etcd: EtcdTestCluster;
  /** --etcd-servers; default every member of the cluster. */
  etcdServers?: string[];
  /** The loopback address to serve on (127.0.0.0/8): several API servers can share a port, one per "node". */
  host?: string;
  port?: number;
  /** Share one PKI between API servers of the same cluster (it must list every host). */
  pki?: KubePki;
  /** The watch cache answers watches from memory; off, watches go to etcd (and meet its compaction). Default on. */
  watchCache?: boolean;
}

export interface KubeconfigOptions {
  context?: string;
  /** admin: client cert (system:masters); viewer: a token with no RBAC rights; exec: an exec plugin. */
  user?: 'admin' | 'viewer' | 'exec';
  /** For user 'exec': the plugin's command as written in the kubeconfig (may be relative). */
  execCommand?: string;
  ca?: 'data' | 'file' | 'foreign';
  server?: string;
  token?: string;
}

/** The harness's own requests carry this, so tests can tell them from the product's in the audit log. */
export const HARNESS_USER_AGENT = 'etcd-ops-test-harness';

export interface AuditEvent {
  userAgent?: string;
  verb: string;
  requestURI: string;
  user: { username: string };
  responseStatus?: { code?: number };
  stage: string;
}

const AUDIT_POLICY = 'apiVersion: audit.k8s.io/v1\nkind: Policy\nomitStages: ["RequestReceived"]\nrules:\n- level: Metadata\n';

export class KubeApiServer {
  private child: ChildProcess | null = null;
  readonly log: string[] = [];

  private constructor(readonly dir: string, readonly pki: KubePki, readonly host: string, readonly port: number,
    readonly args: string[], private readonly ownsPki: boolean) {}

  get url(): string {
    return `https://${this.host}:${this.port}`;
  }

  get auditLog(): string {
    return path.join(this.dir, 'audit.log');
  }

  static async start(o: KubeApiServerOptions): Promise<KubeApiServer> {
    const bin = path.join(kubeBinDir(), 'kube-apiserver');
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'etcd-ops-kube-apiserver-'));
    const host = o.host ?? '127.0.0.1';
    const pki = o.pki ?? makeKubePki(path.join(dir, 'pki'), [host]);
    const port = o.port ?? await freePort();
    fs.writeFileSync(path.join(dir, 'audit-policy.yaml'), AUDIT_POLICY);
    const etcd = o.etcd.tls;
    const args = [
      `--etcd-servers=${(o.etcdServers ?? o.etcd.endpoints).join(',')}`,
      `--etcd-cafile=${etcd.caFile}`, `--etcd-certfile=${etcd.certFile}`, `--etcd-keyfile=${etcd.keyFile}`,
      `--bind-address=${host}`, `--advertise-address=${host}`, `--secure-port=${port}`,
      `--tls-cert-file=${pki.serverCert}`, `--tls-private-key-file=${pki.serverKey}`,
      `--client-ca-file=${pki.ca}`, `--token-auth-file=${pki.tokenFile}`,
      `--service-account-issuer=https://kubernetes.default.svc`,
      `--service-account-key-file=${pki.serviceAccountPub}`, `--service-account-signing-key-file=${pki.serviceAccountKey}`,
      '--service-cluster-ip-range=10.96.0.0/16',
      '--authorization-mode=Node,RBAC',
      // Loopback addresses are not valid endpoints of the kubernetes Service; nothing here needs it.
      '--endpoint-reconciler-type=none',
      `--cert-dir=${path.join(dir, 'certs')}`,
      `--audit-policy-file=${path.join(dir, 'audit-policy.yaml')}`, `--audit-log-path=${path.join(dir, 'audit.log')}`,
      `--watch-cache=${o.watchCache ?? true}`,
      '--enable-priority-and-fairness=false', '--profiling=false',
    ];
    const server = new KubeApiServer(dir, pki, host, port, args, !o.pki);
    server.spawn(bin);
    try {
      await server.waitReady();
    } catch (err) {
      await server.stop();
      throw err;
    }
    return server;
  }

  private spawn(bin: string): void {
    const child = spawn(bin, this.args, { stdio: ['ignore', 'ignore', 'pipe'] });
    this.child = child;
    child.stderr!.setEncoding('utf8');
    child.stderr!.on('data', (chunk: string) => {
      this.log.push(...chunk.split('\n').filter(Boolean));
      if (this.log.length > 80) this.log.splice(0, this.log.length - 80);
    });
    child.on('exit', () => { if (this.child === child) this.child = null; });
  }

  get running(): boolean {
    return this.child !== null;
  }

  private async waitReady(timeoutMs = 120_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    let last = '';
    while (Date.now() < deadline) {
      if (!this.child) throw new Error(`kube-apiserver exited before it was ready:\n${this.log.slice(-20).join('\n')}`);
      try {
        const r = await this.raw('GET', '/readyz');
        if (r.status === 200) return;
        last = `readyz ${r.status}`;
      } catch (err) {
        last = (err as Error).message;
      }
      await new Promise((r) => setTimeout(r, 300));
    }
    throw new Error(`kube-apiserver not ready within ${timeoutMs} ms (${last}):\n${this.log.slice(-20).join('\n')}`);
  }

  /** One HTTPS request as the admin (client cert), bounded in time. */
  raw(method: string, urlPath: string, body?: unknown, contentType = 'application/json', timeoutMs = 10_000): Promise<{ status: number; body: string }> {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    return new Promise((resolve, reject) => {
      const req = https.request({
        host: this.host, port: this.port, method, path: urlPath, timeout: timeoutMs,
        ca: fs.readFileSync(this.pki.ca), cert: fs.readFileSync(this.pki.adminCert), key: fs.readFileSync(this.pki.adminKey),
        headers: { 'User-Agent': HARNESS_USER_AGENT, ...(payload ? { 'Content-Type': contentType, 'Content-Length': Buffer.byteLength(payload) } : {}) },
      }, (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => { text += c; });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
      });
      req.on('timeout', () => req.destroy(new Error(`${method} ${urlPath} timed out after ${timeoutMs} ms`)));
      req.on('error', reject);
      req.end(payload);
    });
  }

  /** A request that must succeed; returns the parsed answer. */
  async api(method: string, urlPath: string, body?: unknown, contentType?: string): Promise<Obj> {
    // etcd's own transient refusals (an election after a membership change, a slow disk under load) are
    // retried a few times, as kubelets and controllers retry them; anything else fails the test at once.
    for (let attempt = 0; ; attempt++) {
      const r = await this.raw(method, urlPath, body, contentType);
      if (r.status >= 200 && r.status < 300) return r.body ? JSON.parse(r.body) as Obj : {};
      const name = (body as Obj | undefined)?.metadata?.name;
      // A create whose first answer was a timeout may have landed: the retry's "already exists" is that object.
      if (attempt > 0 && method === 'POST' && r.status === 409 && typeof name === 'string') return this.api('GET', `${urlPath}/${name}`);
      const transient = r.status >= 500 && /etcdserver: (request timed out|leader changed|no leader)|Timeout: request did not complete/.test(r.body);
      if (!transient || attempt >= 4) throw new Error(`${method} ${urlPath}: HTTP ${r.status}: ${r.body.slice(0, 500)}`);
      await new Promise((resolve) => setTimeout(resolve, 1000));
    }
  }

  // ---- objects, created the way the distributions' components do ----------------------------------------

  /** Registers a Node (as a kubelet does), then writes its status through the status subresource. */
  async createNode(node: Obj): Promise<Obj> {
    const { status, ...rest } = node;
    await this.api('POST', '/api/v1/nodes', { ...rest, apiVersion: 'v1', kind: 'Node' });
    return this.api('PATCH', `/api/v1/nodes/${node.metadata.name}/status`, { status }, 'application/merge-patch+json');
  }

  /** Sets one Node condition through the status subresource (conditions merge by type). */
  setNodeCondition(name: string, type: string, value: 'True' | 'False' | 'Unknown', reason = '', message = ''): Promise<Obj> {
    const now = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
    const condition = { type, status: value, reason, message, lastHeartbeatTime: now, lastTransitionTime: now };
    return this.api('PATCH', `/api/v1/nodes/${name}/status`, { status: { conditions: [condition] } }, 'application/strategic-merge-patch+json');
  }

  async deleteNode(name: string): Promise<void> {
    await this.api('DELETE', `/api/v1/nodes/${name}`);
  }

  /** A mirror pod of a static pod in kube-system (as the kubelet creates it), with its status. */
  async createKubeSystemPod(pod: Obj): Promise<Obj> {
    const { status, ...rest } = pod;
    await this.api('POST', '/api/v1/namespaces/kube-system/pods', { ...rest, apiVersion: 'v1', kind: 'Pod' });
    return this.api('PATCH', `/api/v1/namespaces/kube-system/pods/${pod.metadata.name}/status`, { status }, 'application/merge-patch+json');
  }

  /** Changes a kube-system pod's status (conditions merge by type), as its kubelet does. */
  patchKubeSystemPodStatus(name: string, status: Obj): Promise<Obj> {
    return this.api('PATCH', `/api/v1/namespaces/kube-system/pods/${name}/status`, { status }, 'application/strategic-merge-patch+json');
  }

  async deleteKubeSystemPod(name: string): Promise<void> {
    await this.api('DELETE', `/api/v1/namespaces/kube-system/pods/${name}?gracePeriodSeconds=0`);
  }

  /** The k0s EtcdMember CRD (etcd.k0sproject.io/v1beta1, cluster-scoped, status subresource), until Established. */
  async applyK0sEtcdMemberCrd(): Promise<void> {
    await this.api('POST', '/apis/apiextensions.k8s.io/v1/customresourcedefinitions', K0S_ETCD_MEMBER_CRD);
    const deadline = Date.now() + 30_000;
    while (Date.now() < deadline) {
      const crd = await this.api('GET', `/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${K0S_ETCD_MEMBER_CRD.metadata.name}`);
      const established = (crd.status?.conditions ?? []).some((c: Obj) => c.type === 'Established' && c.status === 'True');
      if (established && (await this.raw('GET', '/apis/etcd.k0sproject.io/v1beta1/etcdmembers')).status === 200) return;
      await new Promise((r) => setTimeout(r, 200));
    }
    throw new Error('the EtcdMember CRD did not become Established within 30 s');
  }

  /** An EtcdMember as the k0s controller writes it: the object, then its status. */
  async createK0sEtcdMember(member: Obj): Promise<Obj> {
    const { status, ...rest } = member;
    await this.api('POST', '/apis/etcd.k0sproject.io/v1beta1/etcdmembers', rest);
    return this.api('PATCH', `/apis/etcd.k0sproject.io/v1beta1/etcdmembers/${member.metadata.name}/status`, { status }, 'application/merge-patch+json');
  }

  patchK0sEtcdMember(name: string, patch: Obj): Promise<Obj> {
    return this.api('PATCH', `/apis/etcd.k0sproject.io/v1beta1/etcdmembers/${name}`, patch, 'application/merge-patch+json');
  }

  /** Writes an EtcdMember's status (lists replaced whole), as the k0s controller does. */
  patchK0sEtcdMemberStatus(name: string, status: Obj): Promise<Obj> {
    return this.api('PATCH', `/apis/etcd.k0sproject.io/v1beta1/etcdmembers/${name}/status`, { status }, 'application/merge-patch+json');
  }

  /** Removes every Node, kube-system pod and the EtcdMember CRD (with its objects): a fresh cluster's API. */
  async reset(): Promise<void> {
    for (const n of (await this.api('GET', '/api/v1/nodes')).items) await this.deleteNode(n.metadata.name);
    for (const p of (await this.api('GET', '/api/v1/namespaces/kube-system/pods')).items) await this.deleteKubeSystemPod(p.metadata.name);
    const crd = `/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${K0S_ETCD_MEMBER_CRD.metadata.name}`;
    if ((await this.raw('GET', crd)).status === 404) return;
    await this.api('DELETE', crd);
    const deadline = Date.now() + 60_000;
    while ((await this.raw('GET', crd)).status !== 404 || (await this.raw('GET', '/apis/etcd.k0sproject.io/v1beta1/etcdmembers')).status !== 404) {
      if (Date.now() > deadline) throw new Error('the EtcdMember CRD was not gone within 60 s');
      await new Promise((r) => setTimeout(r, 200));
    }
  }

  /** The current resourceVersion of a collection. */
  async resourceVersion(collection = '/api/v1/nodes'): Promise<string> {
    return (await this.api('GET', `${collection}?limit=1`)).metadata.resourceVersion as string;
  }

  // ---- kubeconfigs ----------------------------------------------------------------------------------------

  /** Writes a real kubeconfig for this server (file mode 0600) and returns its path. */
  writeKubeconfig(file: string, o: KubeconfigOptions = {}): string {
    const context = o.context ?? 'kube-test';
    const caFile = o.ca === 'foreign' ? this.pki.foreignCa : this.pki.ca;
    const cluster: Obj = { server: o.server ?? this.url };
    if (o.ca === 'file') cluster['certificate-authority'] = caFile;
    else cluster['certificate-authority-data'] = fs.readFileSync(caFile).toString('base64');
    const b64 = (f: string) => fs.readFileSync(f).toString('base64');
    const user = (o.user ?? 'admin') === 'admin' && !o.token
      ? { 'client-certificate-data': b64(this.pki.adminCert), 'client-key-data': b64(this.pki.adminKey) }
      : o.user === 'exec'
        ? { exec: { apiVersion: 'client.authentication.k8s.io/v1', command: o.execCommand ?? 'etcd-ops-token-plugin', interactiveMode: 'Never' } }
        : { token: o.token ?? this.pki.users.viewer.token };
    // YAML as kubectl writes it (one value per line), so tests can edit a line to break the file on purpose.
    const entries = (o: Obj, indent: string): string[] => Object.entries(o).flatMap(([k, v]) => (typeof v === 'object' && v !== null
      ? [`${indent}${k}:`, ...entries(v as Obj, `${indent}  `)] : [`${indent}${k}: ${JSON.stringify(v)}`]));
    const config = [
      'apiVersion: v1', 'kind: Config', `current-context: ${context}`,
      'clusters:', `- name: ${context}-cluster`, '  cluster:', ...entries(cluster, '    '),
      'users:', `- name: ${context}-user`, '  user:', ...entries(user, '    '),
      'contexts:', `- name: ${context}`, '  context:', `    cluster: ${context}-cluster`, `    user: ${context}-user`, '',
    ].join('\n');
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, config, { mode: 0o600 });
    return file;
  }

  /**
   * Writes an exec-credential plugin (a shell script) that prints an ExecCredential with the exec-admin token,
   * and appends one line to `calls` each time it runs.
   */
  writeExecPlugin(file: string): { file: string; calls: string } {
    const calls = `${file}.calls`;
    const credential = JSON.stringify({ apiVersion: 'client.authentication.k8s.io/v1', kind: 'ExecCredential', status: { token: this.pki.users['exec-admin'].token } });
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, `#!/bin/sh\necho run >> '${calls}'\ncat <<'EOF'\n${credential}\nEOF\n`, { mode: 0o755 });
    return { file, calls };
  }

  /** The audit log so far (every request with its URI, user and answer). */
  auditEvents(): AuditEvent[] {
    if (!fs.existsSync(this.auditLog)) return [];
    return fs.readFileSync(this.auditLog, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as AuditEvent);
  }

  /** kubeadm's kube-apiserver static pod manifest with this server's real flags, as /etc/kubernetes/manifests holds it. */
  staticPodManifest(nodeName: string): string {
    const lines = [
      'apiVersion: v1', 'kind: Pod', 'metadata:',
      '  annotations:', `    kubeadm.kubernetes.io/kube-apiserver.advertise-address.endpoint: ${this.host}:${this.port}`,
      '  labels:', '    component: kube-apiserver', '    tier: control-plane',
      '  name: kube-apiserver', '  namespace: kube-system',
      'spec:', '  containers:', '  - command:', '    - kube-apiserver',
      ...this.args.map((a) => `    - ${a}`),
      '    image: registry.k8s.io/kube-apiserver:v1.36.3', '    name: kube-apiserver',
      '  hostNetwork: true', `  nodeName: ${nodeName}`, '  priorityClassName: system-node-critical', '',
    ];
    return lines.join('\n');
  }

  async kill(): Promise<void> {
    const child = this.child;
    if (!child) return;
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGKILL');
    await exited;
  }

  async stop(): Promise<void> {
    const child = this.child;
    if (child) {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    }
    // A shared PKI lives in its owner's dir; this server's own dir (PKI included, if it made it) goes.
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}

/** The CRD k0s installs for its etcd members (the fields etcd Ops reads; the rest is preserved as given). */
export const K0S_ETCD_MEMBER_CRD = {
  apiVersion: 'apiextensions.k8s.io/v1',
  kind: 'CustomResourceDefinition',
  metadata: { name: 'etcdmembers.etcd.k0sproject.io' },
  spec: {
    group: 'etcd.k0sproject.io',
    scope: 'Cluster',
    names: { plural: 'etcdmembers', singular: 'etcdmember', kind: 'EtcdMember', listKind: 'EtcdMemberList' },
    versions: [{
      name: 'v1beta1', served: true, storage: true,
      subresources: { status: {} },
      schema: {
        openAPIV3Schema: {
          type: 'object',
          properties: {
            spec: { type: 'object', properties: { leave: { type: 'boolean' } }, 'x-kubernetes-preserve-unknown-fields': true },
            status: {
              type: 'object', 'x-kubernetes-preserve-unknown-fields': true,
              properties: {
                memberID: { type: 'string' }, peerAddress: { type: 'string' }, reconcileStatus: { type: 'string' }, message: { type: 'string' },
                conditions: { type: 'array', items: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } },
              },
            },
          },
        },
      },
    }],
  },
};
