// The endpoint and TLS flags shared by every command that talks to etcd.
import { ConnectionProfile, DEFAULT_TIMEOUT_MS, splitEndpoints } from '../core/etcd/profile';
import { intFlag, ParsedArgs, stringFlag, UsageError } from './args';

export function profileFromFlags(args: ParsedArgs): ConnectionProfile {
  const endpoints = splitEndpoints(stringFlag(args, 'endpoints') ?? process.env.ETCDCTL_ENDPOINTS ?? '');
  if (endpoints.length === 0) throw new UsageError('--endpoints is required (every member\'s client URL, comma-separated)');
  return {
    name: 'command line',
    endpoints,
    tls: {
      caFile: stringFlag(args, 'cacert') ?? process.env.ETCDCTL_CACERT,
      certFile: stringFlag(args, 'cert') ?? process.env.ETCDCTL_CERT,
      keyFile: stringFlag(args, 'key') ?? process.env.ETCDCTL_KEY,
    },
    timeoutMs: intFlag(args, 'timeout', DEFAULT_TIMEOUT_MS, 1),
    origin: 'flags',
  };
}

/** Whether any connection flag was given (diagnose works without them). */
export function hasConnectionFlags(args: ParsedArgs): boolean {
  return args.flags.has('endpoints') || Boolean(process.env.ETCDCTL_ENDPOINTS);
}
