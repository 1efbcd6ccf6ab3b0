import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BoltReader } from '../../../src/core/datadir/bbolt';
import { BufferSource } from '../../../src/core/datadir/byte-source';
import { DataDirError } from '../../../src/core/datadir/errors';
import { readEtcdDbSource } from '../../../src/core/datadir/etcd-db';
import { branchPage, bucketRef, CraftedGraph, craftedDb, etcdShapedDb, freelistPage, leafPage, metaPage } from './bolt-builder';

function code(fn: () => unknown): string {
  try { fn(); } catch (err) { assert.ok(err instanceof DataDirError, String(err)); return err.code; }
  return 'no error';
}

describe('bbolt reader', () => {
  it('reads etcd membership buckets (inline and branch/leaf pages) without touching the key bucket', () => {
    const source = new BufferSource('db', etcdShapedDb());
    const db = readEtcdDbSource(source);
    assert.deepEqual(db.members?.map((m) => [m.id, m.name, m.isLearner]), [['1a2b', 'n1', false], ['3c4d', 'n2', false], ['bdae9bbc11dd390d', 'n3', true]]);
    assert.deepEqual(db.removedMembers, ['dead1']);
    assert.equal(db.clusterVersion, '3.4.0');
    assert.equal(db.consistentIndex, 1234);
    assert.equal(db.txid, '5', 'the valid meta with the higher txid wins');
    // meta 0 (first 4 kB) + meta 1 header + root, branch and two member leaves; page 7 (key bucket) unread.
    assert.ok(source.bytesRead < 7 * 4096, `read ${source.bytesRead} bytes`);
    assert.equal(db.pagesRead, 4);
  });

  it('falls back to meta 1 when meta 0 is damaged', () => {
    const db = readEtcdDbSource(new BufferSource('db', etcdShapedDb({ meta0Broken: true })));
    assert.equal(db.txid, '5');
    assert.equal(db.members?.length, 3);
  });

  it('finds meta 1 by trying page sizes when meta 0 is unreadable', () => {
    const bytes = etcdShapedDb();
    bytes.fill(0, 0, 80);
    assert.equal(new BoltReader(new BufferSource('db', bytes)).meta.page, 1);
  });

  it('turns a pointer loop into page-cycle, not a hang', () => {
    assert.equal(code(() => readEtcdDbSource(new BufferSource('db', etcdShapedDb({ membersLoop: true })))), 'page-cycle');
  });

  it('refuses wrong magic, truncation, out-of-range pages and elements', () => {
    assert.equal(code(() => new BoltReader(new BufferSource('db', Buffer.alloc(8192, 7)))), 'bad-magic');
    assert.equal(code(() => new BoltReader(new BufferSource('db', Buffer.alloc(10)))), 'truncated');
    const beyond = Buffer.concat([metaPage(0, 3, 100, 1), metaPage(1, 3, 100, 0), freelistPage(2), branchPage(3, [{ key: 'a', pgid: 50 }])]);
    assert.equal(code(() => new BoltReader(new BufferSource('db', beyond)).bucketNames()), 'bad-page');
    const badEl = leafPage(3, [{ key: 'members', value: Buffer.alloc(16) }]);
    badEl.writeUInt32LE(1_000_000, 16 + 4); // element pos far outside the page
    const db = Buffer.concat([metaPage(0, 3, 4, 1), metaPage(1, 3, 4, 0), freelistPage(2), badEl]);
    assert.equal(code(() => new BoltReader(new BufferSource('db', db)).bucketNames()), 'bad-page');
  });

  it('bounds tree depth', () => {
    // A chain of branch pages deeper than the limit.
    const pages = [metaPage(0, 3, 40, 1), metaPage(1, 3, 40, 0), freelistPage(2)];
    for (let i = 3; i < 39; i++) pages.push(branchPage(i, [{ key: 'k', pgid: i + 1 }]));
    pages.push(leafPage(39, []));
    const reader = new BoltReader(new BufferSource('db', Buffer.concat(pages)), { maxDepth: 10, maxPagesPerWalk: 1000 });
    assert.throws(() => reader.bucketNames(), (e: DataDirError) => e.code === 'too-deep');
  });

  it('reads a db whose buckets do not exist yet (fresh etcd)', () => {
    const db = Buffer.concat([metaPage(0, 3, 4, 1), metaPage(1, 3, 4, 0), freelistPage(2), leafPage(3, [])]);
    const c = readEtcdDbSource(new BufferSource('db', db));
    assert.equal(c.members, null);
    assert.equal(c.consistentIndex, null);
  });
});

describe('bbolt reader on crafted page graphs', () => {
  const cases: [CraftedGraph, string][] = [
    ['overlapping-overflow', 'too-large'], ['cycle', 'page-cycle'], ['huge-count', 'too-large'],
    ['branch-to-meta', 'bad-page'], ['branch-to-freelist', 'bad-page'],
  ];
  for (const [kind, expected] of cases) {
    it(`${kind}: ${expected}, reading a bounded number of bytes`, () => {
      const source = new BufferSource('db', craftedDb(kind));
      const t = Date.now();
      assert.equal(code(() => readEtcdDbSource(source)), expected);
      assert.ok(source.bytesRead <= 40 << 20, `read ${source.bytesRead} bytes`);
      assert.ok(Date.now() - t < 5000);
    });
  }

  it('overflow ranges that overlap are refused even within the byte budget', () => {
    // Small enough for the budget: page 5's overflow covers page 6, which the branch also points at.
    const pages = [metaPage(0, 3, 10, 1), metaPage(1, 3, 10, 0), freelistPage(2), leafPage(3, [{ key: 'members', value: bucketRef(4), bucket: true }]),
      branchPage(4, [{ key: 'a', pgid: 5 }, { key: 'b', pgid: 6 }]), leafPage(5, [], 2 * 4096), leafPage(7, []), leafPage(8, []), leafPage(9, [])];
    const bytes = Buffer.concat(pages);
    bytes.writeBigUInt64LE(6n, 6 * 4096); // the second half of page 5's overflow claims to be page 6
    bytes.writeUInt16LE(0x02, 6 * 4096 + 8);
    const err = (() => { try { readEtcdDbSource(new BufferSource('db', bytes)); } catch (e) { return e as DataDirError; } return null; })();
    assert.equal(err?.code, 'bad-page');
    assert.match(err!.message, /inside the overflow of page 5/);
  });
});
