// What discovery reports about one node.
import { ConnectionProfile } from '../etcd/profile';
import { Finding } from '../findings';

export type DistroName = 'k3s' | 'rke2' | 'k0s' | 'kubeadm';

export interface DistroReport {
  distro: DistroName;
  /** server / agent (k3s, RKE2), controller / worker (k0s), control-plane / external-etcd-client (kubeadm). */
  role: string;
  /** The paths that gave the distribution away (real paths). */
  evidence: string[];
  profiles: ConnectionProfile[];
  findings: Finding[];
}

export interface DiscoveryResult {
  root: string;
  /** The distribution this node runs, or null when none was found. */
  distro: DistroName | null;
  role: string | null;
  detected: { distro: DistroName; role: string; evidence: string[] }[];
  profiles: ConnectionProfile[];
  findings: Finding[];
}
