// k0s: controller data under /var/lib/k0s (or --data-dir), config /etc/k0s/k0s.yaml (or --config). Its etcd
// listens for clients on https://127.0.0.1:2379 only, and its server certificate names only loopback, so the
// loopback URL is the one endpoint on a controller (other members are reached from their own nodes).
import { ConnectionProfile } from '../etcd/profile';
import { Finding, finding } from '../findings';
import { pickTls } from './cert-files';
import { singleEtcdEndpointFinding } from './config-findings';
import { LOOPBACK_CLIENT_URL } from './endpoints';
import { experimentalFlagFindings, foldTuning, rawFromConfig } from './etcd-flags';
import { flagValue } from './etcd-settings';
import { NodeFs } from './node-fs';
import { DistroReport } from './types';
import { isRecord, lineOfKey } from './yaml';
import { readYamlFile } from './yaml-file';

const CONTROLLER_UNITS = ['/etc/systemd/system/k0scontroller.service', '/usr/lib/systemd/system/k0scontroller.service'];
const WORKER_UNITS = ['/etc/systemd/system/k0sworker.service', '/usr/lib/systemd/system/k0sworker.service'];

/** The arguments of the unit's ExecStart (k0s install writes `--config`, `--data-dir`, `--single` there). */
function execStartArgs(nfs: NodeFs, units: string[]): { path: string; args: string[] } | null {
  for (const unit of units) {
    const r = nfs.read(unit);
    if (!r.ok) continue;
    const line = r.text.split(/\r?\n/).find((l) => /^\s*ExecStart\s*=/.test(l));
    const args = line ? line.replace(/^\s*ExecStart\s*=\s*/, '').split(/\s+/).filter(Boolean) : [];
    return { path: r.path, args };
  }
  return null;
}

const obj = (v: unknown): Record<string, unknown> => (isRecord(v) ? v : {});
const str = (v: unknown): string | undefined => (typeof v === 'string' && v ? v : undefined);

export function discoverK0s(nfs: NodeFs): DistroReport | null {
  const findings: Finding[] = [];
  const controllerUnit = execStartArgs(nfs, CONTROLLER_UNITS);
  const workerUnit = execStartArgs(nfs, WORKER_UNITS);
  const args = controllerUnit?.args ?? workerUnit?.args ?? [];
  const dataDir = flagValue(args, '--data-dir') ?? '/var/lib/k0s';
  const configPath = flagValue(args, '--config') ?? flagValue(args, '-c') ?? '/etc/k0s/k0s.yaml';
  const evidence = [configPath, `${dataDir}/pki`, `${dataDir}/etcd`, `${dataDir}/kubelet`].filter((f) => nfs.exists(f)).map((f) => nfs.path(f));
  if (controllerUnit) evidence.push(controllerUnit.path);
  if (workerUnit) evidence.push(workerUnit.path);
  if (evidence.length === 0) return null;

  const isController = Boolean(controllerUnit) || nfs.isDir(`${dataDir}/pki`) || nfs.isDir(`${dataDir}/etcd`);
  const role = isController ? 'controller' : 'worker';
  const profiles: ConnectionProfile[] = [];
  const config = readYamlFile(nfs, configPath, 'k0s config', findings);
  const storage = obj(obj(config?.doc.spec).storage);
  const single = args.includes('--single');
  const storageType = str(storage.type) ?? (single ? 'kine' : 'etcd');
  const external = obj(obj(storage.etcd).externalCluster);
  const externalEndpoints = Array.isArray(external.endpoints) ? external.endpoints.filter((e): e is string => typeof e === 'string' && e !== '') : [];

  if (!isController) {
    findings.push(finding('info', 'no-etcd-on-node', evidence[0], 'This is a k0s worker: etcd runs on the controllers, not here.',
      'Open a controller node (e.g. over Remote-SSH), or use a kube context to see the EtcdMember resources.'));
  } else if (storageType === 'kine') {
    findings.push(finding('info', 'no-etcd', config?.path ?? evidence[0], 'This k0s controller stores cluster state with kine, not etcd.',
      'Nothing to do for etcd here.'));
  } else if (externalEndpoints.length > 0) {
    if (externalEndpoints.length === 1) {
      findings.push(singleEtcdEndpointFinding(config!.path, lineOfKey(config!.text, 'endpoints'), 'spec.storage.etcd.externalCluster.endpoints', externalEndpoints[0]));
    }
    const ca = str(external.caFile);
    const crt = str(external.clientCertFile);
    const key = str(external.clientKeyFile);
    profiles.push({
      name: 'k0s external etcd',
      endpoints: externalEndpoints,
      tls: pickTls(nfs, { ca: ca ? [ca] : [], pairs: crt && key ? [[crt, key]] : [] }, config!.path, findings),
      origin: `discovered k0s: externalCluster in ${config!.path}`,
      configFiles: [config!.path],
      distro: 'k0s',
    });
  } else {
    // spec.storage.etcd.extraArgs: etcd flags by name without dashes, passed to the etcd k0s runs.
    const extraArgs = obj(obj(storage.etcd).extraArgs);
    const raw = rawFromConfig(extraArgs);
    if (config && raw.length) findings.push(...experimentalFlagFindings(foldTuning(raw), { file: config.path, text: config.text, raw }));
    const etcdDir = `${dataDir}/etcd`;
    profiles.push({
      name: 'k0s etcd (this controller)',
      endpoints: [LOOPBACK_CLIENT_URL],
      tls: pickTls(nfs, {
        ca: [`${dataDir}/pki/etcd/ca.crt`],
        pairs: [[`${dataDir}/pki/apiserver-etcd-client.crt`, `${dataDir}/pki/apiserver-etcd-client.key`]],
      }, nfs.path(`${dataDir}/pki`), findings),
      origin: `discovered k0s: ${nfs.path(dataDir)}`,
      dataDir: nfs.isDir(etcdDir) ? nfs.path(etcdDir) : undefined,
      configFiles: config ? [config.path] : [],
      distro: 'k0s',
    });
  }
  return { distro: 'k0s', role, evidence, profiles, findings };
}
