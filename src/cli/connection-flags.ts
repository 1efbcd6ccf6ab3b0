// The endpoint and TLS options shared by every command that talks to etcd: one table, merged into theirs.
import { ConnectionProfile, DEFAULT_TIMEOUT_MS, splitEndpoints } from '../core/etcd/profile';
import { OptionTable, OptionValues, UsageError } from './args';

const group = 'Connection (TLS server verification is always on; no flag turns it off)';

export const CONNECTION_OPTIONS = {
  endpoints: { type: 'string', value: 'URL[,URL...]', group,
    help: 'every member\'s client URL, comma-separated (never just one: a single endpoint fails with its member); default $ETCDCTL_ENDPOINTS' },
  cacert: { type: 'string', value: 'FILE', group, help: 'CA certificate (PEM) that signed the servers\' certificates; default $ETCDCTL_CACERT' },
  cert: { type: 'string', value: 'FILE', group, help: 'client certificate (PEM); default $ETCDCTL_CERT' },
  key: { type: 'string', value: 'FILE', group, help: 'client key (PEM); default $ETCDCTL_KEY' },
  timeout: { type: 'integer', value: 'MS', group, min: 1, default: DEFAULT_TIMEOUT_MS, help: 'deadline of each call to etcd, in milliseconds' },
} as const satisfies OptionTable;

export type ConnectionValues = OptionValues<typeof CONNECTION_OPTIONS>;

/** Flags first, then etcdctl's environment variables, as etcdctl itself reads them. */
export function profileFromFlags(values: ConnectionValues): ConnectionProfile {
  const endpoints = splitEndpoints(values.endpoints ?? process.env.ETCDCTL_ENDPOINTS ?? '');
  if (endpoints.length === 0) throw new UsageError('--endpoints is required (every member\'s client URL, comma-separated)');
  return {
    name: 'command line',
    endpoints,
    tls: {
      caFile: values.cacert ?? process.env.ETCDCTL_CACERT,
      certFile: values.cert ?? process.env.ETCDCTL_CERT,
      keyFile: values.key ?? process.env.ETCDCTL_KEY,
    },
    timeoutMs: values.timeout,
    origin: 'flags',
  };
}

/** Whether a cluster was named, by flag or environment (diagnose works without one). */
export function hasConnectionFlags(values: ConnectionValues): boolean {
  return values.endpoints !== undefined || Boolean(process.env.ETCDCTL_ENDPOINTS);
}
