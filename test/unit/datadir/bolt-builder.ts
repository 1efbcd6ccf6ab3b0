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
