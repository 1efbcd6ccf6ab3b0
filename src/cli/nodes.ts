// `etcd-ops nodes`: the control-plane nodes of a kube context with roles, conditions, the etcd member each
// runs and each node's own kube-apiserver readiness (the same core as the tree). With etcd connection flags
// it also checks the local kube-apiserver's --etcd-servers against the live member list. Exit 0 when it could
// list the nodes, 1 (one line) when not.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { ClusterHealth } from '../core/cluster-model';
import { apiserverEtcdFindings, ApiserverEtcdServers, readApiserverEtcdServers } from '../core/discovery/apiserver-flags';
import { NodeFs } from '../core/discovery/node-fs';
import { refreshCluster } from '../core/etcd/live-health';
import { bySeverity, Finding } from '../core/findings';
import type { ControlPlaneSnapshot, EtcdMemberRef } from '../core/kube';
import { UsageError } from './args';
import { defineCommand } from './command';
import { CONNECTION_OPTIONS, hasConnectionFlags, profileFromFlags } from './connection-flags';
import { CliIo, printJson, table } from './output';



type KubeModule = typeof import('../core/kube');

/** The Kubernetes side is its own bundle (dist/kube.js): loaded here only, so other commands do not parse it. */
function loadKube(): KubeModule {
  const bundled = path.join(__dirname, 'kube.js');
  // Computed paths keep esbuild from inlining the module into cli.js.
  return require(fs.existsSync(bundled) ? bundled : path.join(__dirname, '..', 'core', 'kube')) as KubeModule;
}

/** The node this machine is: a node address that is one of ours, else the host name. */
function localNodeName(snapshot: ControlPlaneSnapshot): string | undefined {
  const mine = new Set(Object.values(os.networkInterfaces()).flatMap((list) => (list ?? []).map((i) => i.address)));
  const byAddress = snapshot.nodes.filter((n) => n.addresses.some((a) => a.type === 'InternalIP' && mine.has(a.address)));
  if (byAddress.length === 1) return byAddress[0].name;
  return snapshot.nodes.find((n) => n.name === os.hostname())?.name;
}

function memberRefs(h: ClusterHealth): EtcdMemberRef[] {
  return h.members.filter((m) => m.id).map((m) => ({ id: m.id!, name: m.name, peerURLs: m.peerURLs, clientURLs: m.clientURLs }));
}

function printText(io: CliIo, s: ControlPlaneSnapshot, kube: KubeModule, findings: Finding[]): void {
  io.out(`Context: ${s.context} (${s.server})${s.serverVersion ? ` · Kubernetes ${s.serverVersion}` : ''}`);
  const rows = kube.controlPlaneNodeRows(s).map((r) => [
    r.name, r.roles.join(',') || '-', r.ready === 'True' ? 'Ready' : r.ready === 'False' ? 'NotReady' : 'Unknown',
    r.problems.map((c) => `${c.type}=${c.status}${c.reason ? ` (${c.reason})` : ''}`).join('; ') || '-',
    r.etcdMember ? (r.etcdMember.name || r.etcdMember.id || '?') : '-',
    r.apiserverSummary ?? '-',
  ]);
  io.out(table(['NODE', 'ROLES', 'READY', 'CONDITIONS', 'ETCD MEMBER', 'APISERVER'], rows));
  for (const p of s.problems) io.out(`(not read: ${p})`);
  if (findings.length) io.out('\nFindings:');
  for (const f of findings) {
    const where = f.file ? ` (${f.file.path}${f.file.line ? `:${f.file.line}` : ''})` : '';
    io.out(`  ${f.severity.toUpperCase()} ${f.code}${where}: ${f.message}\n    -> ${f.remediation}`);
  }
}

export const command = defineCommand({
  summary: 'control-plane nodes of a kube context: roles, conditions, the etcd member each runs, kube-apiserver readiness',
  synopsis: '[--kubeconfig F] [--context C] [--port N] [conn flags] [--root DIR] [--node NAME] [--json]',
  description: `Control-plane nodes of the kube context (default: the kubeconfig's current context): roles, conditions, the
etcd member each runs, and each node's kube-apiserver readiness (/readyz at the node's InternalIP, port N,
default the kubeconfig server's port). With etcd connection flags, the etcd member list links members to
nodes, and the kube-apiserver flags on this machine (--root, default /) are checked against it. --node names
the node this machine is (default: the node whose InternalIP is one of this machine's, else the host name).`,
  options: {
    kubeconfig: { type: 'string', value: 'FILE', help: 'kubeconfig (default $KUBECONFIG, else ~/.kube/config)' },
    context: { type: 'string', value: 'NAME', help: 'kube context (default: the current one)' },
    port: { type: 'integer', value: 'N', min: 1, max: 65535, help: 'kube-apiserver port on each node (default: the kubeconfig server\'s)' },
    root: { type: 'string', value: 'DIR', help: 'where this machine\'s files are read from (default /)' },
    node: { type: 'string', value: 'NAME', help: 'the node this machine is' },
    json: { type: 'boolean', help: 'print the result as JSON' },
    ...CONNECTION_OPTIONS,
  },
  footer: 'Exit: 0 when it could report, 1 when the cluster could not be listed, 2 usage error.',
  async run({ values }, io) {
    const args = values;
    const timeoutMs = values.timeout;
    const port = values.port;
    if (port !== undefined && port > 65535) throw new UsageError('--port must be a TCP port (1-65535)');
    const kubeconfig = values.kubeconfig;
    const health = hasConnectionFlags(args) ? await refreshCluster(profileFromFlags(args)) : undefined;
    const local: ApiserverEtcdServers[] = readApiserverEtcdServers(new NodeFs(values.root ?? '/'));
    const kube = loadKube();
    const snapshot = await kube.listControlPlane({ kubeconfig: kubeconfig ? { path: kubeconfig } : undefined, context: values.context }, {
      requestTimeoutMs: timeoutMs,
      etcdMembers: health ? memberRefs(health) : undefined,
      probeApiservers: { port },
    });
    // The files on this machine are this node's: its API server's readiness findings can name its etcd servers.
    const localNode = values.node ?? localNodeName(snapshot);
    const etcdServersOf = (node: string) => (node === localNode && local[0] ? local[0].servers : undefined);
    const rebuilt = [
      ...snapshot.findings.filter((f) => !kube.READINESS_CODES.includes(f.code)),
      ...kube.readinessFindings(snapshot.apiservers, etcdServersOf),
    ];
    const nodeAddresses = snapshot.nodes.find((n) => n.name === localNode)?.addresses.map((a) => a.address) ?? [];
    const flagFindings = health ? local.flatMap((cfg) => apiserverEtcdFindings(localNode ?? os.hostname(), cfg, health, nodeAddresses)) : [];
    const findings = [...rebuilt, ...flagFindings].sort(bySeverity);
    if (values.json) {
      printJson(io, {
        context: snapshot.context, server: snapshot.server, serverVersion: snapshot.serverVersion ?? null,
        nodes: kube.controlPlaneNodeRows(snapshot), localNode: localNode ?? null,
        apiserverEtcdServers: local, problems: snapshot.problems, findings,
      });
    } else {
      printText(io, snapshot, kube, findings);
    }
    return 0;
  },
});
