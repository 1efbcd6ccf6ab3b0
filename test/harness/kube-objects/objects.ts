// Builders for Kubernetes objects shaped like the ones k3s, RKE2, k0s and kubeadm clusters really carry
// (labels, annotations, conditions, nodeInfo, addresses), created through a real kube-apiserver by the tests.
type Obj = Record<string, any>;

export type Role = 'control-plane' | 'master' | 'etcd';

export interface NodeSpec {
  name: string;
  ip: string;
  roles: Role[];
  /** k3s/RKE2/k0s label roles "true", kubeadm "". */
  roleValue: 'true' | '';
  kubeletVersion: string;
  containerRuntime: string;
  instanceType?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  /** Extra conditions after the four kubelet ones (k3s adds EtcdIsVoter). */
  extraConditions?: Obj[];
  osImage?: string;
}

const T0 = '2025-01-10T08:00:00Z';

function condition(type: string, status: string, reason: string, message: string): Obj {
  return { type, status, reason, message, lastHeartbeatTime: T0, lastTransitionTime: T0 };
}

export function node(s: NodeSpec): Obj {
  const labels: Record<string, string> = {
    'beta.kubernetes.io/arch': 'amd64', 'beta.kubernetes.io/os': 'linux', 'kubernetes.io/arch': 'amd64',
    'kubernetes.io/hostname': s.name, 'kubernetes.io/os': 'linux',
    ...(s.instanceType ? { 'beta.kubernetes.io/instance-type': s.instanceType, 'node.kubernetes.io/instance-type': s.instanceType } : {}),
    ...Object.fromEntries(s.roles.map((r) => [`node-role.kubernetes.io/${r}`, s.roleValue])),
    ...s.labels,
  };
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name: s.name, labels, annotations: { 'node.alpha.kubernetes.io/ttl': '0', 'volumes.kubernetes.io/controller-managed-attach-detach': 'true', ...s.annotations } },
    spec: { podCIDR: '10.42.0.0/24', podCIDRs: ['10.42.0.0/24'] },
    status: {
      addresses: [{ type: 'InternalIP', address: s.ip }, { type: 'Hostname', address: s.name }],
      conditions: [
        condition('MemoryPressure', 'False', 'KubeletHasSufficientMemory', 'kubelet has sufficient memory available'),
        condition('DiskPressure', 'False', 'KubeletHasNoDiskPressure', 'kubelet has no disk pressure'),
        condition('PIDPressure', 'False', 'KubeletHasSufficientPID', 'kubelet has sufficient PID available'),
        condition('Ready', 'True', 'KubeletReady', 'kubelet is posting ready status'),
        ...(s.extraConditions ?? []),
      ],
      nodeInfo: {
        architecture: 'amd64', bootID: `boot-${s.name}`, containerRuntimeVersion: s.containerRuntime,
        kernelVersion: '6.1.0-25-amd64', kubeProxyVersion: s.kubeletVersion, kubeletVersion: s.kubeletVersion,
        machineID: `machine-${s.name}`, operatingSystem: 'linux', osImage: s.osImage ?? 'Debian GNU/Linux 12 (bookworm)', systemUUID: `uuid-${s.name}`,
      },
      daemonEndpoints: { kubeletEndpoint: { Port: 10250 } },
    },
  };
}

/** The k3s/RKE2 condition saying whether the node's etcd member is a voter. */
export function etcdIsVoter(): Obj {
  return condition('EtcdIsVoter', 'True', 'MemberNotLearner', 'Node is a voting etcd member');
}

export interface StaticPodSpec {
  node: string;
  ip: string;
  /** kubeadm: full etcd flags + advertise annotation; rke2: --config-file only. */
  style: 'kubeadm' | 'rke2';
  initialCluster?: string;
  ready?: boolean;
}

/** The mirror pod of etcd's static pod, `etcd-<node>` in kube-system. */
export function etcdStaticPod(s: StaticPodSpec): Obj {
  const command = s.style === 'kubeadm'
    ? ['etcd', `--advertise-client-urls=https://${s.ip}:2379`, '--cert-file=/etc/kubernetes/pki/etcd/server.crt',
      '--client-cert-auth=true', '--data-dir=/var/lib/etcd', `--initial-advertise-peer-urls=https://${s.ip}:2380`,
      `--initial-cluster=${s.initialCluster ?? `${s.node}=https://${s.ip}:2380`}`, '--key-file=/etc/kubernetes/pki/etcd/server.key',
      `--listen-client-urls=https://127.0.0.1:2379,https://${s.ip}:2379`, `--listen-peer-urls=https://${s.ip}:2380`,
      `--name=${s.node}`, '--peer-cert-file=/etc/kubernetes/pki/etcd/peer.crt', '--peer-client-cert-auth=true',
      '--peer-key-file=/etc/kubernetes/pki/etcd/peer.key', '--peer-trusted-ca-file=/etc/kubernetes/pki/etcd/ca.crt',
      '--snapshot-count=10000', '--trusted-ca-file=/etc/kubernetes/pki/etcd/ca.crt']
    : ['etcd', '--config-file=/var/lib/rancher/rke2/server/db/etcd/config'];
  const ready = s.ready ?? true;
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: `etcd-${s.node}`,
      namespace: 'kube-system',
      labels: { component: 'etcd', tier: 'control-plane' },
      annotations: {
        'kubernetes.io/config.mirror': `mirror-${s.node}`,
        'kubernetes.io/config.source': 'file',
        ...(s.style === 'kubeadm' ? { 'kubeadm.kubernetes.io/etcd.advertise-client-urls': `https://${s.ip}:2379` } : {}),
      },
      ownerReferences: [{ apiVersion: 'v1', kind: 'Node', name: s.node, uid: `node-uid-${s.node}`, controller: true }],
    },
    spec: {
      containers: [{ name: 'etcd', image: s.style === 'kubeadm' ? 'registry.k8s.io/etcd:3.5.15-0' : 'index.docker.io/rancher/hardened-etcd:v3.5.13-k3s1-build20240910', command }],
      hostNetwork: true,
      nodeName: s.node,
      priorityClassName: 'system-node-critical',
    },
    status: {
      phase: ready ? 'Running' : 'Pending',
      hostIP: s.ip,
      podIP: s.ip,
      podIPs: [{ ip: s.ip }],
      conditions: [
        { type: 'Initialized', status: 'True' },
        { type: 'Ready', status: ready ? 'True' : 'False' },
        { type: 'ContainersReady', status: ready ? 'True' : 'False' },
        { type: 'PodScheduled', status: 'True' },
      ],
    },
  };
}

export interface K0sMemberSpec {
  name: string;
  ip: string;
  memberId: string;
  leave?: boolean;
  joined?: 'True' | 'False' | 'Unknown';
  message?: string;
  reconcileStatus?: string;
}

/** A k0s EtcdMember (etcd.k0sproject.io/v1beta1, cluster-scoped) as the k0s controller writes it. */
export function k0sEtcdMember(s: K0sMemberSpec): Obj {
  return {
    apiVersion: 'etcd.k0sproject.io/v1beta1',
    kind: 'EtcdMember',
    metadata: { name: s.name },
    spec: s.leave ? { leave: true } : {},
    status: {
      peerAddress: s.ip,
      memberID: s.memberId,
      reconcileStatus: s.reconcileStatus ?? 'Success',
      ...(s.message ? { message: s.message } : {}),
      conditions: [{ type: 'Joined', status: s.joined ?? 'True', lastTransitionTime: T0, ...(s.message ? { message: s.message } : {}) }],
    },
  };
}
