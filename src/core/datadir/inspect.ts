// Reads a data dir the way etcd does when it starts, without writing anything: the whole WAL (CRC chain,
// metadata, hard state, snapshot markers), the newest snap file that matches a committed WAL snapshot
// marker, and the db's membership buckets. Failures are kept as DataDirError values, not thrown, so the
// classifier can say what is wrong and what still could be read.
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

export interface DataDirFacts {
  layout: DataDirLayout;
  /** The WAL as etcd would read it; null when absent or unreadable. */
  wal: WalContents | null;
  walError: DataDirError | null;
  /** What was decoded before walError (member and cluster id survive damage after the metadata). */
  walPartial: WalContents | null;
  snaps: SnapAttempt[];
  /** The snapshot etcd would start from; null when none applies (start from index 0). */
  bootSnapshot: (SnapContents & { file: string }) | null;
  db: DbContents | null;
  dbError: DataDirError | null;
  timings: { walMs: number; snapMs: number; dbMs: number; totalMs: number };
}

/** Snap files etcd would try, newest first, stopping at the first it would use. */
function chooseSnapshot(layout: DataDirLayout, wal: WalContents | null): { attempts: SnapAttempt[]; chosen: (SnapContents & { file: string }) | null } {
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
      if (matches) return { attempts, chosen: { ...snap, file } };
    } catch (err) {
      attempts.push({ file, index: Number(name.index), term: Number(name.term), error: asDataDirError(err, file), chosen: false });
    }
    if (attempts.length >= 64) break; // etcd keeps 5 by default; do not read thousands of stray files
  }
  return { attempts, chosen: null };
}

export function inspectDataDir(dirOrLayout: string | DataDirLayout): DataDirFacts {
  const t0 = performance.now();
  const layout = typeof dirOrLayout === 'string' ? locateDataDir(dirOrLayout) : dirOrLayout;
  let wal: WalContents | null = null;
  let walError: DataDirError | null = null;
  let walPartial: WalContents | null = null;
  if (layout.walFiles.length) {
    const r = readWalDirLenient(layout.walDir, layout.walFiles);
    if (r.error) { walError = r.error; walPartial = r.contents; } else wal = r.contents;
  }
  const t1 = performance.now();
  const { attempts, chosen } = chooseSnapshot(layout, wal);
  const t2 = performance.now();
  let db: DbContents | null = null;
  let dbError: DataDirError | null = null;
  if (layout.dbSize !== null) {
    try {
      db = readEtcdDb(layout.dbFile);
    } catch (err) {
      dbError = asDataDirError(err, layout.dbFile);
    }
  }
  const t3 = performance.now();
  return {
    layout, wal, walError, walPartial, snaps: attempts, bootSnapshot: chosen, db, dbError,
    timings: { walMs: t1 - t0, snapMs: t2 - t1, dbMs: t3 - t2, totalMs: t3 - t0 },
  };
}

/** `%016x.snap.db`: the v3 backend etcd fetched with a snapshot, used when the db is older than it. */
export function snapDbName(index: number): string {
  return `${index.toString(16).padStart(16, '0')}.snap.db`;
}

export function relativeTo(root: string, file: string): string {
  return path.relative(root, file) || file;
}
