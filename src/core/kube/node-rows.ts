// One row per control-plane node, the same for the tree and `etcd-ops nodes`: roles, conditions, the etcd
// member it runs (from the correlation) and its own kube-apiserver's readiness.
import { ApiserverReadiness, readinessSummary } from './apiserver-readiness';
import { Condition, NodeRole } from './model';
import { ControlPlaneSnapshot } from './snapshot';

export interface ControlPlaneNodeRow {
  name: string;
  roles: NodeRole[];
  ready: string;
  /** Conditions that need attention (Ready not True, pressures True). */
  problems: Condition[];
  kubeletVersion?: string;
  address?: string;
  /** The etcd member on this node: its name (or id) as etcd reports it, or the node's own claim. */
  etcdMember?: { id: string | null; name: string | null };
  apiserver?: ApiserverReadiness;
  /** "apiserver ready" / "apiserver not ready (etcd failed)" / …; undefined when not asked. */
  apiserverSummary?: string;
}

export function controlPlaneNodeRows(s: ControlPlaneSnapshot): ControlPlaneNodeRow[] {
  return s.nodes.map((n) => {
    const link = s.correlation.links.find((l) => l.node === n.name);
    const apiserver = s.apiservers.find((a) => a.node === n.name);
    return {
      name: n.name,
      roles: n.roles,
      ready: n.ready,
      problems: [...(n.ready !== 'True' && n.readyCondition ? [n.readyCondition] : []), ...n.pressures],
      kubeletVersion: n.kubeletVersion,
      address: n.addresses.find((a) => a.type === 'InternalIP')?.address,
      etcdMember: link ? { id: link.memberId, name: link.memberName } : undefined,
      apiserver,
      apiserverSummary: apiserver ? readinessSummary(apiserver) : undefined,
    };
  });
}
