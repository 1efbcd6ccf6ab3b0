// What every scenario sets up the same way: the etcd Ops .vsix to install, and the settings that point the
// extension at a test cluster.
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { EtcdTestCluster } from '../../harness/etcd-cluster';

const repoRoot = path.resolve(__dirname, '..', '..', '..');

/** ETCD_OPS_E2E_VSIX when set (packaged once for every suite), else a fresh build packaged into `dir`. */
export async function extensionVsix(dir: string): Promise<string> {
  if (process.env.ETCD_OPS_E2E_VSIX) return process.env.ETCD_OPS_E2E_VSIX;
  const packager = (await import(pathToFileURL(path.join(repoRoot, 'scripts', 'package-vsix.mjs')).href)) as {
    packageVsix(o: { out: string; build: boolean }): Promise<{ vsixPath: string }>;
  };
  return (await packager.packageVsix({ out: path.join(dir, 'etcd-ops.vsix'), build: true })).vsixPath;
}

/**
 * A 3-member cluster started while the .vsix is packaged. `started` receives the cluster as soon as it runs,
 * so the caller's `after` can stop it whichever of the two steps fails.
 */
export async function clusterAndVsix(dir: string, started: (cluster: EtcdTestCluster) => void): Promise<string> {
  const starting = EtcdTestCluster.start({ members: 3 }).then(started);
  try {
    return await extensionVsix(dir);
  } finally {
    await starting;
  }
}

/** User settings naming `cluster` (every endpoint, its TLS files) as the cluster called `name`. */
export function connectionSettings(cluster: EtcdTestCluster, name: string): Record<string, unknown> {
  return {
    'etcdOps.connection.name': name,
    'etcdOps.connection.endpoints': cluster.endpoints,
    'etcdOps.connection.caFile': cluster.tls.caFile,
    'etcdOps.connection.certFile': cluster.tls.certFile,
    'etcdOps.connection.keyFile': cluster.tls.keyFile,
    // Health-change toasts would cover the notifications a scenario waits for; background-health turns them on.
    'etcdOps.notifications.healthChanges': false,
  };
}
