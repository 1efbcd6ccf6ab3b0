// Test-only writer of small bbolt files (meta pages with FNV checksum, branch/leaf pages, inline buckets),
// to test the reader on exact shapes: loops, bad metas, overflow. Real etcd dbs are used in integration tests.
const PS = 4096;

function fnv(bytes: Buffer): bigint {
  let h = 0xcbf29ce484222325n;
  for (const b of bytes) h = BigInt.asUintN(64, (h ^ BigInt(b)) * 0x100000001b3n);
  return h;
}

export function metaPage(id: number, root: number, highWater: number, txid: number, opts: { magic?: number; pageSize?: number } = {}): Buffer {
  const p = Buffer.alloc(PS);
  p.writeBigUInt64LE(BigInt(id), 0);
  p.writeUInt16LE(0x04, 8);
  const m = 16;
  p.writeUInt32LE(opts.magic ?? 0xed0cdaed, m);
  p.writeUInt32LE(2, m + 4);
  p.writeUInt32LE(opts.pageSize ?? PS, m + 8);
  p.writeBigUInt64LE(BigInt(root), m + 16);
  p.writeBigUInt64LE(2n, m + 32);
  p.writeBigUInt64LE(BigInt(highWater), m + 40);
  p.writeBigUInt64LE(BigInt(txid), m + 48);
  p.writeBigUInt64LE(fnv(p.subarray(m, m + 56)), m + 56);
  return p;
}

export interface LeafItem { key: string | Buffer; value: Buffer; bucket?: boolean }

export function leafPage(id: number, items: LeafItem[], size = PS): Buffer {
  const p = Buffer.alloc(size);
  p.writeBigUInt64LE(BigInt(id), 0);
  p.writeUInt16LE(0x02, 8);
  p.writeUInt16LE(items.length, 10);
  p.writeUInt32LE(size / PS - 1, 12);
  let data = 16 + items.length * 16;
  items.forEach((it, i) => {
    const el = 16 + i * 16;
    const key = Buffer.isBuffer(it.key) ? it.key : Buffer.from(it.key);
    p.writeUInt32LE(it.bucket ? 1 : 0, el);
    p.writeUInt32LE(data - el, el + 4);
    p.writeUInt32LE(key.length, el + 8);
    p.writeUInt32LE(it.value.length, el + 12);
    key.copy(p, data);
    it.value.copy(p, data + key.length);
    data += key.length + it.value.length;
  });
  return p;
}

export function branchPage(id: number, children: { key: string; pgid: number }[]): Buffer {
  const p = Buffer.alloc(PS);
  p.writeBigUInt64LE(BigInt(id), 0);
  p.writeUInt16LE(0x01, 8);
  p.writeUInt16LE(children.length, 10);
  let data = 16 + children.length * 16;
  children.forEach((c, i) => {
    const el = 16 + i * 16;
    p.writeUInt32LE(data - el, el);
    p.writeUInt32LE(c.key.length, el + 4);
    p.writeBigUInt64LE(BigInt(c.pgid), el + 8);
    p.write(c.key, data);
    data += c.key.length;
  });
  return p;
}

/** Bucket value pointing at a root page. */
export function bucketRef(pgid: number): Buffer {
  const b = Buffer.alloc(16);
  b.writeBigUInt64LE(BigInt(pgid), 0);
  return b;
}

/** Bucket value carrying its items inline (root 0, page follows the 16-byte header). */
export function inlineBucket(items: LeafItem[]): Buffer {
  const page = leafPage(0, items);
  const used = 16 + items.length * 16 + items.reduce((n, it) => n + Buffer.from(it.key).length + it.value.length, 0);
  return Buffer.concat([Buffer.alloc(16), page.subarray(0, used)]);
}

export function freelistPage(id: number): Buffer {
  const p = Buffer.alloc(PS);
  p.writeBigUInt64LE(BigInt(id), 0);
  p.writeUInt16LE(0x10, 8);
  return p;
}

export function u64be(n: number): Buffer {
  const b = Buffer.alloc(8);
  b.writeBigUInt64BE(BigInt(n));
  return b;
}

/**
 * An etcd-shaped db: inline cluster/meta/members_removed buckets, a `members` bucket spread over two leaf
 * pages under a branch (pages 4..6), and a `key` bucket the reader must never touch (page 7).
 */
export function etcdShapedDb(opts: { membersLoop?: boolean; meta0Broken?: boolean } = {}): Buffer {
  const member = (id: string, name: string, learner = false) => ({
    key: id, value: Buffer.from(JSON.stringify({ id: 12345678901234567890, peerURLs: [`https://${name}:2380`], name, isLearner: learner || undefined })),
  });
  const root = leafPage(3, [
    { key: 'alarm', value: inlineBucket([]), bucket: true },
    { key: 'cluster', value: inlineBucket([{ key: 'clusterVersion', value: Buffer.from('3.4.0') }]), bucket: true },
    { key: 'key', value: bucketRef(7), bucket: true },
    { key: 'members', value: bucketRef(4), bucket: true },
    { key: 'members_removed', value: inlineBucket([{ key: 'dead1', value: Buffer.from('removed') }]), bucket: true },
    { key: 'meta', value: inlineBucket([{ key: 'consistent_index', value: u64be(1234) }]), bucket: true },
  ]);
  const branch = branchPage(4, [{ key: '1', pgid: 5 }, { key: 'b', pgid: opts.membersLoop ? 4 : 6 }]);
  const leafA = leafPage(5, [member('1a2b', 'n1'), member('3c4d', 'n2')]);
  const leafB = leafPage(6, [member('bdae9bbc11dd390d', 'n3', true)]);
  const keys = leafPage(7, [{ key: 'never-read', value: Buffer.alloc(100, 1) }]);
  const meta0 = metaPage(0, 3, 8, opts.meta0Broken ? 10 : 4);
  if (opts.meta0Broken) meta0[40] ^= 0xff;
  return Buffer.concat([meta0, metaPage(1, 3, 8, 5), freelistPage(2), root, branch, leafA, leafB, keys]);
}

export type CraftedGraph = 'overlapping-overflow' | 'cycle' | 'huge-count' | 'branch-to-meta' | 'branch-to-freelist';

/**
 * Hostile page graphs behind an etcd-shaped root (a `members` bucket at page 4) in a file of `totalPages`
 * pages: overflow ranges that overlap and run to the end of the file, pointer loops, a leaf claiming 65535
 * elements that all reuse one large value, branches pointing at the meta or freelist pages.
 */
export function craftedDb(kind: CraftedGraph, totalPages = 8192): Buffer {
  const file = Buffer.alloc(totalPages * PS);
  metaPage(0, 3, totalPages, 4).copy(file, 0);
  metaPage(1, 3, totalPages, 5).copy(file, PS);
  freelistPage(2).copy(file, 2 * PS);
  leafPage(3, [{ key: 'members', value: bucketRef(4), bucket: true }]).copy(file, 3 * PS);
  const put = (id: number, page: Buffer) => page.copy(file, id * PS);
  const header = (id: number, flags: number, count: number, overflow: number) => {
    const at = id * PS;
    file.writeBigUInt64LE(BigInt(id), at);
    file.writeUInt16LE(flags, at + 8);
    file.writeUInt16LE(count, at + 10);
    file.writeUInt32LE(overflow, at + 12);
  };
  switch (kind) {
    case 'overlapping-overflow': {
      // One branch (with its own overflow) over 2000 leaves, each claiming every page up to the end of the file.
      const children = 2000;
      const branchPages = Math.ceil((16 + children * 17) / PS);
      header(4, 0x01, children, branchPages - 1);
      for (let i = 0; i < children; i++) {
        const el = 4 * PS + 16 + i * 16;
        const child = 4 + branchPages + i;
        file.writeUInt32LE((children - i) * 16 + i, el); // pos: the key bytes after the element table
        file.writeUInt32LE(1, el + 4);
        file.writeBigUInt64LE(BigInt(child), el + 8);
        const overflow = totalPages - 1 - child;
        header(child, 0x02, 1, overflow);
        const lel = child * PS + 16;
        file.writeUInt32LE(16, lel + 4);
        file.writeUInt32LE(1, lel + 8);
        file.writeUInt32LE((overflow + 1) * PS - 64, lel + 12);
      }
      break;
    }
    case 'cycle':
      put(4, branchPage(4, [{ key: 'a', pgid: 5 }]));
      put(5, branchPage(5, [{ key: 'b', pgid: 4 }]));
      break;
    case 'huge-count': {
      // 65535 elements in a 2 MiB leaf, every one pointing at the same 64 kB value.
      const pages = 512;
      header(4, 0x02, 0xffff, pages - 1);
      const valueAt = 16 + 0xffff * 16;
      for (let i = 0; i < 0xffff; i++) {
        const el = 4 * PS + 16 + i * 16;
        file.writeUInt32LE(valueAt - (16 + i * 16), el + 4);
        file.writeUInt32LE(4, el + 8);
        file.writeUInt32LE(64 * 1024, el + 12);
      }
      file.write('1a2b{"name":"x"}', 4 * PS + valueAt);
      break;
    }
    case 'branch-to-meta':
      put(4, branchPage(4, [{ key: 'a', pgid: 1 }]));
      break;
    case 'branch-to-freelist':
      put(4, branchPage(4, [{ key: 'a', pgid: 2 }]));
      break;
  }
  return file;
}
