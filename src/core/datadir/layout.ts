// Finds the pieces of an etcd data dir (member/wal, member/snap, member/snap/db) and what else lies beside
// them (k3s tombstone and name files). Accepts the data dir itself or its `member` subdirectory.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { listSnapFiles, SnapFileName } from './snap';
import { listWalFiles, WalFileName } from './wal';

/** The directory cannot be diagnosed at all (missing, not a directory, unreadable). */
export class DataDirUsageError extends Error {}

export interface DataDirLayout {
  /** The etcd data dir (parent of `member`). */
  root: string;
  memberDir: string;
  walDir: string;
  snapDir: string;
  dbFile: string;
  walFiles: WalFileName[];
  /** Preallocated segments (0.tmp, 1.tmp): etcd ignores them for "already bootstrapped". */
  walTmpFiles: string[];
  /** Newest first. */
  snapFiles: SnapFileName[];
  dbSize: number | null;
  /** `%016x.snap.db` files: v3 backend snapshots received from a leader. */
  snapDbFiles: string[];
  /** k3s writes `tombstone` to make itself move this data dir aside at next start. */
  tombstone: boolean;
  /** k3s/RKE2 keep the etcd member name in `name`. */
  memberName: string | null;
  /** Entries of the data dir other than `member` (and k3s's files). */
  otherEntries: string[];
}

function readSmallText(file: string): string | null {
  try {
    const st = fs.statSync(file);
    if (!st.isFile() || st.size > 4096) return null;
    return fs.readFileSync(file, 'utf8').trim() || null;
  } catch {
    return null;
  }
}

function listNames(dir: string): string[] {
  try { return fs.readdirSync(dir); } catch { return []; }
}

export function locateDataDir(dir: string): DataDirLayout {
  let st: fs.Stats;
  try {
    st = fs.statSync(dir);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new DataDirUsageError(`${dir}: ${code === 'ENOENT' ? 'no such directory' : code === 'EACCES' ? 'permission denied' : (err as Error).message}`);
  }
  if (!st.isDirectory()) throw new DataDirUsageError(`${dir}: not a directory`);
  try {
    fs.readdirSync(dir);
  } catch (err) {
    throw new DataDirUsageError(`${dir}: cannot list (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
  // Someone pointed at <data-dir>/member: step up, so paths and advice name the real data dir.
  const names = new Set(listNames(dir));
  const root = !names.has('member') && (names.has('wal') || names.has('snap')) && path.basename(path.resolve(dir)) === 'member'
    ? path.dirname(path.resolve(dir)) : dir;
  const memberDir = path.join(root, 'member');
  const walDir = path.join(memberDir, 'wal');
  const snapDir = path.join(memberDir, 'snap');
  const dbFile = path.join(snapDir, 'db');
  let dbSize: number | null = null;
  try {
    const s = fs.statSync(dbFile);
    if (s.isFile()) dbSize = s.size;
  } catch { /* no db */ }
  const walTmpFiles = listNames(walDir).filter((n) => n.endsWith('.tmp'));
  const rootNames = listNames(root);
  return {
    root, memberDir, walDir, snapDir, dbFile,
    walFiles: listWalFiles(walDir), walTmpFiles, snapFiles: listSnapFiles(snapDir), dbSize,
    snapDbFiles: listNames(snapDir).filter((n) => /^[0-9a-f]{16}\.snap\.db$/.test(n)),
    tombstone: rootNames.includes('tombstone'),
    memberName: readSmallText(path.join(root, 'name')),
    otherEntries: rootNames.filter((n) => !['member', 'name', 'tombstone', 'config'].includes(n)),
  };
}
