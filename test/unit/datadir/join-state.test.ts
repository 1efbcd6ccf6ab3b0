// The classifier's rules on exact facts (the same rules run on real etcd dirs in test/integration).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DbContents } from '../../../src/core/datadir/etcd-db';
import { DataDirError } from '../../../src/core/datadir/errors';
import { DataDirFacts } from '../../../src/core/datadir/inspect';
import { classifyJoinState, LiveView } from '../../../src/core/datadir/join-state';
import { WalContents } from '../../../src/core/datadir/wal';

const ME = 'bdae9bbc11dd390d';
const CLUSTER = 'd1cfaf999eb97a2a';

function wal(over: Partial<WalContents> = {}): WalContents {
  return {
    segments: [], memberId: ME, clusterId: CLUSTER, hardState: { term: 2, vote: ME, commit: 10 }, snapshots: [{ index: 0, term: 0 }],
    entryCount: 10, firstIndex: 1, lastIndex: 10, lastTerm: 2, confChanges: [], gaps: [], tornTail: null, damage: null, problems: [], bytesRead: 0, ...over,
  };
}

function db(over: Partial<DbContents> = {}): DbContents {
  return {
    file: '/d/member/snap/db', size: 20480, pageSize: 4096, txid: '5', members: [{ id: ME, name: 'n1', peerURLs: ['https://10.0.0.1:2380'], clientURLs: ['https://10.0.0.1:2379'], isLearner: false }],
    removedMembers: [], clusterVersion: '3.4.0', consistentIndex: 10, term: null, storageVersion: null, confState: null, alarms: [], problems: [], bytesRead: 0, pagesRead: 1, ...over,
  };
}

function facts(over: { wal?: WalContents | null; db?: DbContents | null; snapIndex?: number; walFirstIndex?: bigint; snapDb?: string[]; dbSize?: number | null } = {}): DataDirFacts {
  const w = over.wal === undefined ? wal() : over.wal;
  const snapIndex = over.snapIndex ?? 0;
  return {
    layout: {
      root: '/d', memberDir: '/d/member', walDir: '/d/member/wal', snapDir: '/d/member/snap', dbFile: '/d/member/snap/db',
      walFiles: w ? [{ name: 'w.wal', seq: 0n, index: over.walFirstIndex ?? 0n }] : [], walTmpFiles: [], snapFiles: [],
      dbSize: over.dbSize === undefined ? 20480 : over.dbSize, snapDbFiles: over.snapDb ?? [], tombstone: false, memberName: null, otherEntries: [],
    },
    wal: w, walError: null, walPartial: null, snaps: [],
    bootSnapshot: snapIndex ? { file: '/d/member/snap/s.snap', source: 'snap-file', index: snapIndex, term: 2, confState: { voters: [ME], learners: [], votersOutgoing: [], learnersNext: [], autoLeave: false }, dataBytes: 10 } : null,
    walStartSegment: 0, walOldProblems: [], schema: null,
    db: over.db === undefined ? db() : over.db, dbError: null, timings: { walMs: 0, snapMs: 0, dbMs: 0, totalMs: 0 },
  };
}

const live = (over: Partial<LiveView> = {}): LiveView => ({ clusterId: CLUSTER, members: [{ id: ME, name: 'n1', isLearner: false }, { id: 'aa', name: 'n2', isLearner: false }], ...over });
const codes = (d: { findings: { code: string }[] }) => d.findings.map((f) => f.code);

describe('join-state classifier', () => {
  it('joined, with and without a live view; without one it says what it could not check', () => {
    assert.equal(classifyJoinState({ facts: facts(), live: live() }).state, 'joined');
    const offline = classifyJoinState({ facts: facts(), liveUnavailableReason: 'no --endpoints given' });
    assert.equal(offline.state, 'joined');
    const f = offline.findings.find((x) => x.code === 'live-view-unavailable');
    assert.match(f!.message, /no --endpoints given.*could not check that cluster d1cfaf999eb97a2a/);
  });

  it('foreign cluster beats everything else when the cluster ids differ', () => {
    const d = classifyJoinState({ facts: facts(), live: live({ clusterId: 'ffff' }) });
    assert.equal(d.state, 'foreign-cluster');
    assert.match(d.findings[0].message, /belongs to cluster d1cfaf999eb97a2a, but the live cluster is ffff/);
    assert.ok(d.findings[0].command?.includes('etcdctl member add n1 --peer-urls=https://10.0.0.1:2380'));
  });

  it('removed: by the live list, by members_removed, by its own WAL conf change', () => {
    assert.equal(classifyJoinState({ facts: facts(), live: live({ members: [{ id: 'aa', name: 'n2', isLearner: false }] }) }).state, 'removed');
    assert.equal(classifyJoinState({ facts: facts({ db: db({ removedMembers: [ME] }) }) }).state, 'removed');
    const w = wal({ confChanges: [{ index: 9, term: 2, version: 1, changes: [{ kind: 'remove', nodeId: ME }], member: null }] });
    assert.equal(classifyJoinState({ facts: facts({ wal: w }) }).state, 'removed');
  });

  it('removed and re-added under a new id: tells to start empty instead of adding again', () => {
    const d = classifyJoinState({ facts: facts(), live: live({ members: [{ id: 'cc', name: 'n1', isLearner: true }] }) });
    assert.equal(d.state, 'removed');
    assert.match(d.findings[0].message, /same name, n1, under a new id cc/);
    assert.ok(!d.findings[0].command?.includes('member add'));
  });

  it('learner from the live view, and from its own db when offline', () => {
    assert.equal(classifyJoinState({ facts: facts(), live: live({ members: [{ id: ME, name: 'n1', isLearner: true }] }) }).state, 'learner');
    assert.equal(classifyJoinState({ facts: facts({ db: db({ members: [{ id: ME, name: 'n1', peerURLs: [], clientURLs: [], isLearner: true }] }) }) }).state, 'learner');
    // Promoted while this node was down: the live cluster wins over the stale local flag.
    assert.equal(classifyJoinState({ facts: facts({ db: db({ members: [{ id: ME, name: 'n1', peerURLs: [], clientURLs: [], isLearner: true }] }) }), live: live() }).state, 'joined');
  });

  it('corrupt: commit beyond the log, with raft\'s own panic text', () => {
    const d = classifyJoinState({ facts: facts({ wal: wal({ hardState: { term: 2, vote: ME, commit: 50 } }) }), live: live() });
    assert.equal(d.state, 'corrupt');
    assert.ok(codes(d).includes('commit-beyond-log'));
    assert.ok(d.findings.some((f) => /Was the raft log corrupted, truncated, or lost/.test(f.message)));
  });

  it('corrupt: WAL segments needed for the snapshot were deleted, or its marker is missing', () => {
    assert.ok(codes(classifyJoinState({ facts: facts({ walFirstIndex: 5n }) })).includes('wal-missing-segment'));
    assert.ok(codes(classifyJoinState({ facts: facts({ snapIndex: 8 }) })).includes('wal-snapshot-not-found'));
  });

  it('entry gaps: legal right after the snapshot etcd starts from, corrupt after it', () => {
    const w = wal({ snapshots: [{ index: 0, term: 0 }, { index: 100, term: 2 }], gaps: [{ index: 101, previous: 10 }], lastIndex: 110, hardState: { term: 2, vote: ME, commit: 110 } });
    assert.equal(classifyJoinState({ facts: facts({ wal: w, snapIndex: 100, db: db({ consistentIndex: 110 }) }) }).state, 'joined');
    const late = wal({ ...w, gaps: [{ index: 105, previous: 102 }] });
    assert.ok(codes(classifyJoinState({ facts: facts({ wal: late, snapIndex: 100, db: db({ consistentIndex: 110 }) }) })).includes('wal-entry-gap'));
  });

  it('db older than the snapshot needs the matching .snap.db', () => {
    const w = wal({ snapshots: [{ index: 0, term: 0 }, { index: 8, term: 2 }] });
    assert.ok(codes(classifyJoinState({ facts: facts({ wal: w, snapIndex: 8, db: db({ consistentIndex: 3 }) }) })).includes('db-behind-snapshot'));
    assert.equal(classifyJoinState({ facts: facts({ wal: w, snapIndex: 8, db: db({ consistentIndex: 3 }), snapDb: ['0000000000000008.snap.db'] }) }).state, 'joined');
  });

  it('missing db: corrupt after a snapshot, rebuildable from a complete WAL', () => {
    const w = wal({ snapshots: [{ index: 0, term: 0 }, { index: 8, term: 2 }] });
    assert.ok(codes(classifyJoinState({ facts: facts({ wal: w, snapIndex: 8, db: null, dbSize: null }) })).includes('db-missing'));
    const ok = classifyJoinState({ facts: facts({ db: null, dbSize: null }) });
    assert.equal(ok.state, 'joined');
    assert.ok(codes(ok).includes('db-missing-rebuildable'));
  });

  it('without a WAL: db-without-wal, certs-only, fresh', () => {
    assert.equal(classifyJoinState({ facts: facts({ wal: null }) }).state, 'db-without-wal');
    assert.equal(classifyJoinState({ facts: facts({ wal: null, db: null, dbSize: null }), pki: { dir: '/p', certFiles: ['/p/ca.crt'] } }).state, 'certs-only');
    assert.equal(classifyJoinState({ facts: facts({ wal: null, db: null, dbSize: null }) }).state, 'fresh');
  });

  it('every state carries a remediation, and the dangerous ones a command', () => {
    const cases = [
      classifyJoinState({ facts: facts() }), classifyJoinState({ facts: facts({ db: db({ removedMembers: [ME] }) }) }),
      classifyJoinState({ facts: facts({ wal: null }) }), classifyJoinState({ facts: facts({ wal: null, db: null, dbSize: null }) }),
    ];
    for (const d of cases) for (const f of d.findings) assert.ok(f.remediation.length > 20, `${f.code} has a remediation`);
    assert.ok(cases[1].findings.find((f) => f.code === 'state-removed')?.command?.startsWith('mv /d /d.bak-'));
  });

  it('a removal above the commit index is not a removal; a live list holding the member wins over its own data', () => {
    const pending = wal({ confChanges: [{ index: 11, term: 2, version: 1, changes: [{ kind: 'remove', nodeId: ME }], member: null }], lastIndex: 11 });
    const d = classifyJoinState({ facts: facts({ wal: pending }) });
    assert.equal(d.state, 'joined');
    assert.ok(codes(d).includes('wal-uncommitted-removal'));
    assert.equal(classifyJoinState({ facts: facts({ wal: pending }), live: live({ members: [{ id: 'aa', name: 'n2', isLearner: false }] }) }).state, 'removed', 'the live list decides');
    const listed = classifyJoinState({ facts: facts({ db: db({ removedMembers: [ME] }) }), live: live() });
    assert.equal(listed.state, 'joined');
    assert.ok(codes(listed).includes('removed-locally-listed-live'));
  });

  it('a learner flag in the db that raft contradicts is a warning, and the member is judged a voter', () => {
    const stale = db({ members: [{ id: ME, name: 'n1', peerURLs: [], clientURLs: [], isLearner: true }], term: 2, confState: { voters: [ME], learners: [] } });
    const d = classifyJoinState({ facts: facts({ db: stale }) });
    assert.equal(d.state, 'joined');
    const f = d.findings.find((x) => x.code === 'db-stale-learner-flag');
    assert.match(f!.message, /marks n1 bdae9bbc11dd390d a learner, but raft's configuration has it as a voter \(the db's meta\/confState\)/);
    // Promoted by a committed conf change the db has not applied yet: etcd replays it at start, no bug.
    const promoted = wal({ confChanges: [{ index: 10, term: 2, version: 1, changes: [{ kind: 'add', nodeId: ME }], member: null }] });
    const pending = classifyJoinState({ facts: facts({ wal: promoted, db: db({ members: stale.members, consistentIndex: 9 }) }) });
    assert.ok(!codes(pending).includes('db-stale-learner-flag'));
    assert.equal(pending.state, 'joined', 'raft has it as a voter');
    // A real learner (raft agrees) is still a learner.
    const real = db({ members: stale.members, confState: { voters: ['aa'], learners: [ME] } });
    assert.equal(classifyJoinState({ facts: facts({ db: real }) }).state, 'learner');
  });

  it('record problems in older segments warn; damage behind a bad frame is corrupt', () => {
    const f = facts();
    f.walOldProblems = [new DataDirError('bad-record', '/d/member/wal/0.wal', 80, 'unexpected record type 6')];
    const d = classifyJoinState({ facts: f });
    assert.equal(d.state, 'joined');
    assert.equal(d.findings.find((x) => x.code === 'wal-old-segment-damaged')?.severity, 'warning');
    const damaged = facts({ wal: wal({ damage: { file: '/d/member/wal/w.wal', offset: 4096, reason: 'record length 99 runs past the end', claimedBytes: 99, bytesBehind: 2000, recordsBehind: 7, lastIndexBehind: 17, hardStateBehind: { term: 2, commit: 17 } } }) });
    const c = classifyJoinState({ facts: damaged });
    assert.equal(c.state, 'corrupt');
    assert.match(c.findings.find((x) => x.code === 'wal-damaged-frame')!.message, /damaged at byte 4096 .* 2000 bytes of written data behind it holding 7 valid record\(s\) up to entry 17/);
  });

  it('etcd 3.7 data dirs: snap files are not read at start, so a broken one is only information', () => {
    const f = facts();
    f.schema = { version: '3.7.0', source: 'storageVersion', bootRules: '3.7' };
    f.snaps = [{ file: '/d/member/snap/x.snap', index: 5, term: 2, error: new DataDirError('bad-crc', '/d/member/snap/x.snap', 0, 'snapshot CRC mismatch'), chosen: false }];
    assert.equal(classifyJoinState({ facts: f }).findings.find((x) => x.code === 'snap-unreadable')?.severity, 'info');
    f.schema = { version: '3.6.0', source: 'storageVersion', bootRules: '3.6' };
    assert.equal(classifyJoinState({ facts: f }).findings.find((x) => x.code === 'snap-unreadable')?.severity, 'warning');
  });
});
