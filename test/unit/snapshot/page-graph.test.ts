// The whole-file check on exact bbolt shapes made by the test builder: a consistent db passes; a page both
// free and used, freed twice or out of range, a lost page, a pointer loop, a broken meta, hostile overflow and
// element counts are each reported, as errors and never as a throw.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { bufferReader } from '../../../src/core/snapshot/page-graph';
import { snapshotStatusOf } from '../../../src/core/snapshot/status';
import { craftedDb, CraftedGraph, etcdShapedDb, leafPage, metaPage, u64be } from '../datadir/bolt-builder';

const PS = 4096;
const status = (b: Buffer) => snapshotStatusOf(bufferReader(b), 'test.db');

/** etcdShapedDb with its `key` bucket page holding one real revision → mvccpb.KeyValue{key: "/a"} entry. */
function consistentDb(opts: Parameters<typeof etcdShapedDb>[0] = {}): Buffer {
  const db = etcdShapedDb(opts);
  const rev = Buffer.concat([u64be(41), Buffer.from('_'), u64be(0)]);
  leafPage(7, [{ key: rev, value: Buffer.from([0x0a, 0x02, 0x2f, 0x61]) }]).copy(db, 7 * PS);
  return db;
}

/** Rewrites the freelist page (page 2) to list `ids`. */
function withFree(db: Buffer, ids: number[]): Buffer {
  const b = Buffer.from(db);
  b.writeUInt16LE(ids.length, 2 * PS + 10);
  ids.forEach((id, i) => b.writeBigUInt64LE(BigInt(id), 2 * PS + 16 + i * 8));
  return b;
}

describe('snapshot page-graph check', () => {
  it('passes a consistent db and reports its figures', () => {
    const s = status(consistentDb());
    assert.deepEqual(s.integrity.errors, []);
    assert.equal(s.ok, true);
    assert.equal(s.integrity.freelist, 'synced');
    assert.equal(s.integrity.pagesInUse, 8);
    assert.equal(s.consistentIndex, 1234);
    assert.equal(s.trailer, 'absent');
    assert.match(s.integrity.warnings.join(), /no sha256 trailer/);
    // Entries of every bucket: cluster 1, key 1, members 3, members_removed 1, meta 1.
    assert.equal(s.totalEntries, 7);
    assert.equal(s.totalKeys, 1);
    assert.equal(s.revision, 41);
  });

  it('a free page that is also in use', () => {
    const s = status(withFree(consistentDb(), [5]));
    assert.equal(s.ok, false);
    assert.match(s.integrity.errors.join('\n'), /page 5 is in use and also on the freelist/);
  });

  it('a page freed twice, and a free page out of range', () => {
    const s = status(withFree(Buffer.concat([consistentDb()]), [9, 1]));
    assert.match(s.integrity.errors.join('\n'), /free page 9 is out of range/);
    assert.match(s.integrity.errors.join('\n'), /page 1 is free but is a meta page/);
    const grown = Buffer.concat([consistentDb(), Buffer.alloc(PS)]);
    metaPage(0, 3, 9, 4).copy(grown, 0);
    metaPage(1, 3, 9, 5).copy(grown, PS);
    const twice = status(withFree(grown, [8, 8]));
    assert.match(twice.integrity.errors.join('\n'), /page 8 is freed twice/);
  });

  it('a page neither reachable nor free', () => {
    const db = Buffer.concat([consistentDb(), leafPage(8, [])]);
    metaPage(0, 3, 9, 4).copy(db, 0);
    metaPage(1, 3, 9, 5).copy(db, PS);
    const s = status(db);
    assert.match(s.integrity.errors.join('\n'), /1 page\(s\) neither reachable nor free, the first page 8/);
    const freed = status(withFree(db, [8]));
    assert.deepEqual(freed.integrity.errors, []);
  });

  it('a pointer loop is reported once and the walk ends', () => {
    const s = status(consistentDb({ membersLoop: true }));
    assert.equal(s.ok, false);
    assert.match(s.integrity.errors.join('\n'), /page 4 is referenced twice/);
  });

  it('one broken meta page is damage even though bbolt would open the other', () => {
    const s = status(consistentDb({ meta0Broken: true }));
    assert.equal(s.ok, false);
    assert.deepEqual(s.integrity.metas.map((m) => m.ok), [false, true]);
    assert.match(s.integrity.errors.join('\n'), /meta page 0: meta checksum mismatch/);
    assert.equal(s.consistentIndex, 1234, 'the figures still come from the valid meta');
  });

  for (const kind of ['overlapping-overflow', 'cycle', 'huge-count', 'branch-to-meta', 'branch-to-freelist'] as CraftedGraph[]) {
    it(`hostile graph: ${kind}`, () => {
      const t = performance.now();
      const s = status(craftedDb(kind, 2048));
      assert.equal(s.ok, false);
      assert.ok(s.integrity.errors.length > 0);
      assert.ok(s.integrity.errors.length <= 51);
      assert.ok(performance.now() - t < 5000);
    });
  }

  it('a key bucket value that is no etcd key-value is reported (etcdutl 3.6 refuses it too)', () => {
    const s = status(etcdShapedDb());
    assert.match(s.integrity.errors.join('\n'), /1 value\(s\) in the key bucket are not etcd key-values/);
  });

  it('bytes that are no bbolt file at all', () => {
    for (const b of [Buffer.alloc(0), Buffer.alloc(10), Buffer.alloc(PS * 3, 0xab)]) {
      const s = status(b);
      assert.equal(s.ok, false);
      assert.ok(s.integrity.errors.length > 0);
    }
  });
});
