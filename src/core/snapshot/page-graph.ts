// The whole-file integrity walk of a bbolt db, as `bbolt check` does it but without bbolt: both meta pages,
// the freelist, and every page of every bucket's B+tree, each page read once at its offset through one file
// descriptor opened read-only (no lock, so a running etcd's member/snap/db can be walked too). Memory is one
// page buffer per tree level plus one byte per page of the file, whatever the file holds.
// Entries are handed to the caller in bbolt cursor order (buckets by name, keys in order), so the caller can
// hash them as etcdutl does.
import * as fs from 'node:fs';
import { BRANCH, BUCKET_HEADER, BUCKET_LEAF_FLAG, ELEMENT, LEAF, META, META_SIZE, PAGE_HEADER, parseMeta, BoltMeta } from '../datadir/bbolt';

const FREELIST = 0x10;
/** bbolt's marker for "freelist not written" (NoFreelistSync): the free pages are then the unreachable ones. */
const NO_FREELIST = 0xffffffffffffffffn;

const USED = 1;
const FREE = 2;

export interface GraphLimits {
  /** Deepest tree accepted (bucket nesting included); real etcd trees are a handful of levels. */
  maxDepth: number;
  /** Largest single page with its overflow; etcd's largest value is a few MiB. */
  maxPageBytes: number;
  /** All page buffers together (one per tree level): a crafted file with a huge page on every level stays bounded. */
  maxBufferBytes: number;
  /** Errors kept; the rest are counted. */
  maxErrors: number;
}

export const DEFAULT_GRAPH_LIMITS: GraphLimits = { maxDepth: 64, maxPageBytes: 64 << 20, maxBufferBytes: 160 << 20, maxErrors: 50 };

export interface MetaCheck {
  page: 0 | 1;
  ok: boolean;
  txid: string | null;
  problem: string | null;
}

export interface GraphVisitor {
  /** A top-level bucket begins; `name` is a view valid only during the call. */
  bucket(name: Buffer): void;
  /** One entry of the current top-level bucket (a nested bucket's key comes with `nested` and no value). */
  entry(page: Buffer, keyAt: number, keyLen: number, valueAt: number, valueLen: number, nested: boolean): void;
}

export interface GraphResult {
  pageSize: number | null;
  highWater: number | null;
  txid: string | null;
  metas: MetaCheck[];
  freelist: 'synced' | 'not-synced' | 'unreadable';
  pagesInUse: number;
  pagesFree: number;
  errors: string[];
  /** Errors found beyond `maxErrors`. */
  moreErrors: number;
}

/** Positional reads of a file's bytes: a read-only descriptor in use, memory in the fuzz tests. */
export interface RandomReader {
  readonly size: number;
  /** Reads up to `length` bytes at `offset` into `buf` at `at`; returns how many (0 at the end). */
  readAt(buf: Buffer, at: number, length: number, offset: number): number;
}

export function fdReader(fd: number, size: number): RandomReader {
  return { size, readAt: (buf, at, length, offset) => fs.readSync(fd, buf, at, length, offset) };
}

export function bufferReader(bytes: Buffer): RandomReader {
  return {
    size: bytes.length,
    readAt(buf, at, length, offset) {
      const n = Math.max(0, Math.min(length, bytes.length - offset));
      bytes.copy(buf, at, offset, offset + n);
      return n;
    },
  };
}

const MIN_WINDOW = 16 << 10;
const MAX_WINDOW = 1 << 20;

/**
 * Reads byte ranges of the db part of the file (the trailer excluded) through a read-ahead window: pages are
 * mostly laid out in key order, so the window grows while reads move forward (one read per MiB instead of
 * one per page) and shrinks back on a jump, so scattered pages never cost more than a small read each.
 */
class PageFile {
  private window = Buffer.allocUnsafe(0);
  private windowAt = 0;
  private windowLength = 0;
  private next = MIN_WINDOW;

  constructor(readonly reader: RandomReader, readonly dbSize: number) {}

  readInto(buf: Buffer, at: number, length: number, offset: number): boolean {
    if (offset < 0 || offset + length > this.dbSize) return false;
    if (offset >= this.windowAt && offset + length <= this.windowAt + this.windowLength) {
      this.window.copy(buf, at, offset - this.windowAt, offset - this.windowAt + length);
      return true;
    }
    const forward = offset >= this.windowAt && offset <= this.windowAt + this.windowLength + MAX_WINDOW;
    this.next = forward ? Math.min(this.next * 2, MAX_WINDOW) : MIN_WINDOW;
    if (length > this.next) return this.readDirect(buf, at, length, offset);
    if (this.window.length < this.next) this.window = Buffer.allocUnsafe(this.next);
    const want = Math.min(this.next, this.dbSize - offset);
    let done = 0;
    while (done < want) {
      const n = this.reader.readAt(this.window, done, want - done, offset + done);
      if (n === 0) break; // the file shrank while we read it
      done += n;
    }
    this.windowAt = offset;
    this.windowLength = done;
    if (done < length) return false;
    this.window.copy(buf, at, 0, length);
    return true;
  }

  private readDirect(buf: Buffer, at: number, length: number, offset: number): boolean {
    let done = 0;
    while (done < length) {
      const n = this.reader.readAt(buf, at + done, length - done, offset + done);
      if (n === 0) return false;
      done += n;
    }
    return true;
  }
}

export class PageGraphWalk {
  private readonly errors: string[] = [];
  private moreErrors = 0;
  private state = new Uint8Array(0);
  private meta: BoltMeta | null = null;
  /** One reusable buffer per tree level: a parent's page stays valid while its children are read. */
  private readonly buffers: Buffer[] = [];

  constructor(private readonly file: PageFile, private visitor: GraphVisitor, private readonly limits: GraphLimits) {}

  static run(reader: RandomReader, dbSize: number, visitor: GraphVisitor, limits: GraphLimits = DEFAULT_GRAPH_LIMITS): GraphResult {
    return new PageGraphWalk(new PageFile(reader, dbSize), visitor, limits).walk();
  }

  private error(message: string): void {
    if (this.errors.length < this.limits.maxErrors) this.errors.push(message);
    else this.moreErrors++;
  }

  private walk(): GraphResult {
    const metas = this.readMetas();
    const result: GraphResult = {
      pageSize: null, highWater: null, txid: null, metas, freelist: 'unreadable', pagesInUse: 0, pagesFree: 0, errors: this.errors, moreErrors: 0,
    };
    const meta = this.meta;
    if (!meta) { result.moreErrors = this.moreErrors; return result; }
    result.pageSize = meta.pageSize;
    result.highWater = meta.highWater;
    result.txid = meta.txid.toString();
    const pagesInFile = Math.floor(this.file.dbSize / meta.pageSize);
    if (meta.highWater > pagesInFile) {
      this.error(`the meta page says the db has ${meta.highWater} pages but the file holds ${pagesInFile} (truncated?)`);
    }
    this.state = new Uint8Array(Math.min(meta.highWater, pagesInFile));
    this.markUsed(0, 'meta page 0');
    this.markUsed(1, 'meta page 1');
    result.freelist = this.readFreelist(meta);
    this.walkBucketTree(meta.rootPgid, null, 0, 'root bucket', true);
    let used = 0;
    let free = 0;
    let unreachable = 0;
    let firstUnreachable = -1;
    for (let p = 0; p < this.state.length; p++) {
      const s = this.state[p];
      if (s & USED) used++;
      else if (s & FREE) free++;
      else if (result.freelist === 'synced') { if (firstUnreachable < 0) firstUnreachable = p; unreachable++; }
    }
    if (unreachable) this.error(`${unreachable} page(s) neither reachable nor free, the first page ${firstUnreachable} (a lost subtree, or a pointer that was damaged)`);
    result.pagesInUse = used;
    result.pagesFree = free;
    result.moreErrors = this.moreErrors;
    return result;
  }

  /** Both meta pages, each checked on its own; the valid one with the higher txid is the one bbolt opens. */
  private readMetas(): MetaCheck[] {
    const checks: MetaCheck[] = [];
    const head = Buffer.alloc(PAGE_HEADER + META_SIZE);
    if (!this.file.readInto(head, 0, head.length, 0)) {
      this.error(`the file is ${this.file.dbSize} bytes, too small for a bbolt meta page`);
      return [{ page: 0, ok: false, txid: null, problem: 'missing' }, { page: 1, ok: false, txid: null, problem: 'missing' }];
    }
    const m0 = this.checkMeta(head, 0);
    checks.push(m0.check);
    // Without a valid meta 0 the page size is unknown: try the sizes bbolt may use, as bbolt's own recovery does.
    const sizes = m0.meta ? [m0.meta.pageSize] : Array.from({ length: 15 }, (_, i) => 1024 << i);
    let m1: { meta: BoltMeta | null; check: MetaCheck } | null = null;
    for (const ps of sizes) {
      const buf = Buffer.alloc(PAGE_HEADER + META_SIZE);
      if (!this.file.readInto(buf, 0, buf.length, ps)) break;
      const candidate = this.checkMeta(buf, 1);
      if (candidate.meta && candidate.meta.pageSize !== ps) {
        candidate.meta = null;
        candidate.check = { page: 1, ok: false, txid: candidate.check.txid, problem: `page size ${candidate.check.txid === null ? '?' : 'differs from its position'}` };
      }
      if (candidate.meta || m0.meta) { m1 = candidate; break; }
    }
    checks.push(m1?.check ?? { page: 1, ok: false, txid: null, problem: 'not found at any page size' });
    const valid = [m0.meta, m1?.meta].filter((m): m is BoltMeta => Boolean(m));
    for (const c of checks) if (!c.ok) this.error(`meta page ${c.page}: ${c.problem}`);
    if (m0.meta && m1?.meta && m0.meta.pageSize !== m1.meta.pageSize) this.error('the two meta pages disagree on the page size');
    valid.sort((a, b) => (a.txid > b.txid ? -1 : a.txid < b.txid ? 1 : 0));
    this.meta = valid[0] ?? null;
    if (!this.meta) this.error('no valid meta page: the file cannot be opened by bbolt');
    return checks;
  }

  private checkMeta(buf: Buffer, page: 0 | 1): { meta: BoltMeta | null; check: MetaCheck } {
    const parsed = parseMeta(buf, 0, page);
    if (!parsed.meta) return { meta: null, check: { page, ok: false, txid: null, problem: parsed.why } };
    const flags = buf.readUInt16LE(8);
    const id = buf.readBigUInt64LE(0);
    const txid = parsed.meta.txid.toString();
    if (!(flags & META)) return { meta: null, check: { page, ok: false, txid, problem: `page flags 0x${flags.toString(16)} are not a meta page's` } };
    if (id !== BigInt(page)) return { meta: null, check: { page, ok: false, txid, problem: `page header says it is page ${id}` } };
    return { meta: parsed.meta, check: { page, ok: true, txid, problem: null } };
  }

  /** Marks one page as used; false (with the error recorded) when it is out of range, used already, or free. */
  private markUsed(pgid: number, what: string): boolean {
    if (pgid >= this.state.length) { this.error(`${what}: page ${pgid} is beyond the end of the db (${this.state.length} pages)`); return false; }
    const s = this.state[pgid];
    if (s & USED) { this.error(`${what}: page ${pgid} is referenced twice`); return false; }
    this.state[pgid] = s | USED;
    if (s & FREE) this.error(`${what}: page ${pgid} is in use and also on the freelist`);
    return true;
  }

  private bufferBytes = 0;

  /** The level's buffer, grown to `length`; null when that would pass the buffer budget. */
  private buffer(depth: number, length: number): Buffer | null {
    let b = this.buffers[depth];
    if (!b || b.length < length) {
      const size = Math.max(length, this.meta!.pageSize);
      if (this.bufferBytes - (b?.length ?? 0) + size > this.limits.maxBufferBytes) return null;
      this.bufferBytes += size - (b?.length ?? 0);
      b = Buffer.allocUnsafe(size);
      this.buffers[depth] = b;
    }
    return b;
  }

  /**
   * One page and its overflow into the level's buffer, with every page it covers marked used. Null (the
   * reason recorded) for a page out of range, referenced twice, past the end of the file, or of another id.
   */
  private readPage(pgid: number, depth: number, what: string): { buf: Buffer; length: number } | null {
    const { pageSize, highWater } = this.meta!;
    if (!Number.isSafeInteger(pgid) || pgid < 2 || pgid >= highWater) { this.error(`${what}: page ${pgid} is out of range 2..${highWater - 1}`); return null; }
    if (pgid >= this.state.length) { this.error(`${what}: page ${pgid} lies beyond the end of the file`); return null; }
    if (this.state[pgid] & USED) { this.error(`${what}: page ${pgid} is referenced twice`); return null; }
    const offset = pgid * pageSize;
    let buf = this.buffer(depth, pageSize)!;
    if (!this.file.readInto(buf, 0, pageSize, offset)) { this.error(`${what}: page ${pgid} lies beyond the end of the file`); return null; }
    const id = buf.readBigUInt64LE(0);
    if (id !== BigInt(pgid)) { this.error(`${what}: page ${pgid} says it is page ${id}`); this.markUsed(pgid, what); return null; }
    const overflow = buf.readUInt32LE(12);
    const length = (overflow + 1) * pageSize;
    if (pgid + overflow >= highWater || pgid + overflow >= this.state.length) {
      this.error(`${what}: page ${pgid} with ${overflow} overflow pages runs past the end of the db`);
      this.markUsed(pgid, what);
      return null;
    }
    if (length > this.limits.maxPageBytes) {
      this.error(`${what}: page ${pgid} with ${overflow} overflow pages (${length} bytes) is larger than this check reads (${this.limits.maxPageBytes})`);
      return null;
    }
    for (let p = pgid; p <= pgid + overflow; p++) if (!this.markUsed(p, what)) return null;
    if (overflow > 0) {
      const big = this.buffer(depth, length);
      if (!big) { this.error(`${what}: page ${pgid} with ${overflow} overflow pages does not fit in what this check holds in memory at once`); return null; }
      big.set(buf.subarray(0, pageSize), 0);
      buf = big;
      if (!this.file.readInto(buf, pageSize, length - pageSize, offset + pageSize)) {
        this.error(`${what}: the overflow of page ${pgid} lies beyond the end of the file`);
        return null;
      }
    }
    return { buf, length };
  }

  private readFreelist(meta: BoltMeta): GraphResult['freelist'] {
    if (meta.freelistPgid === NO_FREELIST) return 'not-synced';
    if (meta.freelistPgid < 2n || meta.freelistPgid >= BigInt(meta.highWater)) {
      this.error(`freelist: page ${meta.freelistPgid} is out of range 2..${meta.highWater - 1}`);
      return 'unreadable';
    }
    const pgid = Number(meta.freelistPgid);
    const page = this.readPage(pgid, 0, 'freelist');
    if (!page) return 'unreadable';
    const { buf, length } = page;
    const flags = buf.readUInt16LE(8);
    if (flags !== FREELIST) { this.error(`freelist: page ${pgid} has flags 0x${flags.toString(16)}, not a freelist page's`); return 'unreadable'; }
    let count = buf.readUInt16LE(10);
    let at = PAGE_HEADER;
    if (count === 0xffff) {
      // bbolt's escape for long freelists: the real count is the first u64.
      const big = buf.readBigUInt64LE(PAGE_HEADER);
      at += 8;
      count = big > BigInt(length) ? Number.MAX_SAFE_INTEGER : Number(big);
    }
    if (at + count * 8 > length) { this.error(`freelist: ${count} page ids do not fit in page ${pgid} and its overflow`); return 'unreadable'; }
    for (let i = 0; i < count; i++, at += 8) {
      const id = buf.readBigUInt64LE(at);
      if (id < 2n) { this.error(`freelist: page ${id} is free but is a meta page`); continue; }
      if (id >= BigInt(this.state.length)) { this.error(`freelist: free page ${id} is out of range 2..${this.state.length - 1}`); continue; }
      const p = Number(id);
      const s = this.state[p];
      if (s & FREE) this.error(`freelist: page ${p} is freed twice`);
      else if (s & USED) this.error(`freelist: page ${p} is free but is the freelist itself`);
      this.state[p] = s | FREE;
    }
    return 'synced';
  }

  /** Walks one bucket's tree: a page id, or an inline page at `inline` in `parent` (root 0 in its header). */
  private walkBucketTree(root: number, inline: { buf: Buffer; at: number; end: number } | null, depth: number, what: string, top: boolean): void {
    if (depth > this.limits.maxDepth) { this.error(`${what}: tree deeper than ${this.limits.maxDepth} levels`); return; }
    if (inline) { this.walkElements(inline.buf, inline.at, inline.end, depth, what, null, top, null, null); return; }
    this.walkPage(root, depth, what, top, null, null);
  }

  private walkPage(pgid: number, depth: number, what: string, top: boolean, low: Buffer | null, high: Buffer | null): void {
    if (depth > this.limits.maxDepth) { this.error(`${what}: tree deeper than ${this.limits.maxDepth} levels`); return; }
    const page = this.readPage(pgid, depth, what);
    if (!page) return;
    this.walkElements(page.buf, 0, page.length, depth, what, pgid, top, low, high);
  }

  /**
   * The elements of a branch or leaf page starting at `at` in `buf`; keys must ascend and stay within the
   * parent's [low, high) range (what bbolt's check verifies on key order).
   */
  private walkElements(buf: Buffer, at: number, end: number, depth: number, what: string, pgid: number | null, top: boolean, low: Buffer | null, high: Buffer | null): void {
    const inline = pgid === null;
    const where = inline ? `${what} (inline page)` : `${what}, page ${pgid}`;
    if (end - at < PAGE_HEADER) { this.error(`${where}: shorter than a page header`); return; }
    const flags = buf.readUInt16LE(at + 8);
    const count = buf.readUInt16LE(at + 10);
    if (flags !== BRANCH && flags !== LEAF) { this.error(`${where}: expected a branch or leaf page, found flags 0x${flags.toString(16)}`); return; }
    if (inline && flags !== LEAF) { this.error(`${where}: an inline bucket page must be a leaf`); return; }
    if (at + PAGE_HEADER + count * ELEMENT > end) { this.error(`${where}: ${count} elements do not fit in the page`); return; }
    let previous: Buffer | null = null;
    const keys: Buffer[] = [];
    const children: number[] = [];
    for (let i = 0; i < count; i++) {
      const el = at + PAGE_HEADER + i * ELEMENT;
      let key: Buffer;
      if (flags === LEAF) {
        const elFlags = buf.readUInt32LE(el);
        const k = el + buf.readUInt32LE(el + 4);
        const ksize = buf.readUInt32LE(el + 8);
        const vsize = buf.readUInt32LE(el + 12);
        if (k + ksize + vsize > end) { this.error(`${where}: leaf element ${i} points past the end of the page`); return; }
        key = buf.subarray(k, k + ksize);
        if (!this.inOrder(key, previous, low, high, where, i)) return;
        const v = k + ksize;
        const nested = (elFlags & BUCKET_LEAF_FLAG) !== 0;
        if (top) {
          if (!nested) { this.error(`${where}: key "${key.toString('latin1')}" at the top level is not a bucket`); continue; }
          this.visitor.bucket(key);
        } else {
          this.visitor.entry(buf, k, ksize, v, vsize, nested);
        }
        if (nested) this.walkNestedBucket(buf, v, vsize, depth, `${top ? 'bucket' : `${where}: nested bucket`} ${key.toString('latin1')}`, top);
      } else {
        const k = el + buf.readUInt32LE(el);
        const ksize = buf.readUInt32LE(el + 4);
        if (k + ksize > end) { this.error(`${where}: branch element ${i} points past the end of the page`); return; }
        key = buf.subarray(k, k + ksize);
        if (!this.inOrder(key, previous, i === 0 ? null : low, high, where, i)) return;
        keys.push(key);
        children.push(Number(buf.readBigUInt64LE(el + 8)));
      }
      previous = key;
    }
    for (let i = 0; i < children.length; i++) {
      this.walkPage(children[i], depth + 1, what, top, keys[i], i + 1 < keys.length ? keys[i + 1] : high);
    }
  }

  private inOrder(key: Buffer, previous: Buffer | null, low: Buffer | null, high: Buffer | null, where: string, i: number): boolean {
    if (previous && Buffer.compare(previous, key) >= 0) { this.error(`${where}: element ${i} is out of key order`); return false; }
    if (low && Buffer.compare(key, low) < 0) { this.error(`${where}: element ${i} sorts before its parent's key for this page`); return false; }
    if (high && Buffer.compare(key, high) >= 0) { this.error(`${where}: element ${i} sorts after the next page's key in the parent`); return false; }
    return true;
  }

  /** A bucket value: {root pgid, sequence}, then the inline page when the root is 0. */
  private walkNestedBucket(buf: Buffer, at: number, length: number, depth: number, what: string, top: boolean): void {
    if (length < BUCKET_HEADER) { this.error(`${what}: value shorter than a bucket header`); return; }
    const root = buf.readBigUInt64LE(at);
    // Entries of a nested bucket are not the top-level bucket's own entries: walk it for the page graph only.
    const visitor = this.visitor;
    if (!top) this.visitor = SILENT;
    try {
      if (root === 0n) this.walkBucketTree(0, { buf, at: at + BUCKET_HEADER, end: at + length }, depth + 1, what, false);
      else if (root > BigInt(Number.MAX_SAFE_INTEGER)) this.error(`${what}: root page ${root} is out of range`);
      else this.walkBucketTree(Number(root), null, depth + 1, what, false);
    } finally {
      this.visitor = visitor;
    }
  }
}

const SILENT: GraphVisitor = { bucket() { /* nested */ }, entry() { /* nested */ } };
