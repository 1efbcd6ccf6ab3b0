// Read-only bbolt reader: the two meta pages, then only the B+tree pages of the buckets asked for, each
// read at its offset (never the whole file), so reading a 1 GB db costs the same as reading a 20 kB one.
// Layout (bbolt page.go/meta.go): page header {id u64, flags u16, count u16, overflow u32}; meta at
// offset 16 {magic, version, pageSize, flags, root {pgid, sequence}, freelist, pgid, txid, checksum}.
import { ByteSource } from './byte-source';
import { DataDirError } from './errors';

export const PAGE_HEADER = 16;
export const META_SIZE = 64;
const MAGIC = 0xed0cdaed;
const VERSION = 2;
/** bbolt's page flags and on-disk sizes (page.go, bucket.go), shared with the snapshot integrity check. */
export const BRANCH = 0x01;
export const LEAF = 0x02;
export const META = 0x04;
export const BUCKET_LEAF_FLAG = 0x01;
export const BUCKET_HEADER = 16;
export const ELEMENT = 16;

export interface BoltLimits {
  /** Deepest tree accepted; real trees are a handful of levels. */
  maxDepth: number;
  /** Pages read per bucket walk, so a loop or a hostile file cannot run long. */
  maxPagesPerWalk: number;
  /**
   * Bytes read per bucket walk (overflow pages included). The buckets looked up hold membership and a few
   * meta keys: kilobytes in any real db, so a few MiB is generous and bounds what a crafted file can cost.
   */
  maxBytesPerWalk?: number;
  /** Bytes read by one reader over all its walks. */
  maxBytesTotal?: number;
  /** Leaf entries collected per walk (members_removed grows by one per removal; nothing else is large). */
  maxEntriesPerWalk?: number;
}

export const DEFAULT_LIMITS: BoltLimits = {
  maxDepth: 32, maxPagesPerWalk: 20000, maxBytesPerWalk: 8 << 20, maxBytesTotal: 32 << 20, maxEntriesPerWalk: 100_000,
};

/** Page ids a walk has read, with their overflow: a page reached twice, or inside another's overflow, is a crafted graph. */
class WalkState {
  readonly owner = new Map<number, number>();
  pages = 0;
  bytes = 0;
  entries = 0;
  kept = 0;
}

export interface BoltMeta {
  page: 0 | 1;
  pageSize: number;
  rootPgid: number;
  freelistPgid: bigint;
  highWater: number;
  txid: bigint;
}

export interface BoltEntry { key: Buffer; value: Buffer }

const FNV_OFFSET = 0xcbf29ce484222325n;
const FNV_PRIME = 0x100000001b3n;

/** FNV-1a 64 over the meta fields before the checksum, as bbolt's Meta.Sum64. */
function fnv1a64(bytes: Uint8Array): bigint {
  let h = FNV_OFFSET;
  for (const b of bytes) h = BigInt.asUintN(64, (h ^ BigInt(b)) * FNV_PRIME);
  return h;
}

export interface MetaCandidate { meta: BoltMeta | null; why: string }

/** One meta page at `at` in `buf`, checked as bbolt checks it (magic, version, FNV checksum, sane sizes). */
export function parseMeta(buf: Buffer, at: number, page: 0 | 1): MetaCandidate {
  const m = at + PAGE_HEADER;
  if (buf.length < m + META_SIZE) return { meta: null, why: 'too short for a meta page' };
  if (buf.readUInt32LE(m) !== MAGIC) return { meta: null, why: 'wrong magic (not a bbolt file)' };
  if (buf.readUInt32LE(m + 4) !== VERSION) return { meta: null, why: `unsupported version ${buf.readUInt32LE(m + 4)}` };
  const stored = buf.readBigUInt64LE(m + 56);
  if (fnv1a64(buf.subarray(m, m + 56)) !== stored) return { meta: null, why: 'meta checksum mismatch' };
  const pageSize = buf.readUInt32LE(m + 8);
  const highWater = buf.readBigUInt64LE(m + 40);
  const root = buf.readBigUInt64LE(m + 16);
  if (pageSize < 512 || pageSize > (1 << 24) || (pageSize & (pageSize - 1)) !== 0) return { meta: null, why: `implausible page size ${pageSize}` };
  if (highWater > 1n << 40n || root >= highWater) return { meta: null, why: 'root page beyond the high-water mark' };
  return {
    meta: {
      page, pageSize, rootPgid: Number(root), freelistPgid: buf.readBigUInt64LE(m + 32),
      highWater: Number(highWater), txid: buf.readBigUInt64LE(m + 48),
    },
    why: '',
  };
}

export class BoltReader {
  readonly meta: BoltMeta;
  pagesRead = 0;
  /** Bytes of pages read by walks so far (meta pages excluded). */
  pageBytesRead = 0;
  private readonly limits: Required<BoltLimits>;

  constructor(private readonly source: ByteSource, limits: BoltLimits = DEFAULT_LIMITS) {
    this.limits = { ...(DEFAULT_LIMITS as Required<BoltLimits>), ...limits };
    this.meta = this.readMeta();
  }

  private fail(code: 'bad-page' | 'page-cycle' | 'too-deep' | 'too-large' | 'bad-magic' | 'bad-checksum', offset: number | null, detail: string): never {
    throw new DataDirError(code, this.source.name, offset, detail);
  }

  /** Both meta pages; the valid one with the higher txid wins, as in bbolt. */
  private readMeta(): BoltMeta {
    const size = this.source.size;
    if (size < PAGE_HEADER + META_SIZE) {
      throw new DataDirError('truncated', this.source.name, 0, `${size} bytes is too small for a bbolt file`);
    }
    const first = this.source.read(0, Math.min(4096, size));
    const m0 = parseMeta(first, 0, 0);
    const candidates: BoltMeta[] = [];
    const reasons: string[] = [`meta 0: ${m0.why}`];
    if (m0.meta) candidates.push(m0.meta);
    // Page 1 sits one page in; without a valid meta 0 the page size is unknown, so try each size bbolt may use.
    const sizes = m0.meta ? [m0.meta.pageSize] : Array.from({ length: 15 }, (_, i) => 1024 << i);
    for (const ps of sizes) {
      if (ps + PAGE_HEADER + META_SIZE > size) break;
      const m1 = parseMeta(this.source.read(ps, PAGE_HEADER + META_SIZE), 0, 1);
      if (m1.meta && m1.meta.pageSize === ps) { candidates.push(m1.meta); break; }
      if (m0.meta) reasons.push(`meta 1: ${m1.why || 'page size differs from meta 0'}`);
    }
    if (!candidates.length) {
      const code = m0.why.startsWith('wrong magic') ? 'bad-magic' : 'bad-checksum';
      this.fail(code, 0, `no valid meta page (${reasons.join('; ')})`);
    }
    candidates.sort((a, b) => (a.txid > b.txid ? -1 : a.txid < b.txid ? 1 : 0));
    return candidates[0];
  }

  /**
   * One page with its overflow pages, bounds-checked against the file, the high-water mark, the walk's byte
   * budget and the pages the walk already read (no page twice, none inside another's overflow).
   */
  private readPage(pgid: number, walk: WalkState, what: string): Buffer {
    const { pageSize, highWater } = this.meta;
    if (!Number.isSafeInteger(pgid) || pgid < 2 || pgid >= highWater) this.fail('bad-page', null, `${what}: page id ${pgid} outside 2..${highWater - 1}`);
    const offset = pgid * pageSize;
    if (BigInt(pgid) === this.meta.freelistPgid) this.fail('bad-page', offset, `${what}: points at the freelist page ${pgid}`);
    const seen = walk.owner.get(pgid);
    if (seen === pgid) this.fail('page-cycle', offset, `${what}: page ${pgid} is reached twice (pointer loop)`);
    if (seen !== undefined) this.fail('bad-page', offset, `${what}: page ${pgid} lies inside the overflow of page ${seen}`);
    if (offset + PAGE_HEADER > this.source.size) this.fail('bad-page', offset, `${what}: page ${pgid} lies beyond the end of the file`);
    const header = this.source.read(offset, PAGE_HEADER);
    const overflow = header.readUInt32LE(12);
    const length = (overflow + 1) * pageSize;
    if (pgid + overflow >= highWater || offset + length > this.source.size) {
      this.fail('bad-page', offset, `${what}: page ${pgid} with ${overflow} overflow pages runs past the end of the file`);
    }
    const id = header.readBigUInt64LE(0);
    if (id !== BigInt(pgid)) this.fail('bad-page', offset, `${what}: page ${pgid} says it is page ${id}`);
    if (walk.bytes + length > this.limits.maxBytesPerWalk) {
      this.fail('too-large', offset, `${what}: page ${pgid} (${overflow} overflow pages) would take the walk past ${this.limits.maxBytesPerWalk} bytes, more than any etcd membership bucket`);
    }
    if (this.pageBytesRead + length > this.limits.maxBytesTotal) {
      this.fail('too-large', offset, `${what}: reading page ${pgid} would take the db read past ${this.limits.maxBytesTotal} bytes`);
    }
    for (let p = pgid; p <= pgid + overflow; p++) {
      const other = walk.owner.get(p);
      if (other !== undefined) this.fail('bad-page', offset, `${what}: the overflow of page ${pgid} overlaps page ${other}`);
      walk.owner.set(p, pgid);
    }
    walk.bytes += length;
    this.pageBytesRead += length;
    this.pagesRead++;
    return length === PAGE_HEADER ? header : this.source.read(offset, length);
  }

  /**
   * Entries of one page-shaped buffer. Positions in elements are relative to the element itself.
   * Returns [flags, items] where items are keys+values (leaf) or keys+child pgids (branch).
   */
  private elements(page: Buffer, where: number): { flags: number; leaf: { flags: number; key: Buffer; value: Buffer }[]; children: number[] } {
    if (page.length < PAGE_HEADER) this.fail('bad-page', where, 'page shorter than its header');
    const flags = page.readUInt16LE(8);
    const count = page.readUInt16LE(10);
    if (flags !== BRANCH && flags !== LEAF) {
      this.fail('bad-page', where, `expected a branch or leaf page, found flags 0x${flags.toString(16)}${flags & META ? ' (meta)' : ''}`);
    }
    if (PAGE_HEADER + count * ELEMENT > page.length) this.fail('bad-page', where, `${count} elements do not fit in the page`);
    const leaf: { flags: number; key: Buffer; value: Buffer }[] = [];
    const children: number[] = [];
    for (let i = 0; i < count; i++) {
      const el = PAGE_HEADER + i * ELEMENT;
      if (flags === LEAF) {
        const pos = page.readUInt32LE(el + 4);
        const ksize = page.readUInt32LE(el + 8);
        const vsize = page.readUInt32LE(el + 12);
        const k = el + pos;
        if (k + ksize + vsize > page.length) this.fail('bad-page', where + el, `leaf element ${i} points past the end of the page`);
        leaf.push({ flags: page.readUInt32LE(el), key: page.subarray(k, k + ksize), value: page.subarray(k + ksize, k + ksize + vsize) });
      } else {
        const pos = page.readUInt32LE(el);
        const ksize = page.readUInt32LE(el + 4);
        if (el + pos + ksize > page.length) this.fail('bad-page', where + el, `branch element ${i} points past the end of the page`);
        const child = page.readBigUInt64LE(el + 8);
        if (child >= BigInt(this.meta.highWater)) this.fail('bad-page', where + el, `branch element ${i} points to page ${child} beyond the high-water mark`);
        children.push(Number(child));
      }
    }
    return { flags, leaf, children };
  }

  /** Every leaf entry of the tree under `root` (a pgid, or an inline page), in key order. */
  private walk(root: number | Buffer, what: string): { flags: number; key: Buffer; value: Buffer }[] {
    const out: { flags: number; key: Buffer; value: Buffer }[] = [];
    const state = new WalkState();
    const visit = (node: number | Buffer, depth: number): void => {
      if (depth > this.limits.maxDepth) this.fail('too-deep', null, `${what}: tree deeper than ${this.limits.maxDepth} levels`);
      let page: Buffer;
      let where: number;
      if (typeof node === 'number') {
        if (++state.pages > this.limits.maxPagesPerWalk) this.fail('too-deep', null, `${what}: more than ${this.limits.maxPagesPerWalk} pages`);
        page = this.readPage(node, state, what);
        where = node * this.meta.pageSize;
      } else {
        page = node;
        where = -1;
      }
      const { leaf, children } = this.elements(page, where < 0 ? 0 : where);
      state.entries += leaf.length;
      if (state.entries > this.limits.maxEntriesPerWalk) this.fail('too-large', where < 0 ? null : where, `${what}: more than ${this.limits.maxEntriesPerWalk} entries`);
      for (const e of leaf) {
        // Keys and values overlap freely in a crafted page: count what each one would cost to keep.
        state.kept += e.key.length + e.value.length;
        if (state.kept > this.limits.maxBytesPerWalk) this.fail('too-large', where < 0 ? null : where, `${what}: keys and values add up to more than ${this.limits.maxBytesPerWalk} bytes`);
        out.push(e);
      }
      for (const c of children) visit(c, depth + 1);
    };
    visit(root, 0);
    return out;
  }

  /** Where a bucket's tree starts: its root page, or its inline page inside the parent's value. */
  private bucketRoot(value: Buffer, name: string): number | Buffer {
    if (value.length < BUCKET_HEADER) this.fail('bad-page', null, `bucket ${name}: value shorter than a bucket header`);
    const root = value.readBigUInt64LE(0);
    if (root === 0n) return value.subarray(BUCKET_HEADER);
    if (root >= BigInt(this.meta.highWater)) this.fail('bad-page', null, `bucket ${name}: root page ${root} beyond the high-water mark`);
    return Number(root);
  }

  /** Names of the top-level buckets. */
  bucketNames(): string[] {
    return this.walk(this.meta.rootPgid, 'root bucket').filter((e) => e.flags & BUCKET_LEAF_FLAG).map((e) => e.key.toString('latin1'));
  }

  /**
   * Key/value pairs of the named top-level buckets (nested buckets skipped). A missing bucket maps to null.
   * Only the root bucket's pages and these buckets' pages are read.
   */
  buckets(names: string[]): Map<string, BoltEntry[] | null> {
    const top = this.walk(this.meta.rootPgid, 'root bucket');
    const result = new Map<string, BoltEntry[] | null>();
    for (const name of names) {
      const e = top.find((x) => x.flags & BUCKET_LEAF_FLAG && x.key.toString('latin1') === name);
      if (!e) { result.set(name, null); continue; }
      const entries = this.walk(this.bucketRoot(e.value, name), `bucket ${name}`)
        .filter((x) => !(x.flags & BUCKET_LEAF_FLAG))
        .map((x) => ({ key: Buffer.from(x.key), value: Buffer.from(x.value) }));
      result.set(name, entries);
    }
    return result;
  }
}
