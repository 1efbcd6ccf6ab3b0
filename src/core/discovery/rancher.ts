// k3s and RKE2 (same layout under different names): config.yaml (+ config.yaml.d), the embedded etcd's own
// config `server/db/etcd/config`, its certificates under `server/tls/etcd`, and, on control-plane-only servers,
// the etcd proxy's server list `agent/etc/<product>-etcd-server-load-balancer.json`.
import { ConnectionProfile } from '../etcd/profile';
import { Finding, finding } from '../findings';
import { pickTls } from './cert-files';
import { singleEtcdEndpointFinding, singleServerFinding, unreadableConfigFinding } from './config-findings';
import { isLoopbackHost, localMetricsUrls, memberEndpoints } from './endpoints';
import { EtcdTuning, experimentalFlagFindings, foldTuning, rawFromArgs } from './etcd-flags';
import { settingsFromConfig } from './etcd-settings';
import { NodeFs } from './node-fs';
import { DistroReport } from './types';
import { lineContaining, lineOfKey } from './yaml';
import { readYamlFile } from './yaml-file';

export interface RancherProduct {
  distro: 'k3s' | 'rke2';
  label: string;
  configDir: string;
  dataDir: string;
}

export const K3S: RancherProduct = { distro: 'k3s', label: 'k3s', configDir: '/etc/rancher/k3s', dataDir: '/var/lib/rancher/k3s' };
export const RKE2: RancherProduct = { distro: 'rke2', label: 'RKE2', configDir: '/etc/rancher/rke2', dataDir: '/var/lib/rancher/rke2' };

export interface ConfigValue {
  value: unknown;
  file: string;
  line?: number;
  /** The whole file the value came from (to point at other lines of it). */
  text: string;
}

/** config.yaml, then config.yaml.d/*.yaml in name order; later files override earlier ones (as k3s does). */
export function readConfig(nfs: NodeFs, p: RancherProduct, findings: Finding[]): { values: Map<string, ConfigValue>; files: string[] } {
  const dropIns = nfs.list(`${p.configDir}/config.yaml.d`).filter((f) => /\.ya?ml$/.test(f)).map((f) => `${p.configDir}/config.yaml.d/${f}`);
  const values = new Map<string, ConfigValue>();
  const files: string[] = [];
  for (const nodePath of [`${p.configDir}/config.yaml`, ...dropIns]) {
    const y = readYamlFile(nfs, nodePath, `${p.label} config`, findings);
    if (!y) continue;
    files.push(y.path);
    for (const [rawKey, value] of Object.entries(y.doc)) {
      // `key+:` appends to a list in k3s; for what discovery reads, the latest value is what counts.
      values.set(rawKey.replace(/\+$/, ''), { value, file: y.path, line: lineOfKey(y.text, rawKey), text: y.text });
    }
  }
  return { values, files };
}

/**
 * etcd flags from `etcd-arg` (a list of `name=value`, dashes optional) in config.yaml: the place an operator
 * sets them, and copied by the distribution into etcd's generated config file.
 */
function etcdArgFindings(cfg: { values: Map<string, ConfigValue> }): { findings: Finding[]; tuning: EtcdTuning } {
  const v = cfg.values.get('etcd-arg');
  const list = Array.isArray(v?.value) ? v!.value.filter((x): x is string => typeof x === 'string') : typeof v?.value === 'string' ? [v.value] : [];
  const raw = rawFromArgs(list, { dashesOptional: true });
  const tuning = foldTuning(raw);
  if (!v || raw.length === 0) return { findings: [], tuning };
  return { findings: experimentalFlagFindings(tuning, { file: v.file, text: v.text, raw }), tuning };
}

function hostnameOf(url: string | undefined): string | undefined {
  if (!url) return undefined;
  try { return new URL(url).hostname || undefined; } catch { return undefined; }
}

const str = (v: ConfigValue | undefined): string | undefined => (typeof v?.value === 'string' && v.value ? v.value : undefined);
const truthy = (v: ConfigValue | undefined): boolean => v?.value === true || v?.value === 'true';

/** The etcd proxy's persisted server list (host:port of every etcd member it knows). */
function readEtcdProxyList(nfs: NodeFs, nodePath: string, findings: Finding[]): { path: string; text: string; addresses: string[] } | null {
  const r = nfs.read(nodePath);
  if (!r.ok) {
    if (r.reason === 'unreadable') findings.push(unreadableConfigFinding(r, 'etcd proxy server list'));
    return null;
  }
  try {
    const doc = JSON.parse(r.text) as { ServerAddresses?: unknown; ServerURL?: unknown };
    const list = Array.isArray(doc.ServerAddresses) ? doc.ServerAddresses.filter((a): a is string => typeof a === 'string' && a !== '') : [];
    if (list.length === 0 && typeof doc.ServerURL === 'string') {
      try { list.push(new URL(doc.ServerURL).host); } catch { /* not a URL: nothing to add */ }
    }
    return { path: r.path, text: r.text, addresses: list };
  } catch {
    findings.push(finding('warning', 'config-invalid', r.path, `The etcd proxy server list ${r.path} is not valid JSON.`,
      'The distribution rewrites this file; restart the service if it stays broken.', { file: { path: r.path } }));
    return null;
  }
}

function tlsCandidates(serverDir: string, trustedCa?: string) {
  return {
    ca: [...(trustedCa ? [trustedCa] : []), `${serverDir}/tls/etcd/server-ca.crt`],
    pairs: [
      [`${serverDir}/tls/etcd/server-client.crt`, `${serverDir}/tls/etcd/server-client.key`],
      [`${serverDir}/tls/etcd/client.crt`, `${serverDir}/tls/etcd/client.key`],
    ] as [string, string][],
  };
}

export function discoverRancher(nfs: NodeFs, p: RancherProduct): DistroReport | null {
  const findings: Finding[] = [];
  const cfg = readConfig(nfs, p, findings);
  const dataDir = str(cfg.values.get('data-dir')) ?? p.dataDir;
  const serverDir = `${dataDir}/server`;
  const agentDir = `${dataDir}/agent`;
  const evidence = [`${p.configDir}/config.yaml`, `${p.configDir}/${p.distro}.yaml`, serverDir, agentDir]
    .filter((f) => nfs.exists(f)).map((f) => nfs.path(f));
  if (evidence.length === 0 && findings.length === 0) return null;

  const isServer = nfs.isDir(serverDir) || truthy(cfg.values.get('cluster-init')) || nfs.exists(`${p.configDir}/${p.distro}.yaml`);
  const role = isServer ? 'server' : 'agent';
  const profiles: ConnectionProfile[] = [];

  const server = cfg.values.get('server');
  if (str(server)) findings.push(singleServerFinding(server!.file, server!.line, 'server', str(server)!, p.label));

  const datastore = cfg.values.get('datastore-endpoint');
  const externalEtcd = str(datastore) && /^https?:\/\//.test(str(datastore)!) ? str(datastore)!.split(',').map((s) => s.trim()).filter(Boolean) : null;

  if (externalEtcd) {
    if (externalEtcd.length === 1) findings.push(singleEtcdEndpointFinding(datastore!.file, datastore!.line, 'datastore-endpoint', externalEtcd[0]));
    const ca = str(cfg.values.get('datastore-cafile'));
    const crt = str(cfg.values.get('datastore-certfile'));
    const key = str(cfg.values.get('datastore-keyfile'));
    profiles.push({
      name: `${p.label} external etcd`,
      endpoints: externalEtcd,
      tls: pickTls(nfs, { ca: ca ? [ca] : [], pairs: crt && key ? [[crt, key]] : [] }, datastore!.file, findings),
      origin: `discovered ${p.label}: datastore-endpoint in ${datastore!.file}`,
      configFiles: [datastore!.file],
      distro: p.distro,
    });
  } else if (isServer) {
    const etcdDir = `${serverDir}/db/etcd`;
    const etcdConfig = readYamlFile(nfs, `${etcdDir}/config`, 'etcd config', findings);
    const proxy = readEtcdProxyList(nfs, `${agentDir}/etc/${p.distro}-etcd-server-load-balancer.json`, findings);
    const proxyUrls = (proxy?.addresses ?? []).map((a) => `https://${a}`);
    const disableEtcd = truthy(cfg.values.get('disable-etcd'));

    if (etcdConfig && !disableEtcd) {
      const settings = settingsFromConfig(etcdConfig.doc);
      const fromArgs = etcdArgFindings(cfg);
      findings.push(...fromArgs.findings);
      // What etcd-arg already explained is not reported again for the generated copy.
      const told = new Set(fromArgs.tuning.deprecated.map((d) => d.spelling));
      const generated = { ...settings.tuning, deprecated: settings.tuning.deprecated.filter((d) => !told.has(d.spelling)) };
      findings.push(...experimentalFlagFindings(generated, { file: etcdConfig.path, text: etcdConfig.text, raw: settings.raw, generatedBy: p.label }));
      const nameFile = nfs.read(`${etcdDir}/name`);
      const memberName = settings.name ?? (nameFile.ok ? nameFile.text.trim() : undefined);
      const { endpoints } = memberEndpoints({ ...settings, name: memberName });
      const ownHosts = new Set(settings.advertiseClientUrls.map((u) => { try { return new URL(u).host; } catch { return u; } }));
      const others = proxyUrls.filter((u) => { const h = hostnameOf(u); return h !== undefined && !ownHosts.has(new URL(u).host) && !isLoopbackHost(h); });
      profiles.push({
        name: `${p.label} etcd${memberName ? ` (${memberName})` : ''}`,
        endpoints: [...new Set([...endpoints, ...others])],
        tls: pickTls(nfs, tlsCandidates(serverDir, settings.trustedCaFile), etcdConfig.path, findings),
        origin: `discovered ${p.label}: ${etcdConfig.path}`,
        dataDir: nfs.isDir(etcdDir) ? nfs.path(etcdDir) : undefined,
        configFiles: [etcdConfig.path, ...(proxy ? [proxy.path] : [])],
        distro: p.distro,
        metricsUrls: localMetricsUrls(settings),
      });
    } else if (disableEtcd || proxy) {
      // Control-plane-only server: etcd lives on other servers; the local etcd proxy knows their addresses.
      const serverHost = hostnameOf(str(server));
      const fallback = serverHost ? [`https://${serverHost}:2379`] : [];
      const endpoints = proxyUrls.length ? proxyUrls : fallback;
      if (proxy && proxy.addresses.length === 1) {
        findings.push(singleEtcdEndpointFinding(proxy.path, lineContaining(proxy.text, 'ServerAddresses'), `the ${p.label} etcd proxy's ServerAddresses`, proxyUrls[0]));
      }
      if (endpoints.length) {
        profiles.push({
          name: `${p.label} etcd (from this control-plane-only server)`,
          endpoints,
          tls: pickTls(nfs, tlsCandidates(serverDir), proxy?.path ?? nfs.path(serverDir), findings),
          origin: `discovered ${p.label}: ${proxy ? proxy.path : `server: in ${server!.file}`}`,
          configFiles: [...(proxy ? [proxy.path] : []), ...cfg.files],
          distro: p.distro,
        });
      }
    } else if (nfs.exists(`${serverDir}/db/state.db`)) {
      findings.push(finding('info', 'no-etcd', nfs.path(serverDir),
        `This ${p.label} server uses its embedded SQLite datastore (${nfs.path(`${serverDir}/db/state.db`)}), not etcd.`,
        'Nothing to do for etcd here; etcd is used once the cluster is started with cluster-init or joined to an etcd cluster.'));
    } else {
      findings.push(finding('info', 'etcd-not-initialized', nfs.path(serverDir),
        `No etcd config found under ${nfs.path(etcdDir)}: etcd has not started on this ${p.label} server yet.`,
        `Start ${p.label} (or wait for it to join), then discover again.`, { transient: true }));
    }
  } else {
    findings.push(finding('info', 'no-etcd-on-node', evidence[0] ?? nfs.path(dataDir),
      `This is a ${p.label} agent: etcd runs on the servers, not here.`,
      'Open a server node (e.g. over Remote-SSH), or use a kube context to see the control plane.'));
  }
  return { distro: p.distro, role, evidence, profiles, findings };
}
