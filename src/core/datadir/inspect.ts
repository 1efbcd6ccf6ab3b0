// Reads a data dir the way etcd does when it starts, without writing anything: the whole WAL (CRC chain,
// hard state, snapshot markers), the snapshot etcd would start from (3.5/3.6: the newest snap file matching
// a committed WAL snapshot marker; 3.7: the newest committed marker itself), the records from the segment
// holding that snapshot on, and the db's membership buckets. Failures are kept as DataDirError values, not
// thrown, so the classifier can say what is wrong and what still could be read.
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { DbContents, readEtcdDb } from './etcd-db';
import { asDataDirError, DataDirError } from './errors';
import { DataDirLayout, locateDataDir } from './layout';
import { readSnapFile, SnapContents, snapPath } from './snap';
import { readWalDirLenient, WalContents } from './wal';

export interface SnapAttempt {
  file: string;
  index: number;
  term: number;
  error: DataDirError | null;
  /** Whether etcd would start from this snapshot (newest valid one matching a committed WAL marker). */
  chosen: boolean;
}

/**
 * The on-disk schema: `meta/storageVersion` (3.6+), else `meta/term` present (3.5), else 3.4. It decides
 * how etcd boots the dir: 3.7 takes its snapshot from the WAL's snapshot records, not from snap files.
 */
export interface SchemaVersion { version: string; source: 'storageVersion' | 'term' | 'none'; bootRules: '3.4' | '3.5' | '3.6' | '3.7' }

export type BootSnapshot = SnapContents & { file: string; source: 'snap-file' | 'wal-record' };

export interface DataDirFacts {
  layout: DataDirLayout;
  /** The WAL as etcd would read it; null when absent or unreadable. */
  wal: WalContents | null;
  walError: DataDirError | null;
  /** What was decoded before walError (member and cluster id survive damage after the metadata). */
  walPartial: WalContents | null;
  snaps: SnapAttempt[];
  /** The snapshot etcd would start from; null when none applies (start from index 0). */
  bootSnapshot: BootSnapshot | null;
  /** Index into the WAL segments of the one etcd starts reading from (holding the snapshot's index). */
  walStartSegment: number;
  /** Record problems in segments before walStartSegment: etcd does not decode them at start. */
  walOldProblems: DataDirError[];
  schema: SchemaVersion | null;
  db: DbContents | null;
  dbError: DataDirError | null;
  timings: { walMs: number; snapMs: number; dbMs: number; totalMs: number };
}

/** Snap files etcd would try, newest first, stopping at the first it would use. */
function chooseSnapshot(layout: DataDirLayout, wal: WalContents | null): { attempts: SnapAttempt[]; chosen: BootSnapshot | null } {
  const attempts: SnapAttempt[] = [];
  // etcd only trusts snapshots the WAL recorded and committed (wal.ValidSnapshotEntries).
  const commit = wal?.hardState?.commit ?? 0;
  const walSnaps = wal ? wal.snapshots.filter((s) => s.index <= commit) : null;
  for (const name of layout.snapFiles) {
    const file = snapPath(layout.snapDir, name);
    try {
      const snap = readSnapFile(file);
      const matches = !walSnaps || walSnaps.some((s) => s.index === snap.index && s.term === snap.term);
      attempts.push({ file, index: snap.index, term: snap.term, error: null, chosen: matches });
      if (matches) return { attempts, chosen: { ...snap, file, source: 'snap-file' } };
    } catch (err) {
      attempts.push({ file, index: Number(name.index), term: Number(name.term), error: asDataDirError(err, file), chosen: false });
    }
    if (attempts.length >= 64) break; // etcd keeps 5 by default; do not read thousands of stray files
  }
  return { attempts, chosen: null };
}

export function schemaOf(db: DbContents | null): SchemaVersion | null {
  if (!db) return null;
  if (db.storageVersion) {
    const m = /^(\d+)\.(\d+)/.exec(db.storageVersion);
    const minor = m && m[1] === '3' ? Number(m[2]) : null;
    return { version: db.storageVersion, source: 'storageVersion', bootRules: minor !== null && minor >= 7 ? '3.7' : '3.6' };
  }
  if (db.term !== null) return { version: '3.5', source: 'term', bootRules: '3.5' };
  return db.consistentIndex === null ? null : { version: '3.4', source: 'none', bootRules: '3.4' };
}

/** etcd 3.7: the newest WAL snapshot record at or below the commit index is the snapshot, conf state included. */
function walRecordSnapshot(layout: DataDirLayout, wal: WalContents): BootSnapshot | null {
  const commit = wal.hardState?.commit ?? 0;
  const last = wal.snapshots.filter((s) => s.index <= commit).pop();
  if (!last || last.index === 0) return null;
  const empty = { voters: [], learners: [], votersOutgoing: [], learnersNext: [], autoLeave: false };
  return { file: layout.walDir, source: 'wal-record', index: last.index, term: last.term, confState: last.confState ?? empty, dataBytes: 0 };
}

/** etcd's searchIndex: the last segment whose first index is at or below the snapshot's index. */
function startSegment(layout: DataDirLayout, snapIndex: number): number {
  let start = 0;
  layout.walFiles.forEach((f, i) => { if (f.index <= BigInt(snapIndex)) start = i; });
  return start;
}

export function inspectDataDir(dirOrLayout: string | DataDirLayout): DataDirFacts {
  const t0 = performance.now();
  const layout = typeof dirOrLayout === 'string' ? locateDataDir(dirOrLayout) : dirOrLayout;
  let db: DbContents | null = null;
  let dbError: DataDirError | null = null;
  if (layout.dbSize !== null) {
    try {
      db = readEtcdDb(layout.dbFile);
    } catch (err) {
      dbError = asDataDirError(err, layout.dbFile);
    }
  }
  const schema = schemaOf(db);
  const tDb = performance.now();
  let wal: WalContents | null = null;
  let walError: DataDirError | null = null;
  let walPartial: WalContents | null = null;
  if (layout.walFiles.length) {
    const r = readWalDirLenient(layout.walDir, layout.walFiles);
    if (r.error || !r.contents) { walError = r.error; walPartial = r.contents; } else wal = r.contents;
  }
  const t1 = performance.now();
  const { attempts, chosen: fromSnapFile } = chooseSnapshot(layout, wal);
  const chosen = schema?.bootRules === '3.7' && wal ? walRecordSnapshot(layout, wal) : fromSnapFile;
  const t2 = performance.now();
  let walStartSegment = 0;
  const walOldProblems: DataDirError[] = [];
  if (wal) {
    walStartSegment = startSegment(layout, chosen?.index ?? 0);
    // etcd reads entries, metadata and record types from the snapshot's segment on: older ones only warn.
    for (const p of wal.problems) if (p.segment < walStartSegment) walOldProblems.push(p.error);
    const fatal = wal.problems.find((p) => p.segment >= walStartSegment);
    const own = wal.segments[walStartSegment];
    if (own && (own.memberId || own.clusterId)) { wal.memberId = own.memberId; wal.clusterId = own.clusterId; }
    if (fatal) { walError = fatal.error; walPartial = wal; wal = null; }
  }
  return {
    layout, wal, walError, walPartial, snaps: attempts, bootSnapshot: chosen, walStartSegment, walOldProblems, schema, db, dbError,
    timings: { walMs: t1 - tDb, snapMs: t2 - t1, dbMs: tDb - t0, totalMs: t2 - t0 },
  };
}

/** `%016x.snap.db`: the v3 backend etcd fetched with a snapshot, used when the db is older than it. */
export function snapDbName(index: number): string {
  return `${index.toString(16).padStart(16, '0')}.snap.db`;
}

export function relativeTo(root: string, file: string): string {
  return path.relative(root, file) || file;
}
