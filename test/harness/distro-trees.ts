// Fake node filesystems for discovery tests: the files k3s, RKE2, k0s and kubeadm leave on a node, with the
// contents they really write (etcd's config as k3s marshals it, kubeadm's static pod manifest, ...), under a
// temp root. Certificates are PEM-shaped placeholders: discovery names files, it does not parse them.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

export const PEM_CERT = '-----BEGIN CERTIFICATE-----\nMIIBfake\n-----END CERTIFICATE-----\n';
export const PEM_KEY = '-----BEGIN EC PRIVATE KEY-----\nMHcfake\n-----END EC PRIVATE KEY-----\n';

export class DistroTree {
  readonly root: string;

  constructor() {
    this.root = fs.mkdtempSync(path.join(os.tmpdir(), 'etcd-ops-node-'));
  }

  /** Real path of a node path. */
  p(nodePath: string): string {
    return path.join(this.root, nodePath);
  }

  write(nodePath: string, content: string | Buffer): this {
    fs.mkdirSync(path.dirname(this.p(nodePath)), { recursive: true });
    fs.writeFileSync(this.p(nodePath), content);
    return this;
  }

  mkdir(nodePath: string): this {
    fs.mkdirSync(this.p(nodePath), { recursive: true });
    return this;
  }

  remove(nodePath: string): this {
    fs.rmSync(this.p(nodePath), { recursive: true, force: true });
    return this;
  }

  /** A symlink (target as given, may dangle or loop). */
  symlink(nodePath: string, target: string): this {
    fs.mkdirSync(path.dirname(this.p(nodePath)), { recursive: true });
    fs.rmSync(this.p(nodePath), { force: true });
    fs.symlinkSync(target, this.p(nodePath));
    return this;
  }

  certs(dir: string, names: string[]): this {
    for (const n of names) this.write(`${dir}/${n}.crt`, PEM_CERT).write(`${dir}/${n}.key`, PEM_KEY);
    return this;
  }

  cleanup(): void {
    fs.rmSync(this.root, { recursive: true, force: true });
  }
}

export interface RancherServerOptions {
  product?: 'k3s' | 'rke2';
  memberName: string;
  ip: string;
  /** Other members at join time: name -> ip. The first server has none. */
  peers?: Record<string, string>;
  /** The `server:` join URL in config.yaml, if this server joined one. */
  server?: string;
  dataDir?: string;
}

/** The etcd config file k3s/RKE2 write to server/db/etcd/config (keys sorted, as sigs.k8s.io/yaml emits them). */
export function rancherEtcdConfig(o: RancherServerOptions): string {
  const data = o.dataDir ?? `/var/lib/rancher/${o.product ?? 'k3s'}`;
  const tls = `${data}/server/tls/etcd`;
  const initial = [...Object.entries(o.peers ?? {}), [o.memberName, o.ip]].map(([n, ip]) => `${n}=https://${ip}:2380`).join(',');
  return [
    `advertise-client-urls: https://${o.ip}:2379`,
    'client-transport-security:',
    `  cert-file: ${tls}/server-client.crt`,
    '  client-cert-auth: true',
    `  key-file: ${tls}/server-client.key`,
    `  trusted-ca-file: ${tls}/server-ca.crt`,
    `data-dir: ${data}/server/db/etcd`,
    'election-timeout: 5000',
    'experimental-initial-corrupt-check: true',
    'heartbeat-interval: 500',
    `initial-advertise-peer-urls: https://${o.ip}:2380`,
    `initial-cluster: ${initial}`,
    `initial-cluster-state: ${o.peers && Object.keys(o.peers).length ? 'existing' : 'new'}`,
    'listen-client-http-urls: https://127.0.0.1:2382',
    `listen-client-urls: https://127.0.0.1:2379,https://${o.ip}:2379`,
    'listen-metrics-urls: http://127.0.0.1:2381',
    `listen-peer-urls: https://127.0.0.1:2380,https://${o.ip}:2380`,
    'log-outputs:',
    '- stderr',
    'logger: zap',
    `name: ${o.memberName}`,
    'peer-transport-security:',
    `  cert-file: ${tls}/peer-server-client.crt`,
    '  client-cert-auth: true',
    `  key-file: ${tls}/peer-server-client.key`,
    `  trusted-ca-file: ${tls}/peer-ca.crt`,
    'snapshot-count: 10000',
    '',
  ].join('\n');
}

/** A k3s/RKE2 server with embedded etcd. */
export function rancherServer(t: DistroTree, o: RancherServerOptions): DistroTree {
  const product = o.product ?? 'k3s';
  const data = o.dataDir ?? `/var/lib/rancher/${product}`;
  const config = [
    ...(o.server ? [`server: ${o.server}`] : ['cluster-init: true']),
    'token: K10f00d::server:0123456789abcdef',
    `node-ip: ${o.ip}`,
    'tls-san:',
    '  - k8s-api.example.internal',
    ...(o.dataDir ? [`data-dir: ${o.dataDir}`] : []),
    '',
  ].join('\n');
  t.write(`/etc/rancher/${product}/config.yaml`, config)
    .write(`/etc/rancher/${product}/${product}.yaml`, 'apiVersion: v1\nkind: Config\n')
    .write(`${data}/server/db/etcd/config`, rancherEtcdConfig(o))
    .write(`${data}/server/db/etcd/name`, `${o.memberName}\n`)
    .mkdir(`${data}/server/db/etcd/member/snap`)
    .mkdir(`${data}/agent/etc`)
    .certs(`${data}/server/tls/etcd`, ['server-ca', 'peer-ca', 'server-client', 'peer-server-client', 'client']);
  return t;
}

/** A k3s/RKE2 agent (worker): agent data, a config with the join URL, no server dir. */
export function rancherAgent(t: DistroTree, product: 'k3s' | 'rke2', server: string): DistroTree {
  return t.write(`/etc/rancher/${product}/config.yaml`, `server: ${server}\ntoken: K10f00d::node:abc\n`)
    .mkdir(`/var/lib/rancher/${product}/agent/etc`)
    .write(`/var/lib/rancher/${product}/agent/client-ca.crt`, PEM_CERT);
}

/** The etcd proxy's server list on a control-plane-only server (k3s load balancer state file). */
export function etcdProxyList(t: DistroTree, product: 'k3s' | 'rke2', addresses: string[]): DistroTree {
  const body = { ServerURL: `https://${addresses[0]}`, ServerAddresses: addresses, Listener: null };
  return t.write(`/var/lib/rancher/${product}/agent/etc/${product}-etcd-server-load-balancer.json`, `${JSON.stringify(body, null, 2)}\n`);
}

export interface K0sOptions {
  dataDir?: string;
  configPath?: string;
  /** Extra YAML under spec.storage (indented two levels already). */
  storageYaml?: string;
  single?: boolean;
}

/** A k0s controller installed with `k0s install controller`. */
export function k0sController(t: DistroTree, o: K0sOptions = {}): DistroTree {
  const data = o.dataDir ?? '/var/lib/k0s';
  const config = o.configPath ?? '/etc/k0s/k0s.yaml';
  const flags = [`--config=${config}`, ...(o.dataDir ? [`--data-dir=${o.dataDir}`] : []), ...(o.single ? ['--single=true'] : [])];
  t.write('/etc/systemd/system/k0scontroller.service', [
    '[Unit]', 'Description=k0s - Zero Friction Kubernetes', 'After=network-online.target', '',
    '[Service]', 'StartLimitInterval=5', 'StartLimitBurst=10', `ExecStart=/usr/local/bin/k0s controller ${flags.join(' ')}`,
    'RestartSec=10', 'Restart=always', '', '[Install]', 'WantedBy=multi-user.target', ''].join('\n'))
    .write(config, [
      'apiVersion: k0s.k0sproject.io/v1beta1', 'kind: ClusterConfig', 'metadata:', '  name: k0s', 'spec:',
      '  api:', '    address: 203.0.113.5', '    port: 6443',
      '  storage:', ...(o.storageYaml ? [o.storageYaml] : ['    type: etcd', '    etcd:', '      peerAddress: 203.0.113.5']), ''].join('\n'))
    .mkdir(`${data}/etcd/member/snap`)
    .certs(`${data}/pki/etcd`, ['ca', 'server', 'peer'])
    .certs(`${data}/pki`, ['ca', 'apiserver-etcd-client']);
  return t;
}

export function k0sWorker(t: DistroTree): DistroTree {
  return t.write('/etc/systemd/system/k0sworker.service', '[Service]\nExecStart=/usr/local/bin/k0s worker --token-file=/etc/k0s/join-token\n')
    .mkdir('/var/lib/k0s/kubelet');
}

export interface KubeadmOptions {
  name: string;
  ip: string;
  /** The members in --initial-cluster (name -> ip), this node included. */
  initialCluster?: Record<string, string>;
}

/** The etcd static pod manifest kubeadm writes. */
export function kubeadmEtcdManifest(o: KubeadmOptions): string {
  const initial = Object.entries(o.initialCluster ?? { [o.name]: o.ip }).map(([n, ip]) => `${n}=https://${ip}:2380`).join(',');
  return [
    'apiVersion: v1', 'kind: Pod', 'metadata:', '  annotations:', `    kubeadm.kubernetes.io/etcd.advertise-client-urls: https://${o.ip}:2379`,
    '  creationTimestamp: null', '  labels:', '    component: etcd', '    tier: control-plane', '  name: etcd', '  namespace: kube-system',
    'spec:', '  containers:', '  - command:', '    - etcd',
    `    - --advertise-client-urls=https://${o.ip}:2379`, '    - --cert-file=/etc/kubernetes/pki/etcd/server.crt', '    - --client-cert-auth=true',
    '    - --data-dir=/var/lib/etcd', '    - --experimental-initial-corrupt-check=true',
    `    - --initial-advertise-peer-urls=https://${o.ip}:2380`, `    - --initial-cluster=${initial}`,
    ...(Object.keys(o.initialCluster ?? {}).length > 1 ? ['    - --initial-cluster-state=existing'] : []),
    '    - --key-file=/etc/kubernetes/pki/etcd/server.key', `    - --listen-client-urls=https://127.0.0.1:2379,https://${o.ip}:2379`,
    '    - --listen-metrics-urls=http://127.0.0.1:2381', `    - --listen-peer-urls=https://${o.ip}:2380`, `    - --name=${o.name}`,
    '    - --peer-cert-file=/etc/kubernetes/pki/etcd/peer.crt', '    - --peer-client-cert-auth=true', '    - --peer-key-file=/etc/kubernetes/pki/etcd/peer.key',
    '    - --peer-trusted-ca-file=/etc/kubernetes/pki/etcd/ca.crt', '    - --snapshot-count=10000', '    - --trusted-ca-file=/etc/kubernetes/pki/etcd/ca.crt',
    '    image: registry.k8s.io/etcd:3.5.15-0', '    name: etcd', '  hostNetwork: true', '  priorityClassName: system-node-critical',
    '  volumes:', '  - hostPath:', '      path: /etc/kubernetes/pki/etcd', '      type: DirectoryOrCreate', '    name: etcd-certs',
    '  - hostPath:', '      path: /var/lib/etcd', '      type: DirectoryOrCreate', '    name: etcd-data', 'status: {}', ''].join('\n');
}

export function kubeApiserverManifest(etcdServers: string, ip: string): string {
  return [
    'apiVersion: v1', 'kind: Pod', 'metadata:', '  labels:', '    component: kube-apiserver', '    tier: control-plane',
    '  name: kube-apiserver', '  namespace: kube-system', 'spec:', '  containers:', '  - command:', '    - kube-apiserver',
    `    - --advertise-address=${ip}`, '    - --allow-privileged=true', '    - --client-ca-file=/etc/kubernetes/pki/ca.crt',
    '    - --etcd-cafile=/etc/kubernetes/pki/etcd/ca.crt', '    - --etcd-certfile=/etc/kubernetes/pki/apiserver-etcd-client.crt',
    '    - --etcd-keyfile=/etc/kubernetes/pki/apiserver-etcd-client.key', `    - --etcd-servers=${etcdServers}`,
    '    - --secure-port=6443', '    - --service-cluster-ip-range=10.96.0.0/12',
    '    image: registry.k8s.io/kube-apiserver:v1.30.4', '    name: kube-apiserver', '  hostNetwork: true', 'status: {}', ''].join('\n');
}

/** A kubeadm control-plane node with stacked etcd. */
export function kubeadmControlPlane(t: DistroTree, o: KubeadmOptions): DistroTree {
  return t.write('/etc/kubernetes/manifests/etcd.yaml', kubeadmEtcdManifest(o))
    .write('/etc/kubernetes/manifests/kube-apiserver.yaml', kubeApiserverManifest('https://127.0.0.1:2379', o.ip))
    .write('/etc/kubernetes/admin.conf', 'apiVersion: v1\nkind: Config\n')
    .mkdir('/var/lib/etcd/member/snap')
    .certs('/etc/kubernetes/pki/etcd', ['ca', 'server', 'peer', 'healthcheck-client'])
    .certs('/etc/kubernetes/pki', ['ca', 'apiserver', 'apiserver-etcd-client']);
}
