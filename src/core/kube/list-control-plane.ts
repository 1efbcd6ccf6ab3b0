// One-shot read of the control plane for the CLI: nodes, etcd static pods, k0s EtcdMembers, server version.
// Nodes are required; the other parts degrade to a "problem" line when they cannot be read.
import { apiserverPort, probeApiservers } from './apiserver-readiness';
import { DEFAULT_REQUEST_TIMEOUT_MS, KubeSession, KubeTarget } from './client';
import { KubeError } from './errors';
import { EtcdMemberRef } from './model';
import { toControlPlaneNode, toEtcdPod, toK0sEtcdMember, isEtcdPod } from './objects';
import { buildSnapshot, ControlPlaneSnapshot } from './snapshot';

export interface ListControlPlaneOptions {
  requestTimeoutMs?: number;
  /** The etcd member list, when the caller has it: enables member <-> node findings. */
  etcdMembers?: EtcdMemberRef[];
  /** Also ask each control-plane node's kube-apiserver for /readyz (at its InternalIP, this port: default the kubeconfig server's). */
  probeApiservers?: boolean | { port?: number };
  /** The --etcd-servers of a node's API server, when known (names them in readiness findings). */
  etcdServersOf?: (node: string) => string[] | undefined;
}

const present = <T>(v: T | null): v is T => v !== null;

/** Reads the control plane of one kube context. Rejects only with KubeError. */
export async function listControlPlane(target: KubeTarget | string, opts: ListControlPlaneOptions = {}): Promise<ControlPlaneSnapshot> {
  const t: KubeTarget = typeof target === 'string' ? { context: target } : target;
  const session = await KubeSession.open(t, opts.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS);
  const [nodes, pods, k0s, version] = await Promise.allSettled([
    session.listNodes(), session.listEtcdPods(), session.listK0sEtcdMembers(), session.version(),
  ]);
  if (nodes.status === 'rejected') throw nodes.reason as KubeError;
  const cpNodes = nodes.value.items.map(toControlPlaneNode).filter(present);
  const probe = opts.probeApiservers;
  const port = typeof probe === 'object' && probe.port ? probe.port : apiserverPort(session.server);
  const apiservers = probe ? await probeApiservers(session, cpNodes, port) : [];
  const problems: string[] = [];
  if (pods.status === 'rejected') problems.push((pods.reason as Error).message);
  let k0sMembers = null;
  if (k0s.status === 'fulfilled') k0sMembers = k0s.value.items.map(toK0sEtcdMember).filter(present);
  else if ((k0s.reason as KubeError).kind !== 'not-found') problems.push((k0s.reason as Error).message);
  return buildSnapshot({
    context: session.context,
    server: session.server,
    serverVersion: version.status === 'fulfilled' ? version.value.gitVersion : undefined,
    nodes: cpNodes,
    apiservers,
    etcdServersOf: opts.etcdServersOf,
    k0sMembers,
    etcdPods: pods.status === 'fulfilled' ? pods.value.items.filter(isEtcdPod).map(toEtcdPod).filter(present) : [],
    problems,
  }, opts.etcdMembers);
}
