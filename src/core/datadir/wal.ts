// Read-only reader of etcd's write-ahead log (member/wal/*.wal), decoding it the way etcd does when it
// starts: frames, the CRC-32C chain across records and segments, metadata (member and cluster id), hard
// state, snapshot markers and raft entries (conf changes decoded). A torn write at the end of the last
// segment is tolerated, as etcd tolerates (and then truncates) it; damage is told apart from it.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ByteSource, openFile, ReadWindow } from './byte-source';
import { crc32cUpdate } from './crc32c';
import { asDataDirError, DataDirError } from './errors';
import { FrameDamage, judgeUnreadableFrame, judgeZeroLength } from './wal-damage';
import {
  ConfChange, decodeConfChangeV1, decodeConfChangeV2, decodeEntry, decodeHardState, decodeMetadata, decodeRecord,
  decodeWalSnapshot, EntryType, HardState, WalSnapshot,
} from './raftpb';

const RecordType = { Metadata: 1, Entry: 2, State: 3, Crc: 4, Snapshot: 5 } as const;
const FRAME_HEADER = 8;
const SECTOR = 512; // etcd's minSectorSize: a torn write leaves whole zeroed sectors

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

export interface WalSegmentInfo {
  name: string;
  size: number;
  dataEnd: number;
  /** Ids in this segment's own metadata record (etcd takes them from the first segment it reads). */
  memberId: string | null;
  clusterId: string | null;
}

/** A record etcd only decodes from its snapshot's segment on: `segment` indexes WalContents.segments. */
export interface WalProblem { segment: number; error: DataDirError }

export interface WalContents {
  segments: WalSegmentInfo[];
  memberId: string | null;
  clusterId: string | null;
  /** Last hard state record (term, vote, commit), null when the WAL holds none. */
  hardState: HardState | null;
  /** Every snapshot marker (index, term), in WAL order. */
  snapshots: WalSnapshot[];
  entryCount: number;
  firstIndex: number | null;
  lastIndex: number;
  lastTerm: number;
  /** Conf changes still in the log (overwritten ones dropped), in index order. */
  confChanges: ConfChange[];
  /** Entries whose index skips ahead of the previous entry: legal only right after a snapshot marker. */
  gaps: { index: number; previous: number | null }[];
  tornTail: WalTornTail | null;
  /** An unreadable frame in the last segment with written records behind it (not a torn write). */
  damage: FrameDamage | null;
  /** Undecodable entries, metadata that changed, unknown record types: see readWalSegmentsLenient. */
  problems: WalProblem[];
  bytesRead: number;
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
 * Decodes segments in order (one continuous log). Throws DataDirError for anything wrong, including the
 * record-level problems the lenient reader keeps per segment.
 */
export function readWalSegments(segments: WalSegment[]): WalContents {
  const { contents, error } = readWalSegmentsLenient(segments);
  if (error) throw error;
  if (contents.damage) throw new DataDirError('bad-length', contents.damage.file, contents.damage.offset, contents.damage.reason);
  if (contents.problems.length) throw contents.problems[0].error;
  return contents;
}

/**
 * Reads every segment the way etcd does at start. Two kinds of trouble are told apart, as etcd tells them:
 * - `error`: what etcd's first pass over all segments (looking for snapshot records: frames, CRCs, the CRC
 *   chain) trips over; decoding stops there and what was read before it is returned alongside;
 * - `problems`: record contents etcd only decodes from the segment holding its snapshot on (entries,
 *   metadata, record types); which of them matter depends on that snapshot, so the caller decides.
 */
export function readWalSegmentsLenient(segments: WalSegment[]): { contents: WalContents; error: DataDirError | null } {
  const out: WalContents = {
    segments: [], memberId: null, clusterId: null, hardState: null, snapshots: [], entryCount: 0,
    firstIndex: null, lastIndex: 0, lastTerm: 0, confChanges: [], gaps: [], tornTail: null, damage: null, problems: [], bytesRead: 0,
  };
  let crc = 0;
  let metadata: Buffer | null = null;
  let previousIndex: number | null = null;

  try {
    segmentLoop:
    for (let s = 0; s < segments.length; s++) {
      const { name, source } = segments[s];
      const isLast = s === segments.length - 1;
      const win = new ReadWindow(source);
      let offset = 0;
      const segInfo: WalSegmentInfo = { name, size: source.size, dataEnd: 0, memberId: null, clusterId: null };
      out.segments.push(segInfo);
      const problem = (err: unknown) => { out.problems.push({ segment: s, error: asDataDirError(err, name) }); };
      // etcd reads past an unreadable frame only at the end of the last segment (and truncates it there);
      // elsewhere it is corruption. In the last one, written records behind the frame make it damage.
      let crcBefore = 0;
      const unreadable = (at: number, claimedEnd: number, reason: string): 'stop' => {
        if (!isLast) throw new DataDirError('truncated', name, at, `${reason} (not in the last WAL segment, so etcd cannot repair it)`);
        const damage = judgeUnreadableFrame(source, at, claimedEnd, reason, crcBefore);
        if (damage) out.damage = damage; else out.tornTail = { file: name, offset: at, reason };
        return 'stop';
      };

      try {
        for (;;) {
          segInfo.dataEnd = offset;
          crcBefore = crc;
          if (offset === source.size) break; // end of file
          if (source.size - offset < FRAME_HEADER) { unreadable(offset, source.size, 'partial frame header'); break segmentLoop; }
          const [hb, hp] = win.get(offset, FRAME_HEADER);
          const lenField = hb.readBigInt64LE(hp);
          if (lenField === 0n) {
            // End of written data (preallocated zeros follow), unless records were written behind it.
            const hidden = isLast ? judgeZeroLength(source, offset, crc) : null;
            if (hidden) out.damage = hidden;
            break;
          }
          const recBytes = Number(BigInt.asUintN(64, lenField) & 0x00ffffffffffffffn);
          const padBytes = lenField < 0n ? Number((BigInt.asUintN(64, lenField) >> 56n) & 7n) : 0;
          const bodyStart = offset + FRAME_HEADER;
          const claimedEnd = bodyStart + recBytes + padBytes;
          if (recBytes + padBytes > source.size - bodyStart) {
            unreadable(offset, claimedEnd, `record length ${recBytes} runs past the end of the file (${source.size - bodyStart} bytes left)`);
            break segmentLoop;
          }
          const [buf, p] = win.get(bodyStart, recBytes + padBytes);
          const body = buf.subarray(p, p + recBytes);
          let rec;
          try {
            rec = decodeRecord(body, name, bodyStart, recBytes);
          } catch (err) {
            if (isTornEntry(buf, p, p + recBytes + padBytes, bodyStart)) { unreadable(offset, claimedEnd, 'partially written record'); break segmentLoop; }
            throw err;
          }
          const data = body.subarray(rec.dataStart, rec.dataEnd);
          if (rec.type !== RecordType.Crc) {
            crc = crc32cUpdate(crc, data);
            if (crc !== rec.crc) {
              if (isTornEntry(buf, p, p + recBytes + padBytes, bodyStart)) { unreadable(offset, claimedEnd, 'partially written record'); break segmentLoop; }
              throw new DataDirError('bad-crc', name, offset,
                `record CRC mismatch (stored ${rec.crc.toString(16)}, computed ${crc.toString(16)}): the bytes changed after etcd wrote them`);
            }
          }
          const dataOffset = bodyStart + rec.dataStart;
          switch (rec.type) {
            case RecordType.Metadata: {
              const copy = Buffer.from(data);
              try {
                const ids = decodeMetadata(data, name, dataOffset);
                if (!segInfo.memberId && !segInfo.clusterId) Object.assign(segInfo, ids);
                if (!metadata) Object.assign(out, ids);
              } catch (err) { problem(err); }
              if (metadata && !metadata.equals(copy)) {
                problem(new DataDirError('metadata-conflict', name, offset, 'metadata differs from the earlier segments (member or cluster id changed)'));
              }
              metadata = copy;
              break;
            }
            case RecordType.Entry: {
              try {
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
              } catch (err) { problem(err); }
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
              problem(new DataDirError('bad-record', name, offset, `unexpected record type ${rec.type}`));
          }
          offset = claimedEnd;
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
