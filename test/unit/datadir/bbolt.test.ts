import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BoltReader } from '../../../src/core/datadir/bbolt';
import { BufferSource } from '../../../src/core/datadir/byte-source';
import { DataDirError } from '../../../src/core/datadir/errors';
import { readEtcdDbSource } from '../../../src/core/datadir/etcd-db';
import { branchPage, etcdShapedDb, freelistPage, leafPage, metaPage } from './bolt-builder';

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
