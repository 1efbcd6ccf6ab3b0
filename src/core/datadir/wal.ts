// Read-only reader of etcd's write-ahead log (member/wal/*.wal), decoding it the way etcd does when it
// starts: frames, the CRC-32C chain across records and segments, metadata (member and cluster id), hard
// state, snapshot markers and raft entries (conf changes decoded). A torn write at the end of the last
// segment is tolerated, as etcd tolerates (and then truncates) it; anything else wrong is a DataDirError.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ByteSource, openFile } from './byte-source';
import { crc32cUpdate } from './crc32c';
import { asDataDirError, DataDirError } from './errors';
import {
  ConfChange, decodeConfChangeV1, decodeConfChangeV2, decodeEntry, decodeHardState, decodeMetadata, decodeRecord,
  decodeWalSnapshot, EntryType, HardState,
} from './raftpb';

const RecordType = { Metadata: 1, Entry: 2, State: 3, Crc: 4, Snapshot: 5 } as const;
const FRAME_HEADER = 8;
const SECTOR = 512; // etcd's minSectorSize: a torn write leaves whole zeroed sectors
const FIRST_CHUNK = 64 * 1024; // read-ahead window grows from 64 KiB...
const MAX_CHUNK = 4 << 20; // ...to 4 MiB: one readSync per window, not per record

export interface WalFileName { name: string; seq: bigint; index: bigint }

/** `%016x-%016x.wal` (sequence, first raft index), as etcd names segments; null for anything else. */
export function parseWalName(name: string): WalFileName | null {
  const m = /^([0-9a-f]{16})-([0-9a-f]{16})\.wal$/.exec(name);
  return m ? { name, seq: BigInt(`0x${m[1]}`), index: BigInt(`0x${m[2]}`) } : null;
}

/** WAL segment names in the directory, in etcd's order (name order = sequence order). */
export function listWalFiles(walDir: string): WalFileName[] {
  let names: string[];
  try {
    names = fs.readdirSync(walDir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw new DataDirError('io', walDir, null, (err as Error).message);
  }
  return names.map(parseWalName).filter((n): n is WalFileName => n !== null).sort((a, b) => (a.name < b.name ? -1 : 1));
}

export interface WalSegment { name: string; source: ByteSource }

export interface WalTornTail {
  file: string;
  offset: number;
  reason: string;
}

export interface WalContents {
  segments: { name: string; size: number; dataEnd: number }[];
  memberId: string | null;
  clusterId: string | null;
  /** Last hard state record (term, vote, commit), null when the WAL holds none. */
  hardState: HardState | null;
  /** Every snapshot marker (index, term), in WAL order. */
  snapshots: { index: number; term: number }[];
  entryCount: number;
  firstIndex: number | null;
  lastIndex: number;
  lastTerm: number;
  /** Conf changes still in the log (overwritten ones dropped), in index order. */
  confChanges: ConfChange[];
  /** Entries whose index skips ahead of the previous entry: legal only right after a snapshot marker. */
  gaps: { index: number; previous: number | null }[];
  tornTail: WalTornTail | null;
  bytesRead: number;
}

/** Sliding read window over one segment, so reading a WAL costs one read per MiB. */
class Window {
  private buf: Buffer = Buffer.alloc(0);
  private start = 0;
  private chunk = FIRST_CHUNK;
  bytesRead = 0;

  constructor(private readonly source: ByteSource) {}

  /** Returns [buffer, position of `offset` in it]; caller guarantees offset + length <= size. */
  get(offset: number, length: number): [Buffer, number] {
    if (offset < this.start || offset + length > this.start + this.buf.length) {
      const want = Math.min(Math.max(length, this.chunk), this.source.size - offset);
      this.chunk = Math.min(this.chunk * 2, MAX_CHUNK);
      this.buf = this.source.read(offset, want);
      this.start = offset;
      this.bytesRead += want;
    }
    return [this.buf, offset - this.start];
  }
}

function isTornEntry(data: Uint8Array, from: number, to: number, fileOffset: number): boolean {
  // Split the record at sector boundaries; a sector that is entirely zero was never written.
  let pos = from;
  let off = fileOffset;
  while (pos < to) {
    const len = Math.min(SECTOR - (off % SECTOR), to - pos);
    let zero = true;
    for (let i = pos; i < pos + len; i++) if (data[i] !== 0) { zero = false; break; }
    if (zero) return true;
    pos += len;
    off += len;
  }
  return false;
}

/**
 * Decodes segments in order (one continuous log). Throws DataDirError for anything etcd would refuse:
 * bad CRC, bad frame, bad protobuf, unknown record type, conflicting metadata, a broken CRC chain.
 */
export function readWalSegments(segments: WalSegment[]): WalContents {
  const { contents, error } = readWalSegmentsLenient(segments);
  if (error) throw error;
  return contents;
}

/**
 * Like readWalSegments, but returns what was decoded before the first error alongside it: a damaged WAL
 * still names its member and cluster when the damage comes after the metadata record.
 */
export function readWalSegmentsLenient(segments: WalSegment[]): { contents: WalContents; error: DataDirError | null } {
  const out: WalContents = {
    segments: [], memberId: null, clusterId: null, hardState: null, snapshots: [], entryCount: 0,
    firstIndex: null, lastIndex: 0, lastTerm: 0, confChanges: [], gaps: [], tornTail: null, bytesRead: 0,
  };
  let crc = 0;
  let metadata: Buffer | null = null;
  let previousIndex: number | null = null;

  try {
    segmentLoop:
    for (let s = 0; s < segments.length; s++) {
      const { name, source } = segments[s];
      const isLast = s === segments.length - 1;
      const win = new Window(source);
      let offset = 0;
      const segInfo = { name, size: source.size, dataEnd: 0 };
      out.segments.push(segInfo);
      // etcd reads past a torn write only at the end of the last segment; elsewhere it is corruption.
      const torn = (at: number, reason: string): 'stop' => {
        if (!isLast) throw new DataDirError('truncated', name, at, `${reason} (not in the last WAL segment, so etcd cannot repair it)`);
        out.tornTail = { file: name, offset: at, reason };
        return 'stop';
      };

      try {
        for (;;) {
          segInfo.dataEnd = offset;
          if (offset === source.size) break; // end of file
          if (source.size - offset < FRAME_HEADER) { torn(offset, 'partial frame header'); break segmentLoop; }
          const [hb, hp] = win.get(offset, FRAME_HEADER);
          const lenField = hb.readBigInt64LE(hp);
          if (lenField === 0n) break; // end of written data (preallocated zeros follow)
          const recBytes = Number(BigInt.asUintN(64, lenField) & 0x00ffffffffffffffn);
          const padBytes = lenField < 0n ? Number((BigInt.asUintN(64, lenField) >> 56n) & 7n) : 0;
          const bodyStart = offset + FRAME_HEADER;
          if (recBytes + padBytes > source.size - bodyStart) {
            torn(offset, `record length ${recBytes} runs past the end of the file (${source.size - bodyStart} bytes left)`);
            break segmentLoop;
          }
          const [buf, p] = win.get(bodyStart, recBytes + padBytes);
          const body = buf.subarray(p, p + recBytes);
          let rec;
          try {
            rec = decodeRecord(body, name, bodyStart, recBytes);
          } catch (err) {
            if (isTornEntry(buf, p, p + recBytes + padBytes, bodyStart)) { torn(offset, 'partially written record'); break segmentLoop; }
            throw err;
          }
          const data = body.subarray(rec.dataStart, rec.dataEnd);
          if (rec.type !== RecordType.Crc) {
            crc = crc32cUpdate(crc, data);
            if (crc !== rec.crc) {
              if (isTornEntry(buf, p, p + recBytes + padBytes, bodyStart)) { torn(offset, 'partially written record'); break segmentLoop; }
              throw new DataDirError('bad-crc', name, offset,
                `record CRC mismatch (stored ${rec.crc.toString(16)}, computed ${crc.toString(16)}): the bytes changed after etcd wrote them`);
            }
          }
          const dataOffset = bodyStart + rec.dataStart;
          switch (rec.type) {
            case RecordType.Metadata: {
              const copy = Buffer.from(data);
              if (metadata && !metadata.equals(copy)) {
                throw new DataDirError('metadata-conflict', name, offset, 'metadata differs from the earlier segments (member or cluster id changed)');
              }
              if (!metadata) Object.assign(out, decodeMetadata(data, name, dataOffset));
              metadata = copy;
              break;
            }
            case RecordType.Entry: {
              const e = decodeEntry(data, name, dataOffset);
              addEntry(out, e.index, e.term, previousIndex);
              previousIndex = e.index;
              if (e.type === EntryType.ConfChange || e.type === EntryType.ConfChangeV2) {
                const ccData = data.subarray(e.dataStart, e.dataEnd);
                const cc = e.type === EntryType.ConfChange
                  ? decodeConfChangeV1(ccData, name, dataOffset + e.dataStart, e.index, e.term)
                  : decodeConfChangeV2(ccData, name, dataOffset + e.dataStart, e.index, e.term);
                out.confChanges.push(cc);
              }
              break;
            }
            case RecordType.State:
              out.hardState = decodeHardState(data, name, dataOffset);
              break;
            case RecordType.Crc:
              // A CRC record carries the running value of the previous segment; zero means "start of chain".
              if (crc !== 0 && rec.crc !== crc) {
                throw new DataDirError('bad-crc', name, offset,
                  `CRC chain broken: segment starts with ${rec.crc.toString(16)} but the log before it ends with ${crc.toString(16)} (a segment is missing or was replaced)`);
              }
              crc = rec.crc;
              break;
            case RecordType.Snapshot:
              out.snapshots.push(decodeWalSnapshot(data, name, dataOffset));
              break;
            default:
              throw new DataDirError('bad-record', name, offset, `unexpected record type ${rec.type}`);
          }
          offset = bodyStart + recBytes + padBytes;
        }
      } finally {
        out.bytesRead += win.bytesRead;
      }
    }
  } catch (err) {
    return { contents: out, error: asDataDirError(err, segments[out.segments.length - 1]?.name ?? 'WAL') };
  }
  return { contents: out, error: null };
}

function addEntry(out: WalContents, index: number, term: number, previous: number | null): void {
  out.entryCount++;
  if (out.firstIndex === null) out.firstIndex = index;
  if (previous !== null && index <= previous) {
    // A new leader overwrote uncommitted entries: conf changes from there on are gone.
    while (out.confChanges.length && out.confChanges[out.confChanges.length - 1].index >= index) out.confChanges.pop();
  } else if (previous !== null && index > previous + 1) {
    out.gaps.push({ index, previous });
  }
  out.lastIndex = index;
  out.lastTerm = term;
}

export interface WalDirOptions {
  /** Read only segments from this name on (etcd's choice for a snapshot); default: all. */
  fromName?: string;
}

/** Checks that sequence numbers follow each other, as etcd does before reading. */
export function checkWalSequence(walDir: string, names: WalFileName[]): void {
  for (let i = 1; i < names.length; i++) {
    if (names[i].seq !== names[i - 1].seq + 1n) {
      throw new DataDirError('bad-sequence', path.join(walDir, names[i].name), null,
        `WAL sequence jumps from ${names[i - 1].seq} (${names[i - 1].name}) to ${names[i].seq}: a segment is missing`);
    }
  }
}

/** Reads a WAL directory read-only. Throws DataDirError; closes every file it opened. */
export function readWalDir(walDir: string, names = listWalFiles(walDir)): WalContents {
  const { contents, error } = readWalDirLenient(walDir, names);
  if (error || !contents) throw error ?? new DataDirError('io', walDir, null, 'no WAL read');
  return contents;
}

/** Reads a WAL directory read-only, returning the first error with what was decoded before it. */
export function readWalDirLenient(walDir: string, names = listWalFiles(walDir)): { contents: WalContents | null; error: DataDirError | null } {
  const segments: WalSegment[] = [];
  try {
    checkWalSequence(walDir, names);
    for (const n of names) segments.push({ name: path.join(walDir, n.name), source: openFile(path.join(walDir, n.name)) });
    return readWalSegmentsLenient(segments);
  } catch (err) {
    return { contents: null, error: asDataDirError(err, walDir) };
  } finally {
    for (const s of segments) s.source.close();
  }
}
