// What an error from etcd means for an operation in progress: wait and retry, try another member, or stop.
// Matched on etcd's own error texts (etcdserver/api/v3rpc/rpctypes), which reach us inside gRPC messages.

export type ErrorKind =
  /** Strict reconfiguration check: a member connected less than 5 s ago. Clears by itself. */
  | 'reconfig-unhealthy'
  /** The member asked is not (or no longer) the leader, or an election is under way. */
  | 'leadership'
  /** The member asked did not answer in time or could not be reached; another member may. */
  | 'unreachable'
  /** The member named is not in the cluster (e.g. a retried removal that had already committed). */
  | 'member-not-found'
  /** Anything else: a real refusal, not worth retrying. */
  | 'fatal';

export function errorText(err: unknown): string {
  return (err as Error)?.message ?? String(err);
}

export function classifyError(err: unknown): ErrorKind {
  const m = errorText(err).toLowerCase();
  if (m.includes('unhealthy cluster')) return 'reconfig-unhealthy';
  if (m.includes('member not found')) return 'member-not-found';
  if (/not leader|no leader|leader changed|leader transfer took too long|previous leader failure|server stopped/.test(m)) return 'leadership';
  if (/no answer within|deadline|timed out|connection refused|unavailable|econnreset|not reachable|no client url|connection lost/.test(m)) return 'unreachable';
  return 'fatal';
}

/** The words an operator reads while the operation waits on a transient refusal. */
export function waitingReason(kind: ErrorKind, err: unknown): string {
  switch (kind) {
    case 'reconfig-unhealthy':
      return `etcd's strict reconfiguration check ("etcdserver: unhealthy cluster": every member must have been connected for 5 s)`;
    case 'leadership':
      return `a leader to settle (${errorText(err)})`;
    case 'unreachable':
      return `a member to answer (${errorText(err)})`;
    default:
      return errorText(err);
  }
}
