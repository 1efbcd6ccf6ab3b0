// Findings about control-plane nodes and etcd static pods as Kubernetes reports them.
import { Finding, finding } from '../findings';
import { ControlPlaneNode, EtcdPod } from './model';

const PRESSURE_ADVICE: Record<string, string> = {
  MemoryPressure: 'Free memory on the node; etcd and the API server are evicted or OOM-killed under memory pressure.',
  DiskPressure: 'Free disk space on the node (etcd data dir, images, logs). etcd raises a NOSPACE alarm and stops writes when its disk fills.',
  PIDPressure: 'Find the process leaking PIDs on the node; new processes (probes, etcd restarts) fail when PIDs run out.',
  NetworkUnavailable: 'Check the CNI on the node; its pods cannot reach the cluster network.',
};

function since(t: string | undefined): string {
  return t ? ` since ${t}` : '';
}

export function nodeFindings(nodes: ControlPlaneNode[]): Finding[] {
  const out: Finding[] = [];
  for (const n of nodes) {
    const etcd = n.roles.includes('etcd') ? ' It runs an etcd member: count it as down when judging quorum.' : '';
    if (n.ready !== 'True') {
      const c = n.readyCondition;
      const why = !c ? 'reports no Ready condition'
        : c.status === 'Unknown' ? `stopped reporting status (Ready=Unknown${c.reason ? `, ${c.reason}` : ''})`
          : `is NotReady${c.reason ? ` (${c.reason}${c.message ? `: ${c.message}` : ''})` : ''}`;
      out.push(finding('error', 'control-plane-node-not-ready', n.name,
        `Control-plane node ${n.name} ${why}${since(c?.lastTransitionTime)}.${etcd}`,
        'Check the kubelet and the container runtime on the node (systemctl status, journalctl); before any etcd member change, confirm whether its etcd still runs.'));
    }
    for (const p of n.pressures) {
      out.push(finding('warning', 'control-plane-node-pressure', n.name,
        `Control-plane node ${n.name} reports ${p.type}${p.message ? `: ${p.message}` : ''}${since(p.lastTransitionTime)}.`,
        PRESSURE_ADVICE[p.type] ?? 'Relieve the pressure on the node.'));
    }
  }
  return out;
}

export function etcdPodFindings(pods: EtcdPod[]): Finding[] {
  return pods.filter((p) => !p.ready).map((p) => finding('warning', 'etcd-pod-not-ready', `kube-system/${p.name}`,
    `etcd static pod ${p.name}${p.nodeName ? ` on ${p.nodeName}` : ''} is not ready (phase ${p.phase ?? 'unknown'}).`,
    'Look at the pod log (crictl logs on the node if the API is degraded); check the member with etcd-ops status before restarting anything.',
    { transient: p.phase === 'Pending' }));
}
