// The k3s/RKE2 join config of this node (config.yaml and its drop-ins: `server:`, `cluster-init:`), and
// whether the server it names is alive: by the live member list when its host is one member's alone, and by
// a TCP connect to the supervisor port (nothing is sent), bounded in time.
import * as net from 'node:net';
import { ClusterHealth, MemberHealth } from '../cluster-model';
import { NodeFs } from '../discovery/node-fs';
import { K3S, readConfig, RKE2 } from '../discovery/rancher';
import { Finding } from '../findings';
import { JoinDistro } from './distro-steps';
import { JoinConfigFacts } from './join-blockers';

/** Opens a TCP connection and closes it at once: is anything listening there? */
export function probeTcp(host: string, port: number, timeoutMs: number, signal?: AbortSignal): Promise<{ ok: boolean; detail: string }> {
  return new Promise((resolve) => {
    const started = Date.now();
    const socket = net.connect({ host, port });
    let settled = false;
    const done = (ok: boolean, detail: string) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      socket.destroy();
      resolve({ ok, detail });
    };
    const onAbort = () => done(false, 'probe cancelled');
    const timer = setTimeout(() => done(false, `no connection within ${timeoutMs} ms`), timeoutMs);
    signal?.addEventListener('abort', onAbort, { once: true });
    socket.once('connect', () => done(true, `accepts connections (${Date.now() - started} ms)`));
    socket.once('error', (err: NodeJS.ErrnoException) => done(false, err.code === 'ECONNREFUSED' ? 'connection refused' : err.code ?? err.message));
  });
}

function urlHost(url: string): string | null {
  try { return new URL(url).hostname.replace(/^\[|\]$/g, '') || null; } catch { return null; }
}

/** The member whose URLs alone carry this host (several members on one host cannot be told apart by it). */
export function memberAtHost(h: ClusterHealth, host: string): MemberHealth | null {
  const at = h.members.filter((m) => m.id && [...m.peerURLs, ...m.clientURLs].some((u) => urlHost(u) === host));
  return at.length === 1 ? at[0] : null;
}

/** Reads the node's k3s/RKE2 config under `root`; null for other distros or when no config file exists. */
export function readJoinConfig(root: string, distro: JoinDistro): { file: string; server: string | null; clusterInit: boolean; findings: Finding[] } | null {
  if (distro !== 'k3s' && distro !== 'rke2') return null;
  const product = distro === 'k3s' ? K3S : RKE2;
  const findings: Finding[] = [];
  const cfg = readConfig(new NodeFs(root), product, findings);
  if (!cfg.files.length) return null;
  const server = cfg.values.get('server');
  const init = cfg.values.get('cluster-init');
  return {
    file: server?.file ?? cfg.files[cfg.files.length - 1],
    server: typeof server?.value === 'string' && server.value.trim() ? server.value.trim() : null,
    clusterInit: init?.value === true || init?.value === 'true',
    findings,
  };
}

/** The config's facts with its server judged against the live view and probed. */
export async function judgeJoinConfig(cfg: { file: string; server: string | null; clusterInit: boolean }, h: ClusterHealth, timeoutMs: number,
  signal?: AbortSignal): Promise<JoinConfigFacts> {
  const facts: JoinConfigFacts = { file: cfg.file, server: cfg.server, clusterInit: cfg.clusterInit, reachable: null, member: null };
  if (!cfg.server) return facts;
  let url: URL | null = null;
  try { url = new URL(cfg.server); } catch { /* judged below */ }
  if (!url || !url.hostname) {
    facts.reachable = { ok: false, detail: 'not a URL' };
    return facts;
  }
  const host = url.hostname.replace(/^\[|\]$/g, '');
  facts.member = memberAtHost(h, host);
  const port = Number(url.port || (url.protocol === 'http:' ? 80 : 443));
  facts.reachable = await probeTcp(host, port, timeoutMs, signal);
  return facts;
}
