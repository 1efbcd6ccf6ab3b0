// `snapshot save`: the Snapshot RPC of one healthy, caught-up member (a follower first, to spare the leader),
// streamed to FILE.part, fsynced, checked with the same integrity check as `snapshot status` (the sha256
// trailer etcd appends included), and only then renamed to FILE. A failed or cancelled save leaves no FILE
// and no FILE.part behind. The only thing it writes is that file: nothing is sent that changes the cluster.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ClusterHealth, MemberHealth, quorumJudged } from '../cluster-model';
import type { EndpointPool } from '../etcd/live-health';
import { isAbortError } from '../port';
import { snapshotStatus, SnapshotStatus } from './status';

export interface SaveProgress {
  phase: 'choosing' | 'streaming' | 'checking';
  bytes: number;
  /** The db size the member announced with its first piece; null before it. */
  totalBytes: number | null;
  member: SourceMember | null;
}

export interface SaveOptions {
  /** Replace an existing FILE (--yes). Without it an existing FILE is refused, checked again at the rename. */
  overwrite?: boolean;
  signal?: AbortSignal;
  onProgress?: (p: SaveProgress) => void;
  /** The stream fails when no data came for this long (the deadline moves with progress). Default: the profile's timeout, at least 10 s. */
  idleMs?: number;
  /** Entries a member's applied index may trail the leader's commit index and still count as up to date. */
  maxLagEntries?: number;
}

export interface SourceMember { id: string; name: string; endpoint: string; role: 'leader' | 'follower' | 'learner'; appliedIndex: number }

export interface SaveResult {
  ok: boolean;
  /** Nothing was streamed: a pre-flight check said no. */
  refused: boolean;
  cancelled: boolean;
  reason: string | null;
  file: string;
  size: number | null;
  revision: number | null;
  sha256: string | null;
  fromMember: SourceMember | null;
  /** Why that member (or why none). */
  choice: string;
  /** The check of the written file, when it got that far. */
  status: SnapshotStatus | null;
  bytesStreamed: number;
  ms: number;
}

/**
 * The member to stream from: healthy, started, answering Status, applied index within `maxLag` of the leader's
 * commit index. A voter follower is preferred (a snapshot reads the whole db: the leader's time is worth more),
 * then the leader, then a caught-up learner; ties go to the highest applied index.
 */
export function chooseSourceMember(health: ClusterHealth, maxLag: number): { member: SourceMember | null; why: string } {
  if (!quorumJudged(health)) return { member: null, why: health.connectionProblem ?? 'no member answered' };
  const leader = health.members.find((m) => m.isLeader && m.status);
  if (!leader || !health.quorum.ok) {
    return { member: null, why: `the cluster has no ${health.quorum.ok ? 'leader' : 'quorum'}: no member can be shown to be up to date (save from a member's data dir copy instead, and check it with "snapshot status")` };
  }
  const committed = leader.status!.raftIndex;
  const usable = (m: MemberHealth) => m.healthy && m.started && m.endpoint && m.id && m.status;
  const candidates = health.members.filter((m) => usable(m) && committed - m.status!.appliedIndex <= maxLag);
  const behind = health.members.filter((m) => usable(m) && committed - m.status!.appliedIndex > maxLag).map((m) => `${m.name || m.id} (${committed - m.status!.appliedIndex} entries behind)`);
  const rank = (m: MemberHealth) => (m.isLearner ? 2 : m.isLeader ? 1 : 0);
  candidates.sort((a, b) => rank(a) - rank(b) || b.status!.appliedIndex - a.status!.appliedIndex);
  const best = candidates[0];
  if (!best) return { member: null, why: `no healthy member is within ${maxLag} entries of the leader's commit index ${committed}${behind.length ? `: ${behind.join(', ')}` : ''}` };
  const role = best.isLeader ? 'leader' : best.isLearner ? 'learner' : 'follower';
  const member: SourceMember = { id: best.id!, name: best.name, endpoint: best.endpoint!, role, appliedIndex: best.status!.appliedIndex };
  const lag = committed - member.appliedIndex;
  const why = `${member.name || member.id} (${role}): healthy, applied index ${member.appliedIndex}, ${lag <= 0 ? 'level with' : `${lag} entries behind`} the leader's commit index ${committed}`
    + (role === 'leader' ? '; no follower was healthy and caught up' : '');
  return { member, why };
}

function removeQuietly(file: string): void {
  try { fs.unlinkSync(file); } catch { /* already gone */ }
}

function fsyncDir(dir: string): void {
  let fd: number | null = null;
  try { fd = fs.openSync(dir, 'r'); fs.fsyncSync(fd); } catch { /* some filesystems refuse a directory fsync */ } finally { if (fd !== null) fs.closeSync(fd); }
}

/** Saves a snapshot of the cluster `pool` talks to into `file`. Never throws for a refusal or a failed stream: see the result. */
export async function saveSnapshot(pool: EndpointPool, file: string, options: SaveOptions = {}): Promise<SaveResult> {
  const started = performance.now();
  const target = path.resolve(file);
  const part = `${target}.part`;
  const result: SaveResult = {
    ok: false, refused: false, cancelled: false, reason: null, file: target, size: null, revision: null, sha256: null,
    fromMember: null, choice: '', status: null, bytesStreamed: 0, ms: 0,
  };
  const done = (patch: Partial<SaveResult>): SaveResult => Object.assign(result, patch, { ms: Math.round(performance.now() - started) });
  const refuse = (reason: string) => done({ refused: true, reason });

  if (fs.existsSync(target) && !options.overwrite) return refuse(`${target} exists; give --yes to replace it (it is replaced only once the new snapshot has been checked)`);
  if (!fs.existsSync(path.dirname(target))) return refuse(`the folder ${path.dirname(target)} does not exist`);
  if (fs.existsSync(part)) return refuse(`${part} exists: another save is running, or one was killed; remove it and run again`);

  options.onProgress?.({ phase: 'choosing', bytes: 0, totalBytes: null, member: null });
  const { refreshCluster } = await import('../etcd/live-health');
  const health = await refreshCluster(pool.profile, { pool, httpChecks: false });
  if (options.signal?.aborted) return done({ cancelled: true, reason: 'cancelled before anything was streamed' });
  const choice = chooseSourceMember(health, options.maxLagEntries ?? 1000);
  result.choice = choice.why;
  if (!choice.member) return refuse(`no member to take the snapshot from: ${choice.why}`);
  const member = choice.member;
  result.fromMember = member;

  let fd: number | null = null;
  try {
    fd = fs.openSync(part, 'wx', 0o600);
  } catch (err) {
    return refuse(`cannot create ${part}: ${(err as Error).message}`);
  }
  let total: number | null = null;
  try {
    const idleMs = options.idleMs ?? Math.max(pool.timeoutMs, 10_000);
    const out = fd;
    await pool.client(member.endpoint).snapshot((chunk) => {
      if (total === null) total = chunk.blob.length + chunk.remainingBytes;
      let at = 0;
      while (at < chunk.blob.length) at += fs.writeSync(out, chunk.blob, at, chunk.blob.length - at);
      result.bytesStreamed += chunk.blob.length;
      options.onProgress?.({ phase: 'streaming', bytes: result.bytesStreamed, totalBytes: total, member });
    }, { idleMs, signal: options.signal });
    fs.fsyncSync(fd);
    fs.closeSync(fd);
    fd = null;
    options.onProgress?.({ phase: 'checking', bytes: result.bytesStreamed, totalBytes: total, member });
    const status = snapshotStatus(part);
    result.status = status;
    if (!status.ok || status.trailer !== 'valid') {
      removeQuietly(part);
      const why = status.integrity.errors[0] ?? (status.trailer === 'absent' ? 'the stream carried no sha256 trailer' : 'the check failed');
      return done({ reason: `the snapshot from ${member.name || member.id} failed its check, nothing was kept: ${why}` });
    }
    if (options.overwrite) {
      fs.renameSync(part, target);
    } else {
      // link() never replaces: a FILE that appeared while we streamed is not overwritten without --yes.
      try { fs.linkSync(part, target); } catch (err) {
        removeQuietly(part);
        return done({ refused: true, reason: `${target} appeared while the snapshot was streamed; nothing was replaced (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})` });
      }
      removeQuietly(part);
    }
    fsyncDir(path.dirname(target));
    return done({ ok: true, size: status.fileSize, revision: status.revision, sha256: status.sha256 });
  } catch (err) {
    if (fd !== null) { try { fs.closeSync(fd); } catch { /* closing is best effort here */ } }
    removeQuietly(part);
    if (isAbortError(err) || options.signal?.aborted) return done({ cancelled: true, reason: `cancelled after ${result.bytesStreamed} bytes; the partial file was removed` });
    return done({ reason: `the snapshot stream from ${member.name || member.id} failed after ${result.bytesStreamed} bytes, the partial file was removed: ${(err as Error).message}` });
  }
}
