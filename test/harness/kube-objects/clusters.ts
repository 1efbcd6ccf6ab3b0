// Whole clusters shaped like each distribution's: nodes, etcd static pods, k0s EtcdMembers, and the member list
// etcd itself would report (for correlation). IPs are documentation addresses; member ids are fixed hex.
import type { EtcdMemberRef } from '../../../src/core/kube/model';
import { etcdIsVoter, etcdStaticPod, k0sEtcdMember, node } from './objects';

type Obj = Record<string, any>;

export interface ClusterFixture {
  distro: 'k3s' | 'rke2' | 'k0s' | 'kubeadm';
  nodes: Obj[];
  pods: Obj[];
  etcdMembers: Obj[];
  /** What `etcdctl member list` would say for this cluster. */
  memberList: EtcdMemberRef[];
}

const IDS = ['8e9e05c52164694d', '91bc3c398fb3c146', 'fd422379fda50e48', '2f7a3b1d9c004e11', '6c1d0e5a7b3f2290'];

function member(i: number, name: string, ip: string): EtcdMemberRef {
  return { id: IDS[i], name, peerURLs: [`https://${ip}:2380`], clientURLs: [`https://${ip}:2379`] };
}

/** k3s with embedded etcd. splitRoles: three etcd-only servers and two control-plane-only servers. */
export function k3sCluster(opts: { splitRoles?: boolean } = {}): ClusterFixture {
  const servers = opts.splitRoles
    ? [['etcd-1', '192.0.2.11', ['etcd']], ['etcd-2', '192.0.2.12', ['etcd']], ['etcd-3', '192.0.2.13', ['etcd']],
      ['cp-1', '192.0.2.21', ['control-plane', 'master']], ['cp-2', '192.0.2.22', ['control-plane', 'master']]] as const
    : [['server-1', '192.0.2.11', ['control-plane', 'etcd', 'master']], ['server-2', '192.0.2.12', ['control-plane', 'etcd', 'master']],
      ['server-3', '192.0.2.13', ['control-plane', 'etcd', 'master']]] as const;
  const memberList: EtcdMemberRef[] = [];
  const nodes = servers.map(([name, ip, roles], i) => {
    const hasEtcd = (roles as readonly string[]).includes('etcd');
    const memberName = `${name}-${IDS[i].slice(0, 8)}`;
    if (hasEtcd) memberList.push(member(i, memberName, ip));
    return node({
      name, ip, roles: [...roles], roleValue: 'true', kubeletVersion: 'v1.30.5+k3s1', containerRuntime: 'containerd://1.7.21-k3s2', instanceType: 'k3s',
      annotations: {
        'alpha.kubernetes.io/provided-node-ip': ip, 'k3s.io/hostname': name, 'k3s.io/internal-ip': ip,
        'k3s.io/node-args': '["server"]', 'flannel.alpha.coreos.com/backend-type': 'vxlan', 'flannel.alpha.coreos.com/public-ip': ip,
        ...(hasEtcd ? { 'etcd.k3s.cattle.io/node-name': memberName, 'etcd.k3s.cattle.io/node-address': ip, 'etcd.k3s.cattle.io/local-snapshots-timestamp': '2025-01-10T12:00:00Z' } : {}),
      },
      extraConditions: hasEtcd ? [etcdIsVoter()] : [],
    });
  });
  const agent = node({ name: 'agent-1', ip: '192.0.2.31', roles: [], roleValue: 'true', kubeletVersion: 'v1.30.5+k3s1', containerRuntime: 'containerd://1.7.21-k3s2', instanceType: 'k3s' });
  return { distro: 'k3s', nodes: [...nodes, agent], pods: [], etcdMembers: [], memberList };
}

/** RKE2: servers with etcd static pods and etcd.rke2.cattle.io annotations. */
export function rke2Cluster(): ClusterFixture {
  const servers = [['rke2-a', '198.51.100.10'], ['rke2-b', '198.51.100.11'], ['rke2-c', '198.51.100.12']] as const;
  const memberList = servers.map(([name, ip], i) => member(i, `${name}-${IDS[i].slice(8)}`, ip));
  const nodes = servers.map(([name, ip], i) => node({
    name, ip, roles: ['control-plane', 'etcd', 'master'], roleValue: 'true', kubeletVersion: 'v1.30.5+rke2r1',
    containerRuntime: 'containerd://1.7.21-k3s2', instanceType: 'rke2',
    annotations: {
      'etcd.rke2.cattle.io/node-name': memberList[i].name, 'etcd.rke2.cattle.io/node-address': ip,
      'rke2.io/hostname': name, 'rke2.io/internal-ip': ip, 'rke2.io/node-args': '["server"]',
    },
    extraConditions: [etcdIsVoter()],
  }));
  const pods = servers.map(([name, ip]) => etcdStaticPod({ node: name, ip, style: 'rke2' }));
  return { distro: 'rke2', nodes, pods, etcdMembers: [], memberList };
}

/** k0s: three controllers (c1 also runs a worker, so it is a node), EtcdMember CRs, one plain worker. */
export function k0sCluster(): ClusterFixture {
  const controllers = [['c1', '203.0.113.5'], ['c2', '203.0.113.6'], ['c3', '203.0.113.7']] as const;
  const memberList = controllers.map(([name, ip], i) => member(i, name, ip));
  const etcdMembers = controllers.map(([name, ip], i) => k0sEtcdMember({ name, ip, memberId: IDS[i] }));
  const nodes = [
    node({ name: 'c1', ip: '203.0.113.5', roles: ['control-plane'], roleValue: 'true', kubeletVersion: 'v1.30.4+k0s', containerRuntime: 'containerd://1.7.20', osImage: 'Ubuntu 24.04 LTS' }),
    node({ name: 'w1', ip: '203.0.113.20', roles: [], roleValue: 'true', kubeletVersion: 'v1.30.4+k0s', containerRuntime: 'containerd://1.7.20' }),
  ];
  return { distro: 'k0s', nodes, pods: [], etcdMembers, memberList };
}

/** kubeadm stacked etcd: control-plane nodes labelled "", etcd static pods with --name=<node>. */
export function kubeadmCluster(): ClusterFixture {
  const cps = [['kcp-1', '10.0.0.11'], ['kcp-2', '10.0.0.12'], ['kcp-3', '10.0.0.13']] as const;
  const memberList = cps.map(([name, ip], i) => member(i, name, ip));
  const nodes = cps.map(([name, ip]) => node({
    name, ip, roles: ['control-plane'], roleValue: '', kubeletVersion: 'v1.30.4', containerRuntime: 'containerd://1.7.13',
    labels: { 'node.kubernetes.io/exclude-from-external-load-balancers': '' },
    annotations: { 'kubeadm.alpha.kubernetes.io/cri-socket': 'unix:///var/run/containerd/containerd.sock' },
  }));
  const initial = cps.map(([n, ip]) => `${n}=https://${ip}:2380`).join(',');
  const pods = cps.map(([name, ip]) => etcdStaticPod({ node: name, ip, style: 'kubeadm', initialCluster: initial }));
  return { distro: 'kubeadm', nodes, pods, etcdMembers: [], memberList };
}
