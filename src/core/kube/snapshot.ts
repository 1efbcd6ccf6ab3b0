// One consistent picture of the control plane as Kubernetes sees it, with its correlation and findings.
import { bySeverity, Finding } from '../findings';
import { ApiserverReadiness, readinessFindings } from './apiserver-readiness';
import { correlate, Correlation } from './correlate';
import { ControlPlaneNode, EtcdMemberRef, EtcdPod, K0sEtcdMember } from './model';
import { etcdPodFindings, nodeFindings } from './node-findings';

export interface ControlPlaneSnapshot {
  context: string;
  server: string;
  serverVersion?: string;
  /** Nodes with a control-plane, master or etcd role label, by name. */
  nodes: ControlPlaneNode[];
  /** k0s EtcdMember resources; null where the cluster does not serve that CRD (not k0s). */
  k0sMembers: K0sEtcdMember[] | null;
  etcdPods: EtcdPod[];
  /** Each control-plane node's own kube-apiserver readiness, when it was asked (empty otherwise). */
  apiservers: ApiserverReadiness[];
  correlation: Correlation;
  findings: Finding[];
  /** Parts that could not be read (e.g. pods forbidden); the rest of the snapshot stands. */
  problems: string[];
  /** 'live' while the node list is current; 'reconnecting' after an error, until the watch is back. */
  state: 'live' | 'reconnecting';
  /** The error behind 'reconnecting'. */
  error?: string;
  at: string;
}

export interface SnapshotParts {
  context: string;
  server: string;
  serverVersion?: string;
  nodes: ControlPlaneNode[];
  k0sMembers: K0sEtcdMember[] | null;
  etcdPods: EtcdPod[];
  apiservers?: ApiserverReadiness[];
  /** The --etcd-servers of a node's API server, when this machine's files say (for readiness findings). */
  etcdServersOf?: (node: string) => string[] | undefined;
  problems?: string[];
  state?: ControlPlaneSnapshot['state'];
  error?: string;
}

const byName = <T extends { name: string }>(a: T, b: T) => a.name.localeCompare(b.name);

export function buildSnapshot(parts: SnapshotParts, etcdMembers: EtcdMemberRef[] = []): ControlPlaneSnapshot {
  const nodes = [...parts.nodes].sort(byName);
  const k0sMembers = parts.k0sMembers ? [...parts.k0sMembers].sort(byName) : null;
  const etcdPods = [...parts.etcdPods].sort(byName);
  const correlation = correlate(nodes, etcdMembers, k0sMembers ?? [], etcdPods);
  const apiservers = [...(parts.apiservers ?? [])].sort((a, b) => a.node.localeCompare(b.node));
  const findings = [...nodeFindings(nodes), ...etcdPodFindings(etcdPods), ...correlation.findings,
    ...readinessFindings(apiservers, parts.etcdServersOf)].sort(bySeverity);
  return {
    context: parts.context, server: parts.server, serverVersion: parts.serverVersion,
    nodes, k0sMembers, etcdPods, apiservers, correlation, findings,
    problems: parts.problems ?? [],
    state: parts.state ?? 'live',
    error: parts.error,
    at: new Date().toISOString(),
  };
}
