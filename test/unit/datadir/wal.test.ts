import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BufferSource } from '../../../src/core/datadir/byte-source';
import { DataDirError } from '../../../src/core/datadir/errors';
import { parseWalName, readWalSegments, readWalSegmentsLenient } from '../../../src/core/datadir/wal';
import { confChangeV1, confChangeV2, entry, fieldBytes, fieldVarint, hardState, REC, varint, WalWriter } from './wal-encoder';

const NODE = 0xbdae9bbc11dd390dn; // > 2^53: ids must survive as hex
const CLUSTER = 0xd1cfaf999eb97a2an;

function seg(name: string, bytes: Buffer) {
  return { name, source: new BufferSource(name, bytes) };
}

function basicWal(): WalWriter {
  const w = new WalWriter().start(NODE, CLUSTER);
  w.record(REC.entry, entry(1, 1, 1, confChangeV1(0, NODE, { id: 1.3668033151171902e19, peerURLs: ['https://10.0.0.1:2380'], name: 'n1' })));
  for (let i = 2; i <= 5; i++) w.record(REC.entry, entry(i, 2, 0, [1, 2, 3, i]));
  w.record(REC.state, hardState(2, NODE, 5));
  return w;
}

function expectError(fn: () => unknown, code: string): DataDirError {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof DataDirError, `expected DataDirError, got ${err}`);
    assert.equal(err.code, code, err.message);
    return err;
  }
  assert.fail(`expected ${code}`);
}

describe('WAL reader', () => {
  it('decodes metadata, hard state, entries and a v1 conf change with its JSON member', () => {
    const wal = readWalSegments([seg('0000000000000000-0000000000000000.wal', basicWal().bytes())]);
    assert.equal(wal.memberId, 'bdae9bbc11dd390d');
    assert.equal(wal.clusterId, 'd1cfaf999eb97a2a');
    assert.deepEqual(wal.hardState, { term: 2, vote: 'bdae9bbc11dd390d', commit: 5 });
    assert.equal(wal.lastIndex, 5);
    assert.equal(wal.lastTerm, 2);
    assert.equal(wal.entryCount, 5);
    assert.deepEqual(wal.snapshots, [{ index: 0, term: 0 }]);
    assert.equal(wal.confChanges.length, 1);
    assert.deepEqual(wal.confChanges[0].changes, [{ kind: 'add', nodeId: 'bdae9bbc11dd390d' }]);
    assert.deepEqual(wal.confChanges[0].member?.peerURLs, ['https://10.0.0.1:2380']);
    assert.equal(wal.tornTail, null);
  });

  it('decodes ConfChangeV2 with several changes', () => {
    const w = basicWal().record(REC.entry, entry(6, 2, 2, confChangeV2([{ kind: 3, node: 0xabcn }, { kind: 1, node: 0x1n }])));
    const wal = readWalSegments([seg('a.wal', w.bytes())]);
    assert.deepEqual(wal.confChanges[1].changes, [{ kind: 'add-learner', nodeId: 'abc' }, { kind: 'remove', nodeId: '1' }]);
    assert.equal(wal.confChanges[1].version, 2);
  });

  it('drops conf changes overwritten by a new leader', () => {
    const w = basicWal().record(REC.entry, entry(6, 2, 1, confChangeV1(1, 0x77n))).record(REC.entry, entry(6, 3, 0, [9]));
    const wal = readWalSegments([seg('a.wal', w.bytes())]);
    assert.equal(wal.confChanges.length, 1, 'the removal at index 6 was overwritten');
    assert.equal(wal.lastIndex, 6);
    assert.equal(wal.lastTerm, 3);
  });

  it('records index gaps (legal only after a snapshot marker; the classifier decides)', () => {
    const w = basicWal().record(REC.snapshot, [8, 100, 16, 2]).record(REC.entry, entry(101, 2));
    const wal = readWalSegments([seg('a.wal', w.bytes())]);
    assert.deepEqual(wal.gaps, [{ index: 101, previous: 5 }]);
  });

  it('rejects a flipped byte with bad-crc naming file and offset', () => {
    const bytes = basicWal().bytes();
    const payload = bytes.indexOf(Buffer.from([1, 2, 3, 4]));
    bytes[payload + 3] ^= 0x01; // inside entry 4's data: the protobuf stays valid, only the CRC can tell
    const err = expectError(() => readWalSegments([seg('x.wal', bytes)]), 'bad-crc');
    assert.match(err.message, /^x\.wal at byte \d+: /);
  });

  it('tolerates a torn (zeroed) tail in the last segment, as etcd does', () => {
    const w = basicWal();
    const good = w.bytes(0).length;
    w.record(REC.entry, entry(6, 2, 0, new Array(1500).fill(7)));
    const bytes = w.bytes();
    bytes.fill(0, good + 600, good + 1600); // a whole 512-byte sector of the new record never reached disk
    const wal = readWalSegments([seg('last.wal', bytes)]);
    assert.equal(wal.lastIndex, 5);
    assert.equal(wal.tornTail?.offset, good);
  });

  it('refuses the same torn record when a later segment follows', () => {
    const w = basicWal();
    const good = w.bytes(0).length;
    w.record(REC.entry, entry(6, 2, 0, new Array(1500).fill(7)));
    const bytes = w.bytes();
    bytes.fill(0, good + 600, good + 1600);
    const next = new WalWriter(w.crc).start(NODE, CLUSTER).bytes();
    const err = expectError(() => readWalSegments([seg('1.wal', bytes), seg('2.wal', next)]), 'truncated');
    assert.match(err.message, /not in the last WAL segment/);
  });

  it('treats a length running past the end of the last file as a torn tail, and elsewhere as truncation', () => {
    const w = basicWal();
    const good = w.bytes(0);
    const huge = Buffer.alloc(8);
    huge.writeBigUInt64LE(0x00ffffffffffffffn);
    const bytes = Buffer.concat([good, huge, Buffer.alloc(64, 1)]);
    assert.equal(readWalSegments([seg('a.wal', bytes)]).tornTail?.offset, good.length);
    expectError(() => readWalSegments([seg('a.wal', bytes), seg('b.wal', new WalWriter().bytes())]), 'truncated');
  });

  it('follows the CRC chain across segments and detects a missing segment', () => {
    const first = basicWal();
    const second = new WalWriter(first.crc).start(NODE, CLUSTER, 0, 0).record(REC.entry, entry(6, 2));
    const wal = readWalSegments([seg('1.wal', first.bytes()), seg('2.wal', second.bytes())]);
    assert.equal(wal.lastIndex, 6);
    const stranger = new WalWriter(0x1234).start(NODE, CLUSTER).record(REC.entry, entry(6, 2));
    const err = expectError(() => readWalSegments([seg('1.wal', first.bytes()), seg('2.wal', stranger.bytes())]), 'bad-crc');
    assert.match(err.message, /CRC chain broken/);
  });

  it('refuses conflicting metadata and unknown record types', () => {
    const first = basicWal();
    const other = new WalWriter(first.crc).start(NODE + 1n, CLUSTER);
    expectError(() => readWalSegments([seg('1.wal', first.bytes()), seg('2.wal', other.bytes())]), 'metadata-conflict');
    expectError(() => readWalSegments([seg('1.wal', basicWal().record(9, [1]).bytes())]), 'bad-record');
  });

  it('parses etcd segment names', () => {
    assert.deepEqual(parseWalName('0000000000000002-00000000000003e8.wal'), { name: '0000000000000002-00000000000003e8.wal', seq: 2n, index: 1000n });
    assert.equal(parseWalName('0.tmp'), null);
    assert.equal(parseWalName('0000000000000002-00000000000003e8.wal.broken'), null);
  });

  it('a length flipped in the middle of the log, with records behind it, is damage, not a torn tail', () => {
    const w = basicWal();
    const at = w.bytes(0).length;
    for (let i = 6; i <= 12; i++) w.record(REC.entry, entry(i, 2, 0, [1, 2, 3]));
    w.record(REC.state, hardState(2, NODE, 12));
    const bytes = w.bytes(1 << 16);
    bytes.writeBigUInt64LE(0x0000ffffffffff10n, at); // past the end of the file
    const { contents, error } = readWalSegmentsLenient([seg('last.wal', bytes)]);
    assert.equal(error, null);
    assert.equal(contents.tornTail, null);
    assert.equal(contents.damage?.offset, at);
    assert.equal(contents.damage?.recordsBehind, 7, 'the six entries after the first and the hard state');
    assert.equal(contents.damage?.lastIndexBehind, 12);
    assert.deepEqual(contents.damage?.hardStateBehind, { term: 2, commit: 12 });
    assert.equal(contents.lastIndex, 5, 'what etcd keeps after truncating');
    expectError(() => readWalSegments([seg('last.wal', bytes)]), 'bad-length');
  });

  it('a zeroed length field with records behind it is damage too (etcd would zero them)', () => {
    const w = basicWal();
    const at = w.bytes(0).length;
    for (let i = 6; i <= 9; i++) w.record(REC.entry, entry(i, 2, 0, [9, 9]));
    const bytes = w.bytes();
    bytes.writeBigUInt64LE(0n, at);
    const { contents } = readWalSegmentsLenient([seg('last.wal', bytes)]);
    assert.equal(contents.damage?.offset, at);
    assert.equal(contents.damage?.claimedBytes, 0);
  });

  it('record problems are kept per segment, not thrown, by the lenient reader', () => {
    const first = basicWal().record(9, [1]);
    const second = new WalWriter(first.crc).start(NODE, CLUSTER).record(REC.entry, entry(6, 2));
    const { contents, error } = readWalSegmentsLenient([seg('1.wal', first.bytes()), seg('2.wal', second.bytes())]);
    assert.equal(error, null);
    assert.deepEqual(contents.problems.map((p) => [p.segment, p.error.code]), [[0, 'bad-record']]);
    assert.equal(contents.lastIndex, 6, 'reading went on');
  });

  it('decodes the conf state of a snapshot record (3.5+), as etcd 3.7 boots from it', () => {
    const confState = [...fieldBytes(1, [...varint(NODE)]), ...fieldBytes(2, [...varint(0xabcn)])];
    const w = basicWal().record(REC.snapshot, [...fieldVarint(1, 5), ...fieldVarint(2, 2), ...fieldBytes(3, confState)]);
    const wal = readWalSegments([seg('a.wal', w.bytes())]);
    assert.deepEqual(wal.snapshots[1].confState?.voters, ['bdae9bbc11dd390d']);
    assert.deepEqual(wal.snapshots[1].confState?.learners, ['abc']);
  });
});
