// `snapshot status`: what a snapshot file (or a db) holds and whether it is whole. The figures etcdutl prints
// (revision, total keys, size, the CRC-32C hash over every bucket's keys and values) come from one walk of
// the page graph that also checks it (page-graph.ts); the sha256 trailer that `snapshot save` appends, and
// that restore checks, is verified over the bytes before it. Read-only, never locks: a running member's
// member/snap/db answers at once, where etcdutl waits on bbolt's file lock.
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import { crc32cUpdateWide as crc32cUpdate } from '../datadir/crc32c';
import { DataDirError } from '../datadir/errors';
import { ProtoReader, Wire } from '../datadir/protobuf';
import { PendingDigest, startSha256 } from './sha256-worker';
import { DEFAULT_GRAPH_LIMITS, fdReader, GraphLimits, GraphResult, MetaCheck, PageGraphWalk, RandomReader } from './page-graph';

export const SHA256_TRAILER = 32;

/** etcd's rule (etcdutl copyAndVerifyDB): a file whose size is 32 past a 512-byte multiple carries the digest. */
export function hasSha256Trailer(size: number): boolean {
  return size % 512 === SHA256_TRAILER;
}

export interface SnapshotIntegrity {
  ok: boolean;
  errors: string[];
  /** Not damage, but worth knowing (no trailer: etcdutl restore then needs --skip-hash-check). */
  warnings: string[];
  metas: MetaCheck[];
  freelist: GraphResult['freelist'];
  pageSize: number | null;
  txid: string | null;
  pagesInUse: number;
  pagesFree: number;
}

export interface SnapshotStatus {
  ok: boolean;
  file: string;
  /** Newest revision in the `key` bucket (0 when empty), as etcdutl reports it. */
  revision: number;
  /** Keys alive at the newest revision (each key once, deleted ones not): etcdutl 3.6+'s totalKey. */
  totalKeys: number;
  /** Entries over all buckets: etcdutl 3.5's (and etcdctl 3.4's) totalKey. */
  totalEntries: number;
  /** Entries of the `key` bucket alone: every revision of every key not yet compacted. */
  keyBucketKeys: number;
  /** The db's size by its meta page (pages × page size), etcdutl's totalSize. */
  size: number;
  fileSize: number;
  /** CRC-32C over bucket names, keys and values in cursor order: etcdutl's hash. */
  hash: number;
  /** meta/storageVersion (etcd 3.6+), null before. */
  version: string | null;
  /** meta/consistent_index: the raft index this backend had applied. */
  consistentIndex: number | null;
  /** The sha256 digest the file carries (hex), null when it has none. */
  sha256: string | null;
  trailer: 'valid' | 'mismatch' | 'absent';
  integrity: SnapshotIntegrity;
  /** The meta pages changed while we read (a live db being written): errors may be from the writes. */
  changedDuringCheck: boolean;
  ms: number;
}

export interface StatusOptions {
  /** For a file: start its sha256 on a worker thread before the walk (snapshotStatus sets it). */
  parallelSha256?: () => PendingDigest | null;
  limits?: GraphLimits;
  /** Skip the sha256 pass (tests of the page walk alone); the trailer is then reported as absent. */
  skipSha256?: boolean;
}

const SHA_CHUNK = 4 << 20;

function sha256OfPrefix(reader: RandomReader, length: number): Buffer | null {
  const hash = createHash('sha256');
  const buf = Buffer.allocUnsafe(Math.min(SHA_CHUNK, Math.max(1, length)));
  let done = 0;
  while (done < length) {
    const n = reader.readAt(buf, 0, Math.min(buf.length, length - done), done);
    if (n === 0) return null; // the file shrank while we read it
    hash.update(n === buf.length ? buf : buf.subarray(0, n));
    done += n;
  }
  return hash.digest();
}

function readExact(reader: RandomReader, offset: number, length: number): Buffer | null {
  const buf = Buffer.alloc(length);
  let done = 0;
  while (done < length) {
    const n = reader.readAt(buf, done, length - done, offset + done);
    if (n === 0) return null;
    done += n;
  }
  return buf;
}

/** Where the `key` field (1) of an mvccpb.KeyValue lies in `v`, or null when the value is not one. */
function kvKeySpan(page: Buffer, at: number, end: number): [number, number] | null {
  // Fast path: etcd writes field 1 first (tag 0x0a, then a varint length).
  if (page[at] === 0x0a) {
    let len = 0;
    let shift = 0;
    let i = at + 1;
    for (; i < end && shift < 35; shift += 7) {
      const b = page[i++];
      len += (b & 0x7f) * 2 ** shift;
      if (b < 0x80) return i + len <= end ? [i, i + len] : null;
    }
    return null;
  }
  try {
    const r = new ProtoReader(page, '', 0, at, end);
    while (r.next()) {
      if (r.field === 1 && r.wire === Wire.Bytes) return r.span();
      r.skip();
    }
  } catch { /* not a KeyValue */ }
  return null;
}

/**
 * 53 bits of two FNV-1a variants over a key: the live-key set holds numbers, not the keys, so its memory is
 * a few bytes per key whatever the keys' sizes (a collision needs ~10^8 keys to become likely).
 */
function keyHash(page: Buffer, start: number, end: number): number {
  let a = 0x811c9dc5;
  let b = 0x01000193;
  for (let i = start; i < end; i++) {
    a = Math.imul(a ^ page[i], 0x01000193);
    b = Math.imul(b ^ page[i], 0x5bd1e995) ^ (b >>> 15);
  }
  return (a >>> 0) * 0x200000 + ((b >>> 0) & 0x1fffff);
}

/** Live keys counted exactly up to here (tens of MB of numbers); a file claiming more is reported, not counted. */
const MAX_LIVE_KEYS = 4_000_000;

const u64be = (b: Buffer): number | null => (b.length === 8 && b.readBigUInt64BE(0) <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(b.readBigUInt64BE(0)) : null);

/** Opens read-only; fs errors become DataDirError('io') so callers see one error type. */
function openReadOnly(file: string): { fd: number; size: number } {
  let fd: number;
  try {
    fd = fs.openSync(file, 'r');
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    const why = e.code === 'ENOENT' ? 'no such file' : e.code === 'EACCES' || e.code === 'EPERM' ? 'permission denied' : e.code === 'EISDIR' ? 'is a directory' : e.message;
    throw new DataDirError('io', file, null, why);
  }
  const st = fs.fstatSync(fd);
  if (!st.isFile()) { fs.closeSync(fd); throw new DataDirError('io', file, null, 'not a regular file'); }
  return { fd, size: st.size };
}

/** The status of a file, opened read-only for the check and closed after. Throws DataDirError('io') only when it cannot be opened. */
export function snapshotStatus(file: string, options: StatusOptions = {}): SnapshotStatus {
  const { fd, size } = openReadOnly(file);
  try {
    const trailerAt = hasSha256Trailer(size) ? size - SHA256_TRAILER : -1;
    return snapshotStatusOf(fdReader(fd, size), file, {
      ...options, currentSize: () => fs.fstatSync(fd).size,
      parallelSha256: trailerAt >= 0 && !options.skipSha256 ? () => startSha256(file, trailerAt) : undefined,
    });
  } finally {
    fs.closeSync(fd);
  }
}

/** The status of bytes behind a reader; `name` is what the answer calls them. Never throws for bad bytes. */
export function snapshotStatusOf(reader: RandomReader, name: string, options: StatusOptions & { currentSize?: () => number } = {}): SnapshotStatus {
  const started = performance.now();
  const size = reader.size;
  const trailer = hasSha256Trailer(size);
  const dbSize = trailer ? size - SHA256_TRAILER : size;
  let crc = 0;
  let totalEntries = 0;
  let keyBucketKeys = 0;
  let unreadableValues = 0;
  const liveKeys = new Set<number>();
  let liveKeysCapped = false;
  let bucket = '';
  // The newest revision's main part (the key's first 8 bytes, big-endian); kept as two halves, no allocation per key.
  let lastHigh = -1;
  let lastLow = 0;
  const meta = new Map<string, Buffer>();
  const pendingSha = trailer && !options.skipSha256 ? options.parallelSha256?.() ?? null : null;
  const headBefore = readExact(reader, 0, Math.min(size, 2 * 65536));
  let graph: GraphResult;
  const errors: string[] = [];
  try {
    graph = PageGraphWalk.run(reader, dbSize, {
      bucket(bucketName) {
        bucket = bucketName.toString('latin1');
        crc = crc32cUpdate(crc, bucketName);
      },
      entry(page, k, klen, v, vlen, nested) {
        // A leaf stores the value right after its key: one CRC run over both (the same bytes in the same order).
        if (nested) crc = crc32cUpdate(crc, page, k, k + klen);
        else if (v === k + klen) crc = crc32cUpdate(crc, page, k, v + vlen);
        else crc = crc32cUpdate(crc32cUpdate(crc, page, k, k + klen), page, v, v + vlen);
        totalEntries++;
        if (bucket === 'key') {
          keyBucketKeys++;
          if (klen >= 8) { lastHigh = page.readUInt32BE(k); lastLow = page.readUInt32BE(k + 4); }
          const span = nested ? null : kvKeySpan(page, v, v + vlen);
          if (!span) { unreadableValues++; return; }
          // Revision keys are main(8) '_' sub(8), with a trailing 't' for a deletion (a tombstone).
          const h = keyHash(page, span[0], span[1]);
          if (klen === 18 && page[k + 17] === 0x74) liveKeys.delete(h);
          else if (liveKeys.size < MAX_LIVE_KEYS || liveKeys.has(h)) liveKeys.add(h);
          else liveKeysCapped = true;
        } else if (bucket === 'meta' && !nested && vlen <= 4096 && meta.size < 1000) {
          meta.set(page.toString('latin1', k, k + klen), Buffer.from(page.subarray(v, v + vlen)));
        }
      },
    }, options.limits ?? DEFAULT_GRAPH_LIMITS);
  } catch (err) {
    // The walk records what it finds; anything thrown is an I/O failure or a bound we missed: still an answer.
    graph = { pageSize: null, highWater: null, txid: null, metas: [], freelist: 'unreadable', pagesInUse: 0, pagesFree: 0, errors: [], moreErrors: 0 };
    errors.push(`the page walk stopped: ${(err as Error).message ?? String(err)}`);
  }
  errors.unshift(...graph.errors);
  if (unreadableValues) errors.push(`${unreadableValues} value(s) in the key bucket are not etcd key-values`);
  if (graph.moreErrors) errors.push(`… and ${graph.moreErrors} more error(s)`);
  const warnings: string[] = [];
  if (liveKeysCapped) warnings.push(`more than ${MAX_LIVE_KEYS} live keys: totalKeys counts the first ${MAX_LIVE_KEYS} only`);
  let sha256: string | null = null;
  let trailerState: SnapshotStatus['trailer'] = 'absent';
  if (trailer && !options.skipSha256) {
    const stored = readExact(reader, dbSize, SHA256_TRAILER);
    // Bounded: even a slow disk reads more than 5 MB/s; a worker that never answers is a failed check.
    const waited = pendingSha ? pendingSha.wait(60_000 + dbSize / 5000) : null;
    if (waited === 'timeout') errors.push('the sha256 of the file was not computed in time; run again');
    const actual = waited === 'timeout' ? null : pendingSha ? waited : sha256OfPrefix(reader, dbSize);
    sha256 = stored ? stored.toString('hex') : null;
    trailerState = stored && actual && stored.equals(actual) ? 'valid' : 'mismatch';
    if (trailerState === 'mismatch') errors.push(`sha256 trailer mismatch: the file carries ${sha256} but its first ${dbSize} bytes hash to ${actual?.toString('hex') ?? '(unreadable)'} (etcdutl snapshot restore refuses it)`);
  } else if (!trailer) {
    if (graph.pageSize && size % graph.pageSize !== 0) {
      errors.push(`the file size ${size} is neither whole pages of ${graph.pageSize} bytes nor whole pages plus a 32-byte sha256 trailer (truncated, or bytes appended)`);
    } else {
      warnings.push('no sha256 trailer (a copied db rather than a `snapshot save` file): etcdutl snapshot restore needs --skip-hash-check');
    }
  }
  const headAfter = readExact(reader, 0, Math.min(size, 2 * 65536));
  const changedDuringCheck = (options.currentSize ? options.currentSize() !== size : false) || !headBefore || !headAfter || !metaRegion(headBefore, graph.pageSize).equals(metaRegion(headAfter, graph.pageSize));
  if (changedDuringCheck) warnings.push('the file changed while it was read (a running etcd writing it): errors may come from those writes; check a saved snapshot instead');
  const integrityOk = errors.length === 0;
  const rev = lastHigh >= 0 && lastHigh < 0x200000 ? lastHigh * 0x100000000 + lastLow : null;
  return {
    ok: integrityOk,
    file: name,
    revision: rev ?? 0,
    totalKeys: liveKeys.size,
    totalEntries,
    keyBucketKeys,
    size: graph.pageSize && graph.highWater ? graph.pageSize * graph.highWater : 0,
    fileSize: size,
    hash: crc >>> 0,
    version: meta.get('storageVersion')?.toString('utf8') ?? null,
    consistentIndex: meta.has('consistent_index') ? u64be(meta.get('consistent_index')!) : null,
    sha256,
    trailer: trailerState,
    integrity: {
      ok: integrityOk, errors, warnings, metas: graph.metas, freelist: graph.freelist, pageSize: graph.pageSize, txid: graph.txid,
      pagesInUse: graph.pagesInUse, pagesFree: graph.pagesFree,
    },
    changedDuringCheck,
    ms: Math.round(performance.now() - started),
  };
}

/** The two meta pages' bytes (page size known), else the first bytes read. */
function metaRegion(head: Buffer, pageSize: number | null): Buffer {
  return pageSize && head.length >= 2 * pageSize ? head.subarray(0, 2 * pageSize) : head;
}
