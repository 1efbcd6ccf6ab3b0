// The environment etcdctl reads for a cluster (ETCDCTL_ENDPOINTS, ETCDCTL_CACERT, ...), so an operator can run
// etcdctl against exactly what the extension shows. Paths only: a key passphrase is never put in the environment.
import { ConnectionProfile } from './profile';

export function etcdctlEnvironment(profile: ConnectionProfile): Record<string, string> {
  const env: Record<string, string> = { ETCDCTL_API: '3', ETCDCTL_ENDPOINTS: profile.endpoints.join(',') };
  if (profile.tls?.caFile) env.ETCDCTL_CACERT = profile.tls.caFile;
  if (profile.tls?.certFile) env.ETCDCTL_CERT = profile.tls.certFile;
  if (profile.tls?.keyFile) env.ETCDCTL_KEY = profile.tls.keyFile;
  return env;
}

/** POSIX shell `export` lines, each value single-quoted so spaces and `$` in paths stay literal. */
export function shellExports(env: Record<string, string>): string {
  return Object.entries(env).map(([k, v]) => `export ${k}='${v.replace(/'/g, `'\\''`)}'`).join('\n') + '\n';
}
