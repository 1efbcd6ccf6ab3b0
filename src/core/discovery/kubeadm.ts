// kubeadm: etcd as a static pod (/etc/kubernetes/manifests/etcd.yaml, its flags say everything), the API
// server's etcd client flags in kube-apiserver.yaml, certificates under /etc/kubernetes/pki. With external etcd
// there is no etcd manifest and the API server's --etcd-servers lists the members.
import { ConnectionProfile } from '../etcd/profile';
import { Finding, finding } from '../findings';
import { pickTls } from './cert-files';
import { singleEtcdEndpointFinding } from './config-findings';
import { isLoopbackHost, localMetricsUrls, memberEndpoints } from './endpoints';
import { etcdMinorOf, experimentalFlagFindings } from './etcd-flags';
import { flagValue, settingsFromFlags } from './etcd-settings';
import { NodeFs } from './node-fs';
import { DistroReport } from './types';
import { isRecord, lineContaining } from './yaml';
import { readYamlDocuments } from './yaml-file';

const MANIFESTS = '/etc/kubernetes/manifests';
const PKI = '/etc/kubernetes/pki';

/** The command line (command + args) of a static pod's container, preferring the one named `name`. */
function containerArgs(nfs: NodeFs, nodePath: string, name: string, findings: Finding[]): { path: string; text: string; args: string[]; image?: string } | null {
  const file = readYamlDocuments(nfs, nodePath, `${name} static pod manifest`, findings);
  if (!file) return null;
  const pod = file.docs.find((d) => d.kind === 'Pod') ?? file.docs[0];
  const spec = isRecord(pod?.spec) ? pod.spec : {};
  const containers = (Array.isArray(spec.containers) ? spec.containers : []).filter(isRecord);
  const c = containers.find((x) => x.name === name) ?? containers[0];
  if (!c) return { path: file.path, text: file.text, args: [] };
  const args = [...(Array.isArray(c.command) ? c.command : []), ...(Array.isArray(c.args) ? c.args : [])].filter((a): a is string => typeof a === 'string');
  return { path: file.path, text: file.text, args, image: typeof c.image === 'string' ? c.image : undefined };
}

const splitList = (v: string | undefined) => (v ? v.split(',').map((s) => s.trim()).filter(Boolean) : []);

export function discoverKubeadm(nfs: NodeFs): DistroReport | null {
  const findings: Finding[] = [];
  const evidence = [`${MANIFESTS}/etcd.yaml`, `${MANIFESTS}/kube-apiserver.yaml`, `${PKI}/etcd/ca.crt`, '/etc/kubernetes/admin.conf', '/etc/kubernetes/kubelet.conf']
    .filter((f) => nfs.exists(f)).map((f) => nfs.path(f));
  if (evidence.length === 0) return null;

  const etcd = containerArgs(nfs, `${MANIFESTS}/etcd.yaml`, 'etcd', findings);
  const api = containerArgs(nfs, `${MANIFESTS}/kube-apiserver.yaml`, 'kube-apiserver', findings);
  const apiFlag = (f: string) => (api ? flagValue(api.args, f) : undefined);
  const clientPairs: [string, string][] = [
    ...(apiFlag('--etcd-certfile') && apiFlag('--etcd-keyfile') ? [[apiFlag('--etcd-certfile')!, apiFlag('--etcd-keyfile')!] as [string, string]] : []),
    [`${PKI}/apiserver-etcd-client.crt`, `${PKI}/apiserver-etcd-client.key`],
    [`${PKI}/etcd/healthcheck-client.crt`, `${PKI}/etcd/healthcheck-client.key`],
  ];
  const apiCa = apiFlag('--etcd-cafile');
  const profiles: ConnectionProfile[] = [];
  let role = 'node';

  if (etcd && etcd.args.length > 0) {
    role = 'control-plane';
    const settings = settingsFromFlags(etcd.args);
    // The image tag (registry.k8s.io/etcd:3.5.24-0) says which spelling this etcd accepts.
    findings.push(...experimentalFlagFindings(settings.tuning, { file: etcd.path, text: etcd.text, raw: settings.raw }, etcdMinorOf(etcd.image)));
    const dataDir = settings.dataDir ?? '/var/lib/etcd';
    profiles.push({
      name: `kubeadm etcd${settings.name ? ` (${settings.name})` : ''}`,
      endpoints: memberEndpoints(settings).endpoints,
      tls: pickTls(nfs, {
        ca: [...(apiCa ? [apiCa] : []), ...(settings.trustedCaFile ? [settings.trustedCaFile] : []), `${PKI}/etcd/ca.crt`],
        pairs: clientPairs,
      }, etcd.path, findings),
      origin: `discovered kubeadm: ${etcd.path}`,
      dataDir: nfs.isDir(dataDir) ? nfs.path(dataDir) : undefined,
      configFiles: [etcd.path, ...(api ? [api.path] : [])],
      distro: 'kubeadm',
      metricsUrls: localMetricsUrls(settings),
    });
  } else if (apiFlag('--etcd-servers')) {
    role = 'control-plane (external etcd)';
    const servers = splitList(apiFlag('--etcd-servers'));
    const remote = servers.filter((u) => { try { return !isLoopbackHost(new URL(u).hostname); } catch { return true; } });
    if (servers.length === 1 && remote.length === 1) {
      findings.push(singleEtcdEndpointFinding(api!.path, lineContaining(api!.text, '--etcd-servers'), '--etcd-servers', servers[0]));
    }
    profiles.push({
      name: 'kubeadm external etcd',
      endpoints: servers,
      tls: pickTls(nfs, { ca: [...(apiCa ? [apiCa] : []), `${PKI}/etcd/ca.crt`], pairs: clientPairs }, api!.path, findings),
      origin: `discovered kubeadm: --etcd-servers in ${api!.path}`,
      configFiles: [api!.path],
      distro: 'kubeadm',
    });
  } else {
    findings.push(finding('info', 'no-etcd-on-node', evidence[0],
      'This kubeadm node runs no control plane (no etcd or kube-apiserver manifest): etcd is on the control-plane nodes.',
      'Open a control-plane node (e.g. over Remote-SSH), or use a kube context to see the control plane.'));
  }
  return { distro: 'kubeadm', role, evidence, profiles, findings };
}
