// Each control-plane node's own kube-apiserver, asked directly: `/readyz?verbose` at the node's advertised
// address (InternalIP, else ExternalIP) and the API server port, with the kubeconfig's CA and credentials and a
// time limit. The `etcd` checks are broken out: a node whose API server cannot reach etcd is a finding that
// names the etcd servers it uses (when this machine's files say which).
import { Finding, finding } from '../findings';
import type { KubeSession } from './client';
import { ControlPlaneNode } from './model';

export interface ReadyzCheck {
  name: string;
  ok: boolean;
  detail?: string;
}

export interface ApiserverReadiness {
  node: string;
  url: string;
  /** null: no answer (unreachable, timed out, TLS) — see error. */
  ready: boolean | null;
  /** The etcd checks (`etcd`, `etcd-readiness`): ok, failed, or unknown when not answered or not listed. */
  etcd: 'ok' | 'failed' | 'unknown';
  checks: ReadyzCheck[];
  error?: string;
  latencyMs: number;
}

/** `[+]name ok` / `[-]name failed: reason` lines of a verbose readyz answer. */
export function parseReadyz(body: string): ReadyzCheck[] {
  const out: ReadyzCheck[] = [];
  for (const line of body.split('\n')) {
    const m = /^\[([+-])\]([^\s]+)\s+(ok|failed|excluded)(?::\s*(.*))?$/.exec(line.trim());
    if (m && m[3] !== 'excluded') out.push({ name: m[2], ok: m[1] === '+', ...(m[4] ? { detail: m[4] } : {}) });
  }
  return out;
}

function etcdState(checks: ReadyzCheck[]): ApiserverReadiness['etcd'] {
  const etcd = checks.filter((c) => c.name === 'etcd' || c.name === 'etcd-readiness');
  if (etcd.length === 0) return 'unknown';
  return etcd.every((c) => c.ok) ? 'ok' : 'failed';
}

/** The address the node advertises for its API server. */
export function advertisedAddress(node: ControlPlaneNode): string | undefined {
  return (node.addresses.find((a) => a.type === 'InternalIP') ?? node.addresses.find((a) => a.type === 'ExternalIP'))?.address;
}

/** The API server port of a kubeconfig server URL (what the nodes' API servers listen on too, as a rule). */
export function apiserverPort(server: string): number {
  try {
    const u = new URL(server);
    return Number(u.port || 443);
  } catch {
    return 6443;
  }
}

/** Asks one node's kube-apiserver for /readyz?verbose. Never throws; bounded by the session's time limit. */
export async function probeApiserver(session: KubeSession, node: ControlPlaneNode, port: number): Promise<ApiserverReadiness> {
  const address = advertisedAddress(node);
  const started = Date.now();
  if (!address) {
    return { node: node.name, url: '', ready: null, etcd: 'unknown', checks: [], error: 'the node advertises no InternalIP or ExternalIP', latencyMs: 0 };
  }
  const host = address.includes(':') ? `[${address}]` : address;
  const url = `https://${host}:${port}/readyz?verbose`;
  try {
    const r = await session.getRaw(url);
    const checks = parseReadyz(r.body);
    const ready = r.status === 200;
    const error = ready ? undefined : checks.length ? undefined : `HTTP ${r.status}: ${r.body.trim().split('\n')[0].slice(0, 200)}`;
    return { node: node.name, url, ready, etcd: etcdState(checks), checks, error, latencyMs: Date.now() - started };
  } catch (err) {
    return { node: node.name, url, ready: null, etcd: 'unknown', checks: [], error: (err as Error).message, latencyMs: Date.now() - started };
  }
}

/** Every node that runs an API server (control-plane or master role), probed in parallel. */
export function probeApiservers(session: KubeSession, nodes: ControlPlaneNode[], port: number): Promise<ApiserverReadiness[]> {
  const apiNodes = nodes.filter((n) => n.roles.includes('control-plane') || n.roles.includes('master'));
  return Promise.all(apiNodes.map((n) => probeApiserver(session, n, port)));
}

/** The readiness line of a node row: "apiserver ready", "apiserver not ready (etcd failed)", … */
export function readinessSummary(r: ApiserverReadiness): string {
  if (r.ready === null) return 'apiserver unreachable';
  if (r.ready) return 'apiserver ready';
  const failed = r.checks.filter((c) => !c.ok).map((c) => c.name);
  return `apiserver not ready${failed.length ? ` (${failed.join(', ')} failed)` : ''}`;
}

export const READINESS_CODES: readonly string[] = ['apiserver-etcd-unreachable', 'apiserver-unreachable', 'apiserver-not-ready'];

/**
 * Findings from the API servers' readiness. etcdServersOf: the --etcd-servers a node's API server uses, when
 * known (from its static pod manifest or distro config on this machine).
 */
export function readinessFindings(readiness: ApiserverReadiness[], etcdServersOf: (node: string) => string[] | undefined = () => undefined): Finding[] {
  const out: Finding[] = [];
  for (const r of readiness) {
    const subject = `kube-apiserver on ${r.node}`;
    if (r.etcd === 'failed') {
      const servers = etcdServersOf(r.node);
      const uses = servers?.length ? `it uses ${servers.join(', ')}` : 'its --etcd-servers are not readable from here';
      // kube-apiserver withholds the reason from clients ("reason withheld"): only a real one is worth quoting.
      const detail = r.checks.filter((c) => !c.ok && c.name.startsWith('etcd')).map((c) => c.detail).filter((d) => d && d !== 'reason withheld')[0];
      out.push(finding('error', 'apiserver-etcd-unreachable', subject,
        `${subject} cannot reach etcd (readyz: etcd check failed${detail ? `: ${detail}` : ''}); ${uses}.`,
        'Check those etcd members with etcd-ops status; an API server that lists only some members fails with them: list every member in --etcd-servers.'));
    } else if (r.ready === null) {
      out.push(finding('warning', 'apiserver-unreachable', subject,
        `${subject} did not answer at ${r.url || 'no address'}: ${r.error ?? 'no answer'}.`,
        'Check that kube-apiserver runs on the node and that its port is reachable from here.'));
    } else if (!r.ready) {
      const failed = r.checks.filter((c) => !c.ok).map((c) => c.name);
      out.push(finding('warning', 'apiserver-not-ready', subject,
        `${subject} is not ready${failed.length ? ` (failed: ${failed.join(', ')})` : r.error ? ` (${r.error})` : ''}.`,
        'Look at the kube-apiserver log on the node.'));
    }
  }
  return out;
}
