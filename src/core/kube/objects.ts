// Converts Kubernetes objects (Node, Pod, k0s EtcdMember) into the model. Inputs are untyped on purpose: list
// calls return client-node model instances, watch events raw JSON; both have the same field names.
import { parseMemberId } from '../ids';
import {
  Condition, ConditionStatus, ControlPlaneNode, EtcdNodeAnnotation, EtcdPod, K0sEtcdMember, NodeAddress, NodeRole,
  PRESSURE_CONDITIONS,
} from './model';

type Obj = Record<string, unknown>;

const obj = (v: unknown): Obj => (typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Obj) : {});
const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);
const strMap = (v: unknown): Record<string, string> => {
  const out: Record<string, string> = {};
  for (const [k, val] of Object.entries(obj(v))) if (typeof val === 'string') out[k] = val;
  return out;
};

function time(v: unknown): string | undefined {
  if (v instanceof Date) return Number.isNaN(v.getTime()) ? undefined : v.toISOString();
  return str(v);
}

function conditionStatus(v: unknown): ConditionStatus {
  return v === 'True' || v === 'False' ? v : 'Unknown';
}

export function toCondition(v: unknown): Condition | null {
  const c = obj(v);
  const type = str(c.type);
  if (!type) return null;
  return {
    type, status: conditionStatus(c.status), reason: str(c.reason), message: str(c.message),
    lastTransitionTime: time(c.lastTransitionTime),
  };
}

const ROLE_LABELS: [string, NodeRole][] = [
  ['node-role.kubernetes.io/control-plane', 'control-plane'],
  ['node-role.kubernetes.io/master', 'master'],
  ['node-role.kubernetes.io/etcd', 'etcd'],
];

/** Roles from the node-role labels. k3s sets them to "true", kubeadm to ""; "false" means not set. */
export function nodeRoles(labels: Record<string, string>): NodeRole[] {
  return ROLE_LABELS.filter(([label]) => label in labels && labels[label] !== 'false').map(([, role]) => role);
}

function etcdAnnotation(annotations: Record<string, string>): EtcdNodeAnnotation | undefined {
  for (const product of ['k3s', 'rke2'] as const) {
    const memberName = str(annotations[`etcd.${product}.cattle.io/node-name`]);
    const address = str(annotations[`etcd.${product}.cattle.io/node-address`]);
    if (memberName || address) return { product, memberName, address };
  }
  return undefined;
}

function distroOf(kubeletVersion: string | undefined): ControlPlaneNode['distro'] {
  if (!kubeletVersion) return undefined;
  if (/\+k3s/.test(kubeletVersion)) return 'k3s';
  if (/\+rke2/.test(kubeletVersion)) return 'rke2';
  if (/\+k0s/.test(kubeletVersion)) return 'k0s';
  return /^v\d+\.\d+\.\d+$/.test(kubeletVersion) ? 'kubeadm' : undefined;
}

/** A Node object as the model sees it, or null when it carries no control-plane/master/etcd role label. */
export function toControlPlaneNode(v: unknown): ControlPlaneNode | null {
  const node = obj(v);
  const meta = obj(node.metadata);
  const name = str(meta.name);
  if (!name) return null;
  const roles = nodeRoles(strMap(meta.labels));
  if (roles.length === 0) return null;
  const status = obj(node.status);
  const conditions = arr(status.conditions).map(toCondition).filter((c): c is Condition => c !== null);
  const readyCondition = conditions.find((c) => c.type === 'Ready');
  const kubeletVersion = str(obj(status.nodeInfo).kubeletVersion);
  const addresses: NodeAddress[] = arr(status.addresses)
    .map((a) => ({ type: str(obj(a).type) ?? '', address: str(obj(a).address) ?? '' }))
    .filter((a) => a.address);
  return {
    name, roles,
    ready: readyCondition?.status ?? 'Unknown',
    readyCondition,
    pressures: conditions.filter((c) => (PRESSURE_CONDITIONS as readonly string[]).includes(c.type) && c.status === 'True'),
    conditions,
    kubeletVersion,
    addresses,
    unschedulable: obj(node.spec).unschedulable === true,
    etcdAnnotation: etcdAnnotation(strMap(meta.annotations)),
    distro: distroOf(kubeletVersion),
  };
}

export function toK0sEtcdMember(v: unknown): K0sEtcdMember | null {
  const m = obj(v);
  const name = str(obj(m.metadata).name);
  if (!name) return null;
  const status = obj(m.status);
  const joined = arr(status.conditions).map(toCondition).find((c) => c?.type === 'Joined') ?? undefined;
  const rawId = str(status.memberID);
  return {
    name,
    // k0s stores the id in hex; normalise padding and case so it compares with etcd's own.
    memberId: rawId ? (parseMemberId(rawId.startsWith('0x') ? rawId : `0x${rawId}`) ?? rawId.toLowerCase()) : null,
    peerAddress: str(status.peerAddress),
    leave: obj(m.spec).leave === true,
    joined: joined?.status ?? 'Unknown',
    joinedMessage: joined?.message,
    reconcileStatus: str(status.reconcileStatus),
    message: str(status.message),
  };
}

/** Reads `--flag=value` (or `--flag value`) from a container command line. */
function flagValue(args: string[], flag: string): string | undefined {
  for (let i = 0; i < args.length; i++) {
    if (args[i].startsWith(`${flag}=`)) return args[i].slice(flag.length + 1);
    if (args[i] === flag && i + 1 < args.length) return args[i + 1];
  }
  return undefined;
}

const splitUrls = (s: string | undefined): string[] => (s ? s.split(',').map((u) => u.trim()).filter(Boolean) : []);

/** True for pods that are etcd's static pod: label component=etcd, or the `etcd-<node>` mirror pod name. */
export function isEtcdPod(v: unknown): boolean {
  const meta = obj(obj(v).metadata);
  return strMap(meta.labels).component === 'etcd' || (str(meta.name) ?? '').startsWith('etcd-');
}

export function toEtcdPod(v: unknown): EtcdPod | null {
  const pod = obj(v);
  const meta = obj(pod.metadata);
  const name = str(meta.name);
  if (!name) return null;
  const spec = obj(pod.spec);
  const status = obj(pod.status);
  const container = arr(spec.containers).map(obj).find((c) => str(c.name) === 'etcd') ?? obj(arr(spec.containers)[0]);
  const args = [...arr(container.command), ...arr(container.args)].filter((a): a is string => typeof a === 'string');
  const annotations = strMap(meta.annotations);
  const podIPs = arr(status.podIPs).map((p) => str(obj(p).ip)).filter((ip): ip is string => Boolean(ip));
  const podIP = str(status.podIP);
  if (podIP && !podIPs.includes(podIP)) podIPs.unshift(podIP);
  const ready = arr(status.conditions).map(toCondition).find((c) => c?.type === 'Ready')?.status === 'True';
  return {
    name,
    nodeName: str(spec.nodeName),
    phase: str(status.phase),
    ready,
    hostIP: str(status.hostIP),
    podIPs,
    memberName: flagValue(args, '--name'),
    advertiseClientUrls: splitUrls(annotations['kubeadm.kubernetes.io/etcd.advertise-client-urls'] ?? flagValue(args, '--advertise-client-urls')),
  };
}
