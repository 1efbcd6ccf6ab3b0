// Tells a torn write from damage when a WAL frame cannot be read. A torn write leaves zeroed sectors at the
// very end of the written data; a frame whose length or bytes were changed deep inside the log has valid
// frames (and their CRC chain) behind it. etcd treats both the same on start (it truncates at the bad frame),
// so only the second one loses records that were written and acknowledged.
import { ByteSource, ReadWindow } from './byte-source';
import { crc32cUpdate } from './crc32c';
import { decodeHardState, decodeRecord, decodeEntry } from './raftpb';

const FRAME_HEADER = 8;
const SCAN_CHUNK = 1 << 20;
/** Candidate records larger than this are not decoded as evidence (etcd's own limit is 1.5 MiB per request). */
const MAX_EVIDENCE_RECORD = 8 << 20;

export interface FrameDamage {
  file: string;
  /** Where the unreadable frame starts: etcd truncates the segment here. */
  offset: number;
  reason: string;
  /** The record length the bad frame claims (etcd 3.4 refuses any of 10 MiB or more outright). */
  claimedBytes: number;
  /** Written (non-zero) bytes from the bad frame to the end of the written data. */
  bytesBehind: number;
  /** Valid records found behind the bad frame, and what the newest of them said. */
  recordsBehind: number;
  lastIndexBehind: number | null;
  hardStateBehind: { term: number; commit: number } | null;
}

/** Offset just past the last non-zero byte at or after `from` (scanned backwards from the end, in chunks). */
export function writtenEnd(source: ByteSource, from: number): number {
  let end = source.size;
  while (end > from) {
    const start = Math.max(from, end - SCAN_CHUNK);
    const buf = source.read(start, end - start);
    for (let i = buf.length - 1; i >= 0; i--) if (buf[i] !== 0) return start + i + 1;
    end = start;
  }
  return from;
}

function slice(win: ReadWindow, offset: number, length: number): Buffer {
  const [buf, p] = win.get(offset, length);
  return buf.subarray(p, p + length);
}

interface Frame { next: number; type: number; crc: number; data: Buffer }

/** A well-formed frame at `at` (length, padding, record protobuf, known type), or null. */
function frameAt(win: ReadWindow, source: ByteSource, at: number, limit: number): Frame | null {
  if (at + FRAME_HEADER + 3 > Math.min(limit, source.size)) return null;
  const head = slice(win, at, FRAME_HEADER + 3);
  const lenField = head.readBigInt64LE(0);
  if (lenField === 0n) return null;
  const rec = Number(BigInt.asUintN(64, lenField) & 0x00ffffffffffffffn);
  const pad = lenField < 0n ? Number((BigInt.asUintN(64, lenField) >> 56n) & 7n) : 0;
  // etcd writes the record type first (field 1, varint 1..5), then the CRC (field 2).
  if (rec < 3 || rec > MAX_EVIDENCE_RECORD || head[8] !== 0x08 || head[9] < 1 || head[9] > 5 || head[10] !== 0x10) return null;
  if ((rec + pad) % 8 !== 0 || at + FRAME_HEADER + rec + pad > Math.min(source.size, limit + 8)) return null;
  const body = slice(win, at + FRAME_HEADER, rec);
  try {
    const r = decodeRecord(body, source.name, at + FRAME_HEADER, rec);
    if (r.type < 1 || r.type > 5) return null;
    return { next: at + FRAME_HEADER + rec + pad, type: r.type, crc: r.crc, data: Buffer.from(body.subarray(r.dataStart, r.dataEnd)) };
  } catch {
    return null;
  }
}

/**
 * Valid frames behind `from`, up to `end`: the first 8-aligned offset where two consecutive records decode
 * and the second's CRC continues the first's (or one record reaches the end of the data), then the chain
 * from there. Null when the bytes behind are not WAL records (a torn write's leftovers).
 */
type Chain = Omit<FrameDamage, 'file' | 'offset' | 'reason' | 'bytesBehind' | 'claimedBytes'> & { chainEnd: number };

function chainBehind(source: ByteSource, from: number, end: number): Chain | null {
  const win = new ReadWindow(source);
  for (let p = from + ((8 - (from % 8)) % 8); p + FRAME_HEADER < end; p += 8) {
    const first = frameAt(win, source, p, end);
    if (!first) continue;
    const second = first.next < end ? frameAt(win, source, first.next, end) : null;
    const chained = second !== null && (second.type === 4 || crc32cUpdate(first.crc, second.data) === second.crc);
    if (!chained && !(second === null && first.next >= end)) continue;
    const out: Chain = { recordsBehind: 0, lastIndexBehind: null, hardStateBehind: null, chainEnd: p };
    let f: Frame | null = first;
    while (f) {
      out.recordsBehind++;
      out.chainEnd = f.next;
      try {
        if (f.type === 2) out.lastIndexBehind = decodeEntry(f.data, source.name, 0).index;
        else if (f.type === 3) { const hs = decodeHardState(f.data, source.name, 0); out.hardStateBehind = { term: hs.term, commit: hs.commit }; }
      } catch { /* counted; its content is not needed */ }
      f = f.next < end ? frameAt(win, source, f.next, end) : null;
    }
    return out;
  }
  return null;
}

/** Whether the frame at `offset` now decodes and continues the CRC chain (the file grew while we read it). */
function frameValidNow(source: ByteSource, offset: number, crcBefore: number): boolean {
  const win = new ReadWindow(source);
  const f = frameAt(win, source, offset, source.size);
  return f !== null && (f.type === 4 || crc32cUpdate(crcBefore, f.data) === f.crc);
}

/**
 * Judges the unreadable frame at `offset` in the last segment: null for a torn write (nothing was written
 * behind it), else the damage with what lies behind it.
 */
export function judgeUnreadableFrame(source: ByteSource, offset: number, claimedEnd: number, reason: string, crcBefore: number): FrameDamage | null {
  const end = writtenEnd(source, offset + FRAME_HEADER);
  // A running etcd may have finished the record since it was read: then it is the tail being written.
  if (end > claimedEnd && frameValidNow(source, offset, crcBefore)) return null;
  // Non-zero bytes past the end the frame claims: more was written after it, so this is no torn tail.
  const dataPastFrame = claimedEnd < end;
  const chain = chainBehind(source, offset + FRAME_HEADER, end);
  if (!dataPastFrame && !chain) return null;
  return {
    file: source.name, offset, reason, claimedBytes: claimedEnd - offset - FRAME_HEADER, bytesBehind: Math.max(end, chain?.chainEnd ?? 0) - offset,
    recordsBehind: chain?.recordsBehind ?? 0, lastIndexBehind: chain?.lastIndexBehind ?? null, hardStateBehind: chain?.hardStateBehind ?? null,
  };
}

/** A zero length field with written records right behind it: etcd stops reading there and zeroes the rest. */
export function judgeZeroLength(source: ByteSource, offset: number, crcBefore: number): FrameDamage | null {
  const peek = Math.min(512, source.size - offset - FRAME_HEADER);
  if (peek <= 0) return null;
  const after = source.read(offset + FRAME_HEADER, peek);
  if (after.every((b) => b === 0)) return null;
  // A running etcd may have written the frame since its length was read.
  if (frameValidNow(source, offset, crcBefore)) return null;
  const end = writtenEnd(source, offset + FRAME_HEADER);
  const chain = chainBehind(source, offset + FRAME_HEADER, end);
  if (!chain) return null;
  const { chainEnd, ...found } = chain;
  return { file: source.name, offset, reason: 'a zero length field (the end-of-data mark) with written records behind it', claimedBytes: 0, bytesBehind: Math.max(end, chainEnd) - offset, ...found };
}
