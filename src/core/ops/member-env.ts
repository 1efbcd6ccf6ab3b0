// What a member added to a running cluster needs to start: its name, the initial cluster as the member list
// reads after the add (the new member named, as etcdctl member add prints it), its peer URLs and the
// "existing" state. Given as ETCD_* variables and as the equivalent etcd flags.
import { sameId } from '../ids';
import { MemberInfo } from '../port';
import { shellQuote } from '../format';

export interface MemberEnv {
  env: Record<string, string>;
  flags: string[];
}

/** name=peerURL pairs of every member in the list; the new member (not started, no name yet) gets `name`. */
export function initialCluster(list: MemberInfo[], newId: string, name: string): string {
  const pairs: string[] = [];
  for (const m of list) {
    const n = m.id === newId || sameId(m.id, newId) ? name : m.name;
    for (const u of m.peerURLs) pairs.push(`${n}=${u}`);
  }
  return pairs.join(',');
}

export function memberEnv(list: MemberInfo[], newId: string, name: string, peerURLs: string[]): MemberEnv {
  const env = {
    ETCD_NAME: name,
    ETCD_INITIAL_CLUSTER: initialCluster(list, newId, name),
    ETCD_INITIAL_ADVERTISE_PEER_URLS: peerURLs.join(','),
    ETCD_INITIAL_CLUSTER_STATE: 'existing',
  };
  const flags = Object.entries(env).map(([k, v]) => `--${k.slice('ETCD_'.length).toLowerCase().replace(/_/g, '-')}=${v}`);
  return { env, flags };
}

/** `ETCD_NAME="m4"` lines, as a shell reads them (values quoted). */
export function envText(env: Record<string, string>): string {
  return Object.entries(env).map(([k, v]) => `${k}=${shellQuote(v)}`).join('\n');
}

/** The flags on one line, each quoted for a shell. */
export function flagsText(flags: string[]): string {
  return flags.map(shellQuote).join(' ');
}

/** Members the new one must not duplicate: same name, or any peer URL in common (host:port compared). */
export function peerKey(u: string): string {
  try {
    const x = new URL(u);
    return `${x.protocol}//${x.hostname.toLowerCase()}:${x.port || (x.protocol === 'https:' ? '443' : '80')}`;
  } catch {
    return u.trim().toLowerCase();
  }
}

/** A peer URL etcd accepts: http(s)://host:port, nothing after the port. Returns why not, or null. */
export function peerUrlProblem(u: string): string | null {
  let x: URL;
  try { x = new URL(u); } catch { return `"${u}" is not a URL (expected https://HOST:PORT)`; }
  if (x.protocol !== 'https:' && x.protocol !== 'http:') return `"${u}": the scheme must be https or http`;
  if (!x.hostname) return `"${u}" has no host`;
  if (!x.port) return `"${u}" has no port (etcd's peer port is usually 2380)`;
  if ((x.pathname && x.pathname !== '/') || x.search || x.hash) return `"${u}" must have nothing after the port`;
  return null;
}

/** etcd member names: non-empty, no "=" or "," (they would break ETCD_INITIAL_CLUSTER), no spaces. */
export function memberNameProblem(name: string): string | null {
  if (!name) return 'a name is required';
  if (/[=,\s]/.test(name)) return `"${name}": a member name cannot hold "=", "," or spaces (they break ETCD_INITIAL_CLUSTER)`;
  return null;
}
