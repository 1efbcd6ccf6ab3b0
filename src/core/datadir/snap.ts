// Read-only reader of etcd's raft snapshot files (member/snap/%016x-%016x.snap): CRC-checked, then the
// snapshot's index, term and conf state (voters, learners). The v3 key space is in member/snap/db, not here.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { CappedReadError, readFileCapped } from '../read-capped';
import { BufferSource, ByteSource } from './byte-source';
import { crc32c } from './crc32c';
import { DataDirError } from './errors';
import { ProtoReader, Wire } from './protobuf';
import { ConfState, decodeRaftSnapshot } from './raftpb';

/**
 * Snap files hold etcd's v2 store: membership and cluster version since 3.4 (kilobytes), more only on
 * clusters that used the v2 API. Anything far larger is not one, and is not read into memory.
 */
export const MAX_SNAP_BYTES = 64 * 1024 * 1024;

export interface SnapFileName { name: string; term: bigint; index: bigint }

export function parseSnapName(name: string): SnapFileName | null {
  const m = /^([0-9a-f]{16})-([0-9a-f]{16})\.snap$/.exec(name);
  return m ? { name, term: BigInt(`0x${m[1]}`), index: BigInt(`0x${m[2]}`) } : null;
}

/** Snap files newest first, as etcd tries them. */
export function listSnapFiles(snapDir: string): SnapFileName[] {
  let names: string[];
  try {
    names = fs.readdirSync(snapDir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw new DataDirError('io', snapDir, null, (err as Error).message);
  }
  return names.map(parseSnapName).filter((n): n is SnapFileName => n !== null).sort((a, b) => (a.name < b.name ? 1 : -1));
}

export interface SnapContents {
  file: string;
  index: number;
  term: number;
  confState: ConfState;
  /** Size of the v2 store payload. */
  dataBytes: number;
}

/** Decodes snappb.Snapshot {crc = 1, data = 2} from a source, checking the CRC-32C like etcd. */
export function readSnap(source: ByteSource): SnapContents {
  const file = source.name;
  if (source.size === 0) throw new DataDirError('truncated', file, 0, 'empty snapshot file');
  if (source.size > MAX_SNAP_BYTES) throw new DataDirError('too-large', file, null, `${source.size} bytes is larger than any etcd snap file (limit ${MAX_SNAP_BYTES})`);
  const bytes = source.read(0, source.size);
  const r = new ProtoReader(bytes, file);
  let crc: number | null = null;
  let span: [number, number] | null = null;
  while (r.next()) {
    if (r.field === 1) { r.expect(Wire.Varint); crc = Number(r.u64() & 0xffffffffn); } else if (r.field === 2) { r.expect(Wire.Bytes); span = r.span(); } else r.skip();
  }
  if (!span || span[1] === span[0] || !crc) throw new DataDirError('bad-record', file, 0, 'snapshot has no data or no CRC (etcd: empty snapshot)');
  const data = bytes.subarray(span[0], span[1]);
  const actual = crc32c(data);
  if (actual !== crc) throw new DataDirError('bad-crc', file, span[0], `snapshot CRC mismatch (stored ${crc.toString(16)}, computed ${actual.toString(16)})`);
  const snap = decodeRaftSnapshot(data, file, span[0]);
  return { file, ...snap };
}

export function readSnapFile(file: string): SnapContents {
  let bytes: Buffer;
  try {
    bytes = readFileCapped(file, MAX_SNAP_BYTES, 'etcd snap file');
  } catch (err) {
    if (!(err instanceof CappedReadError)) throw err;
    throw new DataDirError(err.code === 'too-large' ? 'too-large' : 'io', file, null, err.message.slice(file.length + 2));
  }
  return readSnap(new BufferSource(file, bytes));
}

export function snapPath(snapDir: string, n: SnapFileName): string {
  return path.join(snapDir, n.name);
}
