// Which etcd servers this node's kube-apiserver talks to, from where each distribution keeps that: the kubeadm
// and RKE2 static pod manifests (--etcd-servers), k3s/RKE2 config.yaml (`kube-apiserver-arg: [etcd-servers=…]`,
// k3s `datastore-endpoint`). Checked against the live member list: an API server that lists one etcd server
// fails with it (the k3s first-server outage), and one that lists removed members has fewer servers than it seems.
import { ClusterHealth, MemberHealth } from '../cluster-model';
import { Finding, finding } from '../findings';
import { isLoopbackHost } from './endpoints';
import { flagValue } from './etcd-settings';
import { NodeFs } from './node-fs';
import { isRecord, lineContaining } from './yaml';
import { readYamlDocuments, readYamlFile } from './yaml-file';

export interface ApiserverEtcdServers {
  distro: 'kubeadm' | 'rke2' | 'k3s';
  /** The --etcd-servers list in order. */
  servers: string[];
  /** The file (real path) and line that set it. */
  file: { path: string; line?: number };
  /** How the file names the setting, for messages: `--etcd-servers`, `datastore-endpoint`, … */
  setting: string;
}

const MANIFESTS: [ApiserverEtcdServers['distro'], string][] = [
  ['kubeadm', '/etc/kubernetes/manifests/kube-apiserver.yaml'],
  ['rke2', '/var/lib/rancher/rke2/agent/pod-manifests/kube-apiserver.yaml'],
];
const CONFIGS: [ApiserverEtcdServers['distro'], string][] = [['k3s', '/etc/rancher/k3s'], ['rke2', '/etc/rancher/rke2']];

const splitList = (v: string) => v.split(',').map((s) => s.trim()).filter(Boolean);

/** The kube-apiserver container's command line in a static pod manifest, or null. */
function manifestArgs(nfs: NodeFs, nodePath: string, findings: Finding[]): { path: string; text: string; args: string[] } | null {
  const file = readYamlDocuments(nfs, nodePath, 'kube-apiserver static pod manifest', findings);
  if (!file) return null;
  const pod = file.docs.find((d) => d.kind === 'Pod') ?? file.docs[0];
  const containers = (isRecord(pod?.spec) && Array.isArray(pod.spec.containers) ? pod.spec.containers : []).filter(isRecord);
  const c = containers.find((x) => x.name === 'kube-apiserver') ?? containers[0];
  if (!c) return null;
  const args = [...(Array.isArray(c.command) ? c.command : []), ...(Array.isArray(c.args) ? c.args : [])].filter((a): a is string => typeof a === 'string');
  return { path: file.path, text: file.text, args };
}

/** `kube-apiserver-arg` (a list or one string) from config.yaml and its drop-ins; the last file that sets it wins. */
function configEtcdServers(nfs: NodeFs, distro: ApiserverEtcdServers['distro'], dir: string, findings: Finding[]): ApiserverEtcdServers | null {
  const dropIns = nfs.list(`${dir}/config.yaml.d`).filter((f) => /\.ya?ml$/.test(f)).map((f) => `${dir}/config.yaml.d/${f}`);
  let found: ApiserverEtcdServers | null = null;
  for (const nodePath of [`${dir}/config.yaml`, ...dropIns]) {
    const y = readYamlFile(nfs, nodePath, `${distro} config`, findings);
    if (!y) continue;
    for (const [key, value] of Object.entries(y.doc)) {
      const k = key.replace(/\+$/, '');
      if (k === 'kube-apiserver-arg') {
        const items = (Array.isArray(value) ? value : [value]).filter((v): v is string => typeof v === 'string');
        for (const item of items) {
          const m = /^-{0,2}etcd-servers=(.+)$/.exec(item.trim());
          if (m) found = { distro, servers: splitList(m[1]), file: { path: y.path, line: lineContaining(y.text, 'etcd-servers') }, setting: 'kube-apiserver-arg etcd-servers' };
        }
      } else if (k === 'datastore-endpoint' && distro === 'k3s' && typeof value === 'string' && /^https?:\/\//.test(value)) {
        found = { distro, servers: splitList(value), file: { path: y.path, line: lineContaining(y.text, 'datastore-endpoint') }, setting: 'datastore-endpoint' };
      }
    }
  }
  return found;
}

/** Every etcd server list for a kube-apiserver this node's files define (usually one). Never writes. */
export function readApiserverEtcdServers(nfs: NodeFs, findings: Finding[] = []): ApiserverEtcdServers[] {
  const out: ApiserverEtcdServers[] = [];
  for (const [distro, nodePath] of MANIFESTS) {
    if (!nfs.exists(nodePath)) continue;
    const m = manifestArgs(nfs, nodePath, findings);
    const value = m ? flagValue(m.args, '--etcd-servers') : undefined;
    if (m && value) out.push({ distro, servers: splitList(value), file: { path: m.path, line: lineContaining(m.text, '--etcd-servers') }, setting: '--etcd-servers' });
  }
  for (const [distro, dir] of CONFIGS) {
    if (out.some((o) => o.distro === distro)) continue; // the manifest is what runs; config.yaml only generated it
    const c = configEtcdServers(nfs, distro, dir, findings);
    if (c) out.push(c);
  }
  return out;
}

function origin(url: string): string | null {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.hostname}:${u.port || (u.protocol === 'http:' ? '80' : '443')}`;
  } catch {
    return null;
  }
}

/**
 * The member a URL of --etcd-servers reaches, by client URL. A loopback URL (kubeadm's stacked etcd) reaches
 * the member on this node, which advertises the node's own address with the same port.
 */
function memberAt(url: string, members: MemberHealth[], nodeAddresses: string[]): MemberHealth | undefined {
  const o = origin(url);
  if (!o) return undefined;
  const exact = members.find((m) => m.clientURLs.some((c) => origin(c) === o));
  if (exact || !isLoopbackUrl(url)) return exact;
  const port = new URL(o).port;
  const local = nodeAddresses.map((a) => origin(`${new URL(o).protocol}//${a.includes(':') ? `[${a}]` : a}:${port}`));
  return members.find((m) => m.clientURLs.some((c) => local.includes(origin(c))));
}

const nameOf = (m: MemberHealth) => m.name || m.id || 'unnamed member';

/**
 * Findings for a kube-apiserver's etcd server list against the live cluster: one server (down: the API is
 * down too), servers that are no member any more, and a list of which no server answers.
 */
export function apiserverEtcdFindings(nodeName: string, cfg: ApiserverEtcdServers, health: ClusterHealth, nodeAddresses: string[] = []): Finding[] {
  const out: Finding[] = [];
  const subject = `kube-apiserver on ${nodeName}`;
  const where = { file: cfg.file };
  const resolved = cfg.servers.map((url) => ({ url, member: memberAt(url, health.members, nodeAddresses) }));
  const listAll = health.members.flatMap((m) => m.clientURLs.slice(0, 1)).join(',');
  const fix = `List every etcd member in ${cfg.setting} (${cfg.file.path}${cfg.file.line ? `:${cfg.file.line}` : ''})${listAll ? `, e.g. ${listAll}` : ''}, then restart kube-apiserver.`;
  // Without the node's addresses a loopback URL may be the local member under another name: not judged.
  const gone = resolved.filter((r) => !r.member && (!isLoopbackUrl(r.url) || nodeAddresses.length > 0));
  for (const r of gone) {
    out.push(finding('warning', 'apiserver-etcd-server-not-a-member', subject,
      `${subject} lists etcd server ${r.url}, which is no member of the etcd cluster (removed or replaced).`, fix, where));
  }
  const known = resolved.filter((r) => r.member);
  const up = known.filter((r) => r.member!.healthy);
  if (cfg.servers.length === 1 && known.length === 1) {
    const m = known[0].member!;
    if (!m.healthy) {
      out.push(finding('error', 'apiserver-single-etcd-server-down', subject,
        `${subject} lists one etcd server (${nameOf(m)}), which is down: its API fails until ${nameOf(m)} is back.`, fix, where));
    } else {
      out.push(finding('warning', 'apiserver-single-etcd-server', subject,
        `${subject} lists one etcd server (${nameOf(m)}): if ${nameOf(m)} goes down, this API server fails with it although etcd keeps quorum.`, fix, where));
    }
  } else if (cfg.servers.length > 0 && up.length === 0 && (known.length > 0 || gone.length === cfg.servers.length)) {
    const names = [...known.map((r) => nameOf(r.member!)), ...gone.map((r) => r.url)].join(', ');
    out.push(finding('error', 'apiserver-no-etcd-server-up', subject,
      `${subject} lists ${cfg.servers.length} etcd servers (${names}) and none of them is up: its API fails.`, fix, where));
  } else if (cfg.servers.length > 1 && up.length === 1 && gone.length > 0) {
    out.push(finding('warning', 'apiserver-single-etcd-server', subject,
      `${subject} lists ${cfg.servers.length} etcd servers but only ${nameOf(up[0].member!)} is a live member: if it goes down, this API server fails with it.`, fix, where));
  }
  return out;
}

function isLoopbackUrl(url: string): boolean {
  try { return isLoopbackHost(new URL(url).hostname); } catch { return false; }
}
