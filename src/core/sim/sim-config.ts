// What a simulated cluster is made of and how it is timed: the options, member and cluster specs the
// engine is built from, etcd's default timing, and stable etcd-looking member ids.
import { validateTiming } from './etcd-server';
import type { MsgPool } from './messages';
import type { NetworkOptions } from './network';
import { defaultRules, VersionRules } from './version-rules';

export interface SimTiming {
  heartbeatMs: number;
  electionMs: number;
  preVote: boolean;
  checkQuorum: boolean;
  /** raft's StepDownOnRemoval; no etcd release through 3.7 sets it. */
  stepDownOnRemoval: boolean;
}

/** etcd's defaults: 100 ms heartbeat, 1000 ms election timeout; check-quorum on; pre-vote on (3.5+, off in 3.4). */
export const ETCD_DEFAULT_TIMING: SimTiming = {
  heartbeatMs: 100, electionMs: 1000, preVote: true, checkQuorum: true, stepDownOnRemoval: false,
};

export interface MemberSpec {
  name?: string;
  /** Hex member id; derived from the name when absent. */
  id?: string;
  learner?: boolean;
  /** Process running at the start (default true). */
  running?: boolean;
  /** Has published its name, i.e. has run at least once (default true). False = added but never started. */
  started?: boolean;
  peerURLs?: string[];
  clientURLs?: string[];
  version?: string;
  /** bbolt file size, bytes (default 20 MiB). */
  dbSize?: number;
  /** Bytes of it in use (default 80 % of dbSize); a defragmentation shrinks the file to this. */
  dbSizeInUse?: number;
  /** --quota-backend-bytes (default etcd's 2 GiB). */
  quotaBytes?: number;
  /** WAL fsync latency, ms: a follower's acknowledgement (and vote) leaves this long after the message arrived. */
  diskLatencyMs?: number;
  /** Extra random fsync delay in [0, diskJitterMs). */
  diskJitterMs?: number;
}

export interface ClusterSpec {
  members: MemberSpec[];
  /** Slot of the leader at the start; null or absent = no leader yet (an election follows). */
  leader?: number | null;
  term?: number;
  /** Raft index every started member has applied at the start. */
  index?: number;
}

export interface SimOptions {
  seed: number;
  timing?: Partial<SimTiming>;
  network?: Partial<NetworkOptions>;
  /** Check Raft's safety properties as the run goes (throws SafetyViolation). Default true. */
  checkSafety?: boolean;
  /** A client write every this many ms, sent to a random member the client reaches (0 = none). */
  writeIntervalMs?: number;
  /** The etcd version's rules (version-rules.ts); default: those of the default version. Timing left unset follows them. */
  rules?: VersionRules;
  /** Message pool; runs done one after another may share one (then call dispose() at the end). */
  pool?: MsgPool;
  /** Snapshots, compaction of the raft log, defragmentation speed (storage-model.ts). */
  storage?: Partial<StorageOptions>;
  /** Measured peer round trips and WAL fsync figures (measured-timing.ts), applied by member id. */
  measured?: MeasuredTiming;
}

/** How members store and ship their data. */
export interface StorageOptions {
  /** Applied entries between two raft snapshots (etcd's --snapshot-count); default the version's. */
  snapshotCount: number;
  /** Entries kept after a snapshot for slow followers (etcd's SnapshotCatchUpEntries, 5000). */
  catchUpEntries: number;
  /** Speed of a snapshot sent to a follower, bytes/s (the whole db file travels). */
  snapshotBytesPerSec: number;
  /** Speed of a defragmentation, bytes of db file per second; the member is stalled meanwhile. */
  defragBytesPerSec: number;
}

/** etcd keeps 5000 entries after each snapshot; a follower further behind gets a snapshot. */
export const SNAPSHOT_CATCH_UP_ENTRIES = 5000;

export const DEFAULT_STORAGE: Omit<StorageOptions, 'snapshotCount'> = {
  catchUpEntries: SNAPSHOT_CATCH_UP_ENTRIES,
  // About a 1 Gbit/s link with the receiver's fsync: a 1 GB db takes ~10 s to ship.
  snapshotBytesPerSec: 100 * 1024 * 1024,
  // bbolt rewrites the file into a new one: ~16 s for 1 GiB on an SSD.
  defragBytesPerSec: 64 * 1024 * 1024,
};

/** Round trips between members and their fsync latency as measured (simTimingFromMetrics), by hex member id. */
export interface MeasuredTiming {
  /** A round trip between members `a` and `b`, ms; the simulated one-way delay on that link is half. */
  peerRtt: { a: string; b: string; rttMs: number }[];
  /** A member's WAL fsync, ms: the typical (p50) latency and the slow end (p99). */
  walFsync: { id: string; p50Ms: number; p99Ms: number }[];
}

export interface SimMember {
  slot: number;
  id: string;
  name: string;
  peerURLs: string[];
  clientURLs: string[];
  version: string;
  dbSize: number;
  dbSizeInUse: number;
  quotaBytes: number;
  /** WAL fsync latency and jitter, µs (delay of the acknowledgements it sends). */
  diskUs: number;
  diskJitterUs: number;
  /** Busy (defragmenting) until this time, µs: no raft message handled, no tick, no read answered. */
  stalledUntilUs: number;
  /** Revision of the last compaction this member applied (0: none). */
  compactRevision: number;
  running: boolean;
  /** etcd's "started": the member has published its name. */
  started: boolean;
  startedAtUs: number;
  /** A stop is scheduled (removal, graceful stop in progress). */
  stopping: boolean;
  stopReason: string | null;
  /** The member applied its own removal. */
  removedSelf: boolean;
  /** Slots this member knows as removed; its transport rejects their messages. */
  removedMask: number;
  /** The name it will publish once started. */
  plannedName: string;
}

export const DEFAULT_INDEX = 1000;
export const DEFAULT_TERM = 2;
export const DEFAULT_DB_SIZE = 20 * 1024 * 1024;
/** etcd's default --quota-backend-bytes. */
export const DEFAULT_QUOTA_BYTES = 2 * 1024 * 1024 * 1024;

const idCache = new Map<string, string>();

/** A stable, etcd-looking 64-bit hex id for a member name (FNV-1a). */
export function memberIdFor(name: string, salt = ''): string {
  const key = `${salt}/${name}`;
  const cached = idCache.get(key);
  if (cached !== undefined) return cached;
  if (idCache.size > 10000) idCache.clear();
  const id = fnv1a64(key);
  idCache.set(key, id);
  return id;
}

function fnv1a64(text: string): string {
  let h = 0xcbf29ce484222325n;
  for (const ch of text) {
    h ^= BigInt(ch.codePointAt(0) ?? 0);
    h = (h * 0x100000001b3n) & 0xffffffffffffffffn;
  }
  return (h === 0n ? 1n : h).toString(16);
}

/** Timing with every field set: `partial` first, then the version's defaults (pre-vote), then etcd's. */
export function resolveTiming(partial: Partial<SimTiming> = {}, rules: VersionRules = defaultRules()): SimTiming {
  const versionDefaults: SimTiming = {
    ...ETCD_DEFAULT_TIMING, preVote: rules.preVote, checkQuorum: rules.checkQuorum, stepDownOnRemoval: rules.stepDownOnRemoval,
  };
  const t = { ...versionDefaults, ...Object.fromEntries(Object.entries(partial).filter(([, v]) => v !== undefined)) };
  validateTiming(t.heartbeatMs, t.electionMs);
  return t;
}
