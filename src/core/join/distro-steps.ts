// What joining a node looks like on each distribution: where it keeps etcd's data dir, how its service is
// stopped, the address a joining node talks to, and the steps in order. k3s, RKE2, k0s and kubeadm add the
// etcd member themselves, so for them the tool only checks and guides; plain etcd joins through add-member.
// Pure: no I/O, so every distro's wording is unit-tested.
import { isLoopbackHost } from '../discovery/endpoints';
import { shellQuote } from '../format';

export type JoinDistro = 'k3s' | 'rke2' | 'k0s' | 'kubeadm' | 'etcd';
export const JOIN_DISTROS: readonly JoinDistro[] = ['k3s', 'rke2', 'k0s', 'kubeadm', 'etcd'];

export interface JoinStep {
  /** Where to run it: this (joining) node, the target member's node, or any machine that reaches the cluster. */
  where: 'this node' | 'target' | 'any';
  text: string;
  command?: string;
}

interface DistroFacts {
  label: string;
  /** The etcd data dir on a node of this distro. */
  dataDir: string;
  stop: string;
  start: string;
  /** How the distro's own join adds the etcd member: the quorum rules differ. */
  addsAs: 'learner' | 'voter';
}

const FACTS: Record<JoinDistro, DistroFacts> = {
  k3s: { label: 'k3s', dataDir: '/var/lib/rancher/k3s/server/db/etcd', stop: 'systemctl stop k3s', start: 'systemctl start k3s', addsAs: 'learner' },
  rke2: { label: 'RKE2', dataDir: '/var/lib/rancher/rke2/server/db/etcd', stop: 'systemctl stop rke2-server', start: 'systemctl start rke2-server', addsAs: 'learner' },
  k0s: { label: 'k0s', dataDir: '/var/lib/k0s/etcd', stop: 'k0s stop', start: 'k0s start', addsAs: 'voter' },
  // kubeadm joins etcd as a learner since EtcdLearnerMode (default on from 1.29); etcd is a static pod.
  kubeadm: { label: 'kubeadm', dataDir: '/var/lib/etcd', stop: 'systemctl stop kubelet', start: 'systemctl start kubelet', addsAs: 'learner' },
  etcd: { label: 'etcd', dataDir: '/var/lib/etcd', stop: 'systemctl stop etcd', start: 'systemctl start etcd', addsAs: 'learner' },
};

export function distroLabel(d: JoinDistro): string {
  return FACTS[d].label;
}

export function defaultDataDir(d: JoinDistro): string {
  return FACTS[d].dataDir;
}

export function stopCommand(d: JoinDistro): string {
  return FACTS[d].stop;
}

/** Whether the distro's own join adds the new member as a learner (then promotes it) or directly as a voter. */
export function addsMemberAs(d: JoinDistro): 'learner' | 'voter' {
  return FACTS[d].addsAs;
}

/** Moves a directory aside under a dated name, keeping it as a backup: `mv DIR DIR.bak-20261202143000`. */
export function moveAsideCommand(dir: string): string {
  return `mv ${shellQuote(dir)} ${shellQuote(dir)}.bak-$(date +%Y%m%d%H%M%S)`;
}

function hostOf(url: string): string | null {
  try { return new URL(url).hostname || null; } catch { return null; }
}

/**
 * The host other nodes reach a member at: its client URL's, unless that is loopback (k0s listens on
 * 127.0.0.1 only), then its peer URL's.
 */
export function memberHost(m: { clientURLs: string[]; peerURLs: string[] }): string | null {
  const hosts = [...m.clientURLs, ...m.peerURLs].map(hostOf).filter((h): h is string => Boolean(h));
  return hosts.find((h) => !isLoopbackHost(h)) ?? hosts[0] ?? null;
}

/**
 * The address a joining node of this distro is pointed at on the target: the k3s/RKE2 supervisor
 * (https://host:9345), the k0s controller API (https://host:9443), the Kubernetes API for kubeadm
 * (host:6443), the member's client URL for plain etcd.
 */
export function joinAddress(d: JoinDistro, target: { clientURLs: string[]; peerURLs: string[] }): string | null {
  if (d === 'etcd') return target.clientURLs[0] ?? null;
  const host = memberHost(target);
  if (!host) return null;
  if (d === 'k3s' || d === 'rke2') return `https://${host}:9345`;
  if (d === 'k0s') return `https://${host}:9443`;
  return `${host}:6443`;
}

export interface StepsInput {
  distro: JoinDistro;
  /** The chosen target; null when none qualifies (the steps then say to find one first). */
  target: { name: string; clientURL: string; joinAddress: string | null } | null;
  /** Directories to move aside before joining (the data dir, or the certificates of a half-done join). */
  moveAside: string[];
  /** The distro's config file a k3s/RKE2 node reads `server:` from. */
  configFile?: string;
  /** For plain etcd: the new member's name and peer URLs, as given. */
  name?: string | null;
  peerURLs?: string[];
  /** Every endpoint of the cluster, for the commands that talk to it. */
  endpoints: string[];
  /** The node's data dir is already a member (or learner) of this cluster: it restarts, it does not join. */
  alreadyMember?: boolean;
}

function clearSteps(input: StepsInput): JoinStep[] {
  if (!input.moveAside.length) return [];
  return [
    { where: 'this node', text: `Stop ${distroLabel(input.distro)} on this node before touching its files.`, command: stopCommand(input.distro) },
    ...input.moveAside.map((dir): JoinStep => ({ where: 'this node', text: `Move ${dir} aside, keeping it as a backup (never delete it).`, command: moveAsideCommand(dir) })),
  ];
}

function verifyStep(input: StepsInput): JoinStep {
  return { where: 'any', text: 'Check that the new member is listed, started and, once caught up, a voter.',
    command: `etcd-ops status --endpoints ${shellQuote(input.endpoints.join(','))}` };
}

/** The steps, in order, for joining this node on its distro. */
export function joinSteps(input: StepsInput): JoinStep[] {
  const t = input.target;
  const name = t ? `${t.name} (${t.clientURL})` : 'a healthy voter';
  const address = t?.joinAddress ?? '<target-address>';
  if (input.alreadyMember) {
    return [
      { where: 'this node', text: `Do not join again: this node's data dir is already a member. Start ${distroLabel(input.distro)} on it as it is.`, command: FACTS[input.distro].start },
      verifyStep(input),
    ];
  }
  const steps: JoinStep[] = [...clearSteps(input)];
  switch (input.distro) {
    case 'k3s':
    case 'rke2': {
      const product = input.distro;
      const config = input.configFile ?? `/etc/rancher/${product}/config.yaml`;
      steps.push(
        { where: 'target', text: `Read the cluster's join token on ${name}.`, command: `cat /var/lib/rancher/${product}/server/token` },
        { where: 'this node', text: `In ${config} set "server: ${address}" (the supervisor of ${name}, chosen from live health) and "token:" to that token. Once joined, a fixed registration address that reaches every server (load balancer, VIP, DNS) is safer than one server.` },
        { where: 'this node', text: `Start ${distroLabel(input.distro)}: it adds this node's etcd member as a learner and promotes it once caught up.`, command: FACTS[input.distro].start },
      );
      break;
    }
    case 'k0s':
      steps.push(
        { where: 'target', text: `Create a controller join token on ${name}.`, command: 'k0s token create --role=controller --expiry=1h > controller.token' },
        { where: 'this node', text: `Copy controller.token here, then install and start the controller with it: k0s adds this node's etcd member through ${address}.`,
          command: 'k0s install controller --token-file controller.token && k0s start' },
      );
      break;
    case 'kubeadm':
      steps.push(
        { where: 'target', text: `On ${name}, print a join command and upload the control-plane certificates (note the certificate key it prints).`,
          command: 'kubeadm token create --print-join-command && kubeadm init phase upload-certs --upload-certs' },
        { where: 'this node', text: `Join as a control-plane node through ${address}: kubeadm 1.29 and later (EtcdLearnerMode) add the etcd member as a learner and promote it; older releases add a voter, which with a member down leaves no quorum until this node has started.`,
          command: `kubeadm join ${address} --token <token> --discovery-token-ca-cert-hash sha256:<hash> --control-plane --certificate-key <key>` },
      );
      break;
    case 'etcd': {
      const memberName = input.name ?? '<member-name>';
      const peers = input.peerURLs?.length ? input.peerURLs.join(',') : 'https://<this-node-ip>:2380';
      const via = t ? t.clientURL : input.endpoints.join(',');
      steps.push(
        { where: 'any', text: `Add this node as a learner through ${name} (it prints the ETCD_* environment the new member needs).`,
          command: `etcd-ops add-member --name ${shellQuote(memberName)} --peer-urls ${shellQuote(peers)} --endpoints ${shellQuote(via)}` },
        { where: 'this node', text: `Start etcd here on an empty data dir with the printed ETCD_INITIAL_CLUSTER, ETCD_INITIAL_ADVERTISE_PEER_URLS and ETCD_INITIAL_CLUSTER_STATE=existing.` },
        { where: 'any', text: 'Promote the learner once it has caught up.', command: `etcd-ops promote-member --member ${shellQuote(memberName)} --wait 300 --endpoints ${shellQuote(input.endpoints.join(','))}` },
      );
      break;
    }
  }
  steps.push(verifyStep(input));
  return steps;
}
