// etcd's own settings as a distribution left them on disk: the YAML config file k3s and RKE2 write
// (`db/etcd/config`, keys named like etcd's flags) or the flags of a static pod manifest (kubeadm).
import { EtcdTuning, foldTuning, RawSetting, rawFromArgs, rawFromConfig } from './etcd-flags';

export interface InitialClusterEntry {
  name: string;
  peerUrl: string;
}

export interface EtcdSettings {
  name?: string;
  initialCluster: InitialClusterEntry[];
  initialClusterState?: string;
  advertiseClientUrls: string[];
  listenClientUrls: string[];
  advertisePeerUrls: string[];
  /** --listen-metrics-urls: plain-HTTP /metrics (kubeadm and k3s/RKE2 set http://127.0.0.1:2381). */
  listenMetricsUrls: string[];
  dataDir?: string;
  trustedCaFile?: string;
  certFile?: string;
  keyFile?: string;
  /** Every flag-like setting as written (for the findings about old spellings). */
  raw: RawSetting[];
  /** Tuning flags and feature gates, old `--experimental-*` spellings folded into the 3.6 names. */
  tuning: EtcdTuning;
}

const urls = (v: unknown): string[] => {
  if (Array.isArray(v)) return v.filter((x): x is string => typeof x === 'string').flatMap((x) => urls(x));
  return typeof v === 'string' ? v.split(',').map((s) => s.trim()).filter(Boolean) : [];
};
const str = (v: unknown): string | undefined => (typeof v === 'string' && v ? v : undefined);

/** `a=https://10.0.0.1:2380,b=https://10.0.0.2:2380` -> entries (a member may appear once per peer URL). */
export function parseInitialCluster(value: string | undefined): InitialClusterEntry[] {
  if (!value) return [];
  return value.split(',').map((pair) => pair.trim()).filter(Boolean).flatMap((pair) => {
    const eq = pair.indexOf('=');
    return eq > 0 ? [{ name: pair.slice(0, eq).trim(), peerUrl: pair.slice(eq + 1).trim() }] : [];
  });
}

/** From etcd's YAML config file (as k3s/RKE2 write it). */
export function settingsFromConfig(doc: Record<string, unknown>): EtcdSettings {
  const raw = rawFromConfig(doc);
  const tls = (typeof doc['client-transport-security'] === 'object' && doc['client-transport-security'] !== null
    ? doc['client-transport-security'] : {}) as Record<string, unknown>;
  return {
    name: str(doc.name),
    initialCluster: parseInitialCluster(str(doc['initial-cluster'])),
    initialClusterState: str(doc['initial-cluster-state']),
    advertiseClientUrls: urls(doc['advertise-client-urls']),
    listenClientUrls: urls(doc['listen-client-urls']),
    advertisePeerUrls: urls(doc['initial-advertise-peer-urls']),
    listenMetricsUrls: urls(doc['listen-metrics-urls']),
    dataDir: str(doc['data-dir']),
    trustedCaFile: str(tls['trusted-ca-file']),
    certFile: str(tls['cert-file']),
    keyFile: str(tls['key-file']),
    raw,
    tuning: foldTuning(raw),
  };
}

/** `--flag=value` / `--flag value` from a command line; the last occurrence wins, as in Go's flag package. */
export function flagValue(args: string[], flag: string): string | undefined {
  let value: string | undefined;
  for (let i = 0; i < args.length; i++) {
    if (args[i].startsWith(`${flag}=`)) value = args[i].slice(flag.length + 1);
    else if (args[i] === flag && i + 1 < args.length && !args[i + 1].startsWith('--')) value = args[++i];
  }
  return value;
}

/** From etcd's command-line flags (kubeadm's static pod). */
export function settingsFromFlags(args: string[]): EtcdSettings {
  const f = (name: string) => flagValue(args, `--${name}`);
  const raw = rawFromArgs(args);
  return {
    name: f('name'),
    initialCluster: parseInitialCluster(f('initial-cluster')),
    initialClusterState: f('initial-cluster-state'),
    advertiseClientUrls: urls(f('advertise-client-urls')),
    listenClientUrls: urls(f('listen-client-urls')),
    advertisePeerUrls: urls(f('initial-advertise-peer-urls')),
    listenMetricsUrls: urls(f('listen-metrics-urls')),
    dataDir: f('data-dir'),
    trustedCaFile: f('trusted-ca-file'),
    certFile: f('cert-file'),
    keyFile: f('key-file'),
    raw,
    tuning: foldTuning(raw),
  };
}
