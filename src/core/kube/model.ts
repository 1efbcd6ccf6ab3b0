// What the product keeps of the Kubernetes control plane: plain data, the same whether it came from a list
// (client-node model classes, dates as Date) or a watch event (raw JSON, dates as strings).

export type ConditionStatus = 'True' | 'False' | 'Unknown';

export interface Condition {
  type: string;
  status: ConditionStatus;
  reason?: string;
  message?: string;
  lastTransitionTime?: string;
}

export type NodeRole = 'control-plane' | 'master' | 'etcd';

/** Conditions that mean trouble when True. */
export const PRESSURE_CONDITIONS = ['MemoryPressure', 'DiskPressure', 'PIDPressure', 'NetworkUnavailable'] as const;

export interface NodeAddress {
  type: string;
  address: string;
}

/** The k3s/RKE2 annotations that name the etcd member living on a node. */
export interface EtcdNodeAnnotation {
  product: 'k3s' | 'rke2';
  memberName?: string;
  address?: string;
}

export interface ControlPlaneNode {
  name: string;
  roles: NodeRole[];
  /** The Ready condition's status; Unknown when the node reports none. */
  ready: ConditionStatus;
  readyCondition?: Condition;
  /** Pressure conditions currently True. */
  pressures: Condition[];
  conditions: Condition[];
  kubeletVersion?: string;
  addresses: NodeAddress[];
  unschedulable: boolean;
  etcdAnnotation?: EtcdNodeAnnotation;
  /** Which distribution the kubelet version names (v1.30.5+k3s1 -> k3s), if any. */
  distro?: 'k3s' | 'rke2' | 'k0s' | 'kubeadm';
}

/** A k0s EtcdMember custom resource (etcd.k0sproject.io/v1beta1, cluster-scoped). */
export interface K0sEtcdMember {
  name: string;
  /** Lower-case hex, as etcdctl prints it; null before k0s wrote it. */
  memberId: string | null;
  peerAddress?: string;
  /** spec.leave: the operator asked k0s to remove this member. */
  leave: boolean;
  joined: ConditionStatus;
  joinedMessage?: string;
  reconcileStatus?: string;
  message?: string;
}

/** An etcd static pod (`etcd-<node>` in kube-system), as kubeadm and RKE2 run etcd. */
export interface EtcdPod {
  name: string;
  nodeName?: string;
  phase?: string;
  ready: boolean;
  hostIP?: string;
  podIPs: string[];
  /** etcd's --name, when the pod's command line gives it (kubeadm). */
  memberName?: string;
  /** etcd's advertised client URLs (kubeadm annotation or --advertise-client-urls). */
  advertiseClientUrls: string[];
}

/** An etcd member as the etcd member list reports it (ids in hex). */
export interface EtcdMemberRef {
  id: string;
  name: string;
  peerURLs: string[];
  clientURLs: string[];
}
