// Links Kubernetes nodes to etcd members, so a view can say "member 8e9e05c52164694d runs on node cp-2".
// Evidence, strongest first: the k3s/RKE2 node annotation naming the member, the annotation's address in the
// member's URLs, the k0s EtcdMember memberID, the etcd static pod on the node, a node address in the member's
// URLs, and finally equal names (kubeadm names members after nodes).
import { Finding, finding } from '../findings';
import { paddedHex, sameId } from '../ids';
import { ControlPlaneNode, EtcdMemberRef, EtcdPod, K0sEtcdMember } from './model';

export type LinkReason = 'annotation-name' | 'annotation-address' | 'k0s-member-id' | 'static-pod' | 'address' | 'name';

export interface MemberLink {
  memberId: string | null;
  memberName: string | null;
  node: string | null;
  k0sMember: K0sEtcdMember | null;
  pod: string | null;
  /** Every piece of evidence that points at `node`. */
  via: LinkReason[];
  /** Whether the etcd member list contains this member; null when no member list was given. */
  inMemberList: boolean | null;
}

export interface Correlation {
  links: MemberLink[];
  /** Nodes with the etcd role that no member maps to (only judged when a member list was given). */
  nodesWithoutMember: string[];
  findings: Finding[];
}

function hostOf(url: string): string | null {
  try {
    return new URL(url).hostname.replace(/^\[|\]$/g, '').toLowerCase();
  } catch {
    return null;
  }
}

const isLoopback = (h: string) => h === 'localhost' || h.startsWith('127.') || h === '::1';

function memberHosts(m: EtcdMemberRef): Set<string> {
  const hosts = [...m.peerURLs, ...m.clientURLs].map(hostOf).filter((h): h is string => h !== null && !isLoopback(h));
  return new Set(hosts);
}

function podHosts(p: EtcdPod): string[] {
  return [...p.advertiseClientUrls.map(hostOf), p.hostIP, ...p.podIPs]
    .filter((h): h is string => Boolean(h) && !isLoopback(h!)).map((h) => h.toLowerCase());
}

function findPod(m: EtcdMemberRef, hosts: Set<string>, pods: EtcdPod[]): EtcdPod | undefined {
  return pods.find((p) => (p.memberName !== undefined && p.memberName === m.name) || podHosts(p).some((h) => hosts.has(h)));
}

function linkMember(m: EtcdMemberRef, nodes: ControlPlaneNode[], k0sMembers: K0sEtcdMember[], pods: EtcdPod[]): MemberLink {
  const hosts = memberHosts(m);
  const byName = new Map(nodes.map((n) => [n.name, n]));
  const evidence: [string, MemberLink['via'][number]][] = [];
  for (const n of nodes) {
    if (n.etcdAnnotation?.memberName && m.name && n.etcdAnnotation.memberName === m.name) evidence.push([n.name, 'annotation-name']);
  }
  for (const n of nodes) {
    if (n.etcdAnnotation?.address && hosts.has(n.etcdAnnotation.address.toLowerCase())) evidence.push([n.name, 'annotation-address']);
  }
  const k0s = k0sMembers.find((k) => sameId(k.memberId, m.id)) ?? k0sMembers.find((k) => !k.memberId && k.name === m.name) ?? null;
  if (k0s && byName.has(k0s.name)) evidence.push([k0s.name, 'k0s-member-id']);
  const pod = findPod(m, hosts, pods);
  if (pod?.nodeName && byName.has(pod.nodeName)) evidence.push([pod.nodeName, 'static-pod']);
  for (const n of nodes) {
    if (n.addresses.some((a) => hosts.has(a.address.toLowerCase()))) evidence.push([n.name, 'address']);
  }
  if (m.name && byName.has(m.name)) evidence.push([m.name, 'name']);
  const node = evidence[0]?.[0] ?? null;
  return {
    memberId: m.id, memberName: m.name || null, node, k0sMember: k0s, pod: pod?.name ?? null,
    via: [...new Set(evidence.filter(([n]) => n === node).map(([, r]) => r))],
    inMemberList: true,
  };
}

/** Without a member list: what Kubernetes alone says about which node holds which member. */
function linksFromKubernetes(nodes: ControlPlaneNode[], k0sMembers: K0sEtcdMember[], pods: EtcdPod[]): MemberLink[] {
  const byName = new Set(nodes.map((n) => n.name));
  const links: MemberLink[] = [];
  const taken = new Set<string>();
  for (const k of k0sMembers) {
    const node = byName.has(k.name) ? k.name : null;
    if (node) taken.add(node);
    links.push({ memberId: k.memberId, memberName: k.name, node, k0sMember: k, pod: null, via: node ? ['name'] : [], inMemberList: null });
  }
  for (const n of nodes) {
    if (taken.has(n.name) || !n.etcdAnnotation?.memberName) continue;
    taken.add(n.name);
    links.push({ memberId: null, memberName: n.etcdAnnotation.memberName, node: n.name, k0sMember: null, pod: null, via: ['annotation-name'], inMemberList: null });
  }
  for (const p of pods) {
    const node = p.nodeName && byName.has(p.nodeName) ? p.nodeName : null;
    const existing = node ? links.find((l) => l.node === node) : undefined;
    if (existing) { existing.pod = p.name; continue; }
    if (node) taken.add(node);
    links.push({ memberId: null, memberName: p.memberName ?? null, node, k0sMember: null, pod: p.name, via: node ? ['static-pod'] : [], inMemberList: null });
  }
  return links;
}

function memberLabel(l: MemberLink): string {
  const id = l.memberId ? paddedHex(l.memberId) : null;
  return l.memberName && id ? `${l.memberName} (${id})` : (l.memberName ?? id ?? 'unknown member');
}

function correlationFindings(links: MemberLink[], nodesWithoutMember: string[], haveKubeView: boolean, memberListGiven: boolean): Finding[] {
  const out: Finding[] = [];
  for (const l of links) {
    const label = memberLabel(l);
    if (memberListGiven && l.inMemberList && !l.node && !l.k0sMember && haveKubeView) {
      if (!l.memberName) {
        out.push(finding('info', 'etcd-member-not-started', label,
          `etcd member ${label} is in the member list but has not started yet, so no node can be matched to it.`,
          'Wait for the joining node to start etcd; if it never does, remove the member before it blocks quorum changes.',
          { transient: true }));
      } else {
        out.push(finding('warning', 'etcd-member-without-node', label,
          `etcd member ${label} matches no Kubernetes node (no annotation, static pod, EtcdMember or address points at it).`,
          'Find the machine that runs it. If that machine is gone for good, remove the member (after checking quorum) so a failure elsewhere cannot cost quorum.',
          l.memberId ? { command: `etcdctl member remove ${paddedHex(l.memberId)}` } : {}));
      }
    }
    const k = l.k0sMember;
    if (!k) continue;
    const stillMember = memberListGiven ? l.inMemberList === true : k.joined === 'True';
    if (k.leave && stillMember) {
      out.push(finding('warning', 'k0s-member-leave-pending', `EtcdMember/${k.name}`,
        `EtcdMember ${k.name} has spec.leave: true but ${memberListGiven ? 'is still in the etcd member list' : 'still reports Joined=True'}`
          + `${k.reconcileStatus ? ` (reconcile status ${k.reconcileStatus}${k.message ? `: ${k.message}` : ''})` : ''}.`,
        'k0s removes the member on its next reconcile. If it stays, check whether it is the etcd leader: move leadership to another member first, then let k0s retry (the reconciler runs on the leader).'));
    }
    if (!k.leave && k.joined === 'False') {
      out.push(finding('error', 'k0s-member-not-joined', `EtcdMember/${k.name}`,
        `EtcdMember ${k.name} reports Joined=False${k.joinedMessage ? `: ${k.joinedMessage}` : ''}.`,
        'Check the k0s controller log on that node. Before restarting it, check its etcd data dir (member/snap/db): a controller with certificates but no etcd data must join, not bootstrap a new cluster.'));
    }
  }
  for (const n of nodesWithoutMember) {
    out.push(finding('warning', 'etcd-node-without-member', n,
      `Node ${n} has the etcd role but no etcd member maps to it.`,
      'Check that etcd runs on the node and joined this cluster (not a separate one); look at its etcd log for "cluster ID mismatch".'));
  }
  return out;
}

/**
 * Links nodes to etcd members. `etcdMembers` may be empty when etcd is not reachable: then the links come
 * from Kubernetes alone and nothing is said about members missing from either side.
 */
export function correlate(nodes: ControlPlaneNode[], etcdMembers: EtcdMemberRef[], k0sMembers: K0sEtcdMember[], pods: EtcdPod[]): Correlation {
  const memberListGiven = etcdMembers.length > 0;
  let links: MemberLink[];
  let nodesWithoutMember: string[] = [];
  if (memberListGiven) {
    links = etcdMembers.map((m) => linkMember(m, nodes, k0sMembers, pods));
    for (const k of k0sMembers) {
      if (links.some((l) => l.k0sMember === k)) continue;
      const node = nodes.some((n) => n.name === k.name) ? k.name : null;
      links.push({ memberId: k.memberId, memberName: k.name, node, k0sMember: k, pod: null, via: node ? ['name'] : [], inMemberList: false });
    }
    const linked = new Set(links.filter((l) => l.inMemberList).map((l) => l.node));
    nodesWithoutMember = nodes.filter((n) => n.roles.includes('etcd') && !linked.has(n.name)).map((n) => n.name);
  } else {
    links = linksFromKubernetes(nodes, k0sMembers, pods);
  }
  const haveKubeView = nodes.length > 0 || k0sMembers.length > 0;
  return { links, nodesWithoutMember, findings: correlationFindings(links, nodesWithoutMember, haveKubeView, memberListGiven) };
}
