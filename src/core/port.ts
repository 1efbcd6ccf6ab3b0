// ClusterPort: everything the operations engine may ask of a cluster. Real etcd implements it
// (etcd/etcd-port.ts) and so does the Raft simulator (sim/sim-port.ts), so a rehearsal runs the exact
// plan code that later acts on the real cluster.
import { ClusterHealth, MemberStatus } from './cluster-model';

export interface MemberInfo {
  id: string;
  name: string;
  peerURLs: string[];
  clientURLs: string[];
  isLearner: boolean;
}

export type AlarmKind = 'NOSPACE' | 'CORRUPT';

export interface AlarmInfo {
  /** Hex id of the member that raised it. */
  memberId: string;
  alarm: AlarmKind;
}

/**
 * Options of a call that acts or waits. `signal` ends it: a call not yet sent is never sent, a pending one
 * is cancelled (what the server already received may still be applied), a sleep ends at once. Every such
 * call rejects with an AbortError once the signal is aborted.
 */
export interface CallOptions {
  signal?: AbortSignal;
}

export interface MemberListOptions extends CallOptions {
  /**
   * Ask the member to confirm with the leader first (etcd >= 3.5; 3.4 ignores the field and answers from
   * its own applied state).
   */
  linearizable?: boolean;
}

export interface ClusterPort {
  /** Human description, e.g. "3 endpoints (TLS)" or "simulated 5-member cluster". */
  readonly description: string;
  /** One full health refresh: every member's status and health, the member list, findings. */
  snapshot(): Promise<ClusterHealth>;
  /**
   * Status of one member (by hex id) asked at its own endpoint: no health read, no member list, so it answers
   * even while the cluster has no leader. Cheap enough to poll every few ms. Throws if it cannot answer.
   */
  memberStatus(memberId: string, options?: CallOptions): Promise<MemberStatus>;
  /** Member list as seen through one member (by hex id). Throws if that member cannot answer. */
  memberList(via: string, options?: MemberListOptions): Promise<MemberInfo[]>;
  /** MoveLeader, sent to the current leader `leaderId` itself. */
  moveLeader(leaderId: string, targetId: string, options?: CallOptions): Promise<void>;
  removeMember(memberId: string, via: string, options?: CallOptions): Promise<MemberInfo[]>;
  addMember(peerURLs: string[], isLearner: boolean, via: string, options?: CallOptions): Promise<MemberInfo>;
  promoteMember(memberId: string, via: string, options?: CallOptions): Promise<MemberInfo[]>;
  /**
   * Defragments one member, asked at its own endpoint (etcd blocks that member's reads and writes while it
   * runs). Resolves when the member reports it done.
   */
  defragment(memberId: string, options?: CallOptions): Promise<void>;
  /** Compacts the keyspace at `revision`, physically (the call returns once the compaction is on disk). */
  compact(revision: number, via: string, options?: CallOptions): Promise<void>;
  /** The alarms raised in the cluster (the Alarm RPC is a raft proposal: operations only, never a refresh). */
  alarms(via: string, options?: CallOptions): Promise<AlarmInfo[]>;
  /** Disarms one alarm of one member; resolves to the alarms still raised. */
  disarmAlarm(alarm: AlarmInfo, via: string, options?: CallOptions): Promise<AlarmInfo[]>;
  /** The port's clock: wall time for real etcd, virtual time for the simulator. */
  now(): number;
  /** Waits `ms` on the port's clock; rejects with an AbortError as soon as `options.signal` is aborted. */
  sleep(ms: number, options?: CallOptions): Promise<void>;
  close(): Promise<void>;
}

/** The error every port call rejects with once its signal is aborted. */
export function abortError(signal?: AbortSignal): Error {
  const reason = signal?.reason;
  if (reason instanceof Error && reason.name === 'AbortError') return reason;
  const err = new Error(typeof reason === 'string' ? reason : 'the operation ended: call not sent');
  err.name = 'AbortError';
  return err;
}

/** Throws the abort error when the signal is already aborted: the guard before anything is sent. */
export function throwIfAborted(signal?: AbortSignal): void {
  if (signal?.aborted) throw abortError(signal);
}

export function isAbortError(err: unknown): boolean {
  return (err as Error)?.name === 'AbortError';
}
