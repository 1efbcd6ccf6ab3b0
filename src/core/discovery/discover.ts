// Which Kubernetes distribution runs on this node, and how to reach its etcd: connection profiles with every
// known member endpoint and the certificate files that exist, plus findings about what was found.
import * as path from 'node:path';
import { bySeverity, finding } from '../findings';
import { discoverK0s } from './k0s';
import { discoverKubeadm } from './kubeadm';
import { NodeFs } from './node-fs';
import { discoverRancher, K3S, RKE2 } from './rancher';
import { DiscoveryResult, DistroReport } from './types';

export interface DiscoverOptions {
  /** Where the node's filesystem starts; "/" on a real node, a fake tree in tests. */
  root?: string;
}

export function discover(opts: DiscoverOptions = {}): DiscoveryResult {
  const root = path.resolve(opts.root ?? '/');
  const nfs = new NodeFs(root);
  const reports = [discoverRancher(nfs, K3S), discoverRancher(nfs, RKE2), discoverK0s(nfs), discoverKubeadm(nfs)]
    .filter((r): r is DistroReport => r !== null);
  if (reports.length === 0) {
    return {
      root, distro: null, role: null, detected: [], profiles: [],
      findings: [finding('info', 'no-distro-found', root,
        `No k3s, RKE2, k0s or kubeadm installation found${root === '/' ? '' : ` under ${root}`}.`,
        'Run this on a control-plane node (e.g. over Remote-SSH), or give the etcd endpoints and certificates explicitly.')],
    };
  }
  // A node with an etcd to talk to says more about what it is than leftovers of another distribution.
  const primary = reports.find((r) => r.profiles.length > 0) ?? reports[0];
  return {
    root,
    distro: primary.distro,
    role: primary.role,
    detected: reports.map((r) => ({ distro: r.distro, role: r.role, evidence: r.evidence })),
    profiles: reports.flatMap((r) => r.profiles),
    findings: reports.flatMap((r) => r.findings).sort(bySeverity),
  };
}
