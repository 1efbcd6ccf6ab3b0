// Which client URLs to use for a member found on this node, and for the members it knows of. The local member
// is reached on loopback (where k0s and kubeadm always listen, and where certificates always name it); the
// others through every client URL the files reveal. Never only "the first server".
import { EtcdSettings } from './etcd-settings';

export const LOOPBACK_CLIENT_URL = 'https://127.0.0.1:2379';

function parse(u: string): URL | null {
  try { return new URL(u); } catch { return null; }
}

const isLoopbackHost = (h: string) => h === 'localhost' || h.startsWith('127.') || h === '[::1]' || h === '::1';

/** etcd's default ports: a member's peer URL on 2380 has its client URL on 2379 at the same host. */
export function clientUrlFromPeer(peerUrl: string): string | null {
  const u = parse(peerUrl);
  if (!u || u.port !== '2380') return null;
  return `${u.protocol}//${u.hostname.includes(':') && !u.hostname.startsWith('[') ? `[${u.hostname}]` : u.hostname}:2379`;
}

/** The URL to reach the local member: a loopback listen URL if etcd has one, else the default loopback. */
export function localClientUrl(s: EtcdSettings): string {
  const loop = s.listenClientUrls.map(parse).find((u) => u && isLoopbackHost(u.hostname));
  if (loop) return `${loop.protocol}//${loop.host}`;
  if (s.listenClientUrls.length > 0 && s.advertiseClientUrls.length > 0) return s.advertiseClientUrls[0];
  return LOOPBACK_CLIENT_URL;
}

export interface MemberEndpoints {
  endpoints: string[];
  /** Members from initial-cluster whose client URL could not be derived (non-default peer port). */
  unknown: string[];
}

/** Local member on loopback first, then every other member named in initial-cluster. */
export function memberEndpoints(s: EtcdSettings): MemberEndpoints {
  const own = new Set([...s.advertiseClientUrls, ...s.advertisePeerUrls].map(parse).filter((u): u is URL => u !== null).map((u) => u.hostname));
  const endpoints = [localClientUrl(s)];
  const unknown: string[] = [];
  for (const m of s.initialCluster) {
    if (s.name && m.name === s.name) continue;
    const host = parse(m.peerUrl)?.hostname;
    if (host && (own.has(host) || isLoopbackHost(host))) continue;
    const client = clientUrlFromPeer(m.peerUrl);
    if (client) endpoints.push(client);
    else unknown.push(m.name);
  }
  return { endpoints: [...new Set(endpoints)], unknown };
}

/**
 * The local member's plain-HTTP metrics listener, keyed by the client URL discovery reaches it on, so a metrics
 * scrape can use it (no client certificate needed) where the distro set one. A listener on every interface
 * (0.0.0.0, [::]) is reached on loopback; one only on another host's address is left alone.
 */
export function localMetricsUrls(s: EtcdSettings): Record<string, string> {
  const reachable = s.listenMetricsUrls.map(parse).filter((u): u is URL => u !== null && u.protocol === 'http:')
    .map((u) => (u.hostname === '0.0.0.0' || u.hostname === '[::]' ? new URL(`http://127.0.0.1:${u.port || '80'}`) : u))
    .find((u) => isLoopbackHost(u.hostname));
  return reachable ? { [localClientUrl(s)]: `${reachable.protocol}//${reachable.host}` } : {};
}

export { isLoopbackHost };
