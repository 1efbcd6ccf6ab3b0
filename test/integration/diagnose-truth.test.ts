// @etcd-compat
// Diagnosis on data dirs written by the etcd the tests run (3.4 from Debian, or 3.5/3.6/3.7 built for them),
// then damaged by the test the way disks and crashes damage them. Where it matters, the real etcd is
// started on the damaged copy too, to show the diagnosis says what etcd will do.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { diagnoseDataDir, Diagnosis } from '../../src/core/datadir/diagnose';
import { liveViewForDataDir } from '../../src/core/datadir/live-view';
import { refreshCluster } from '../../src/core/etcd/live-health';
import { confChangeV1, entry, REC, WalWriter } from '../unit/datadir/wal-encoder';
import {
  copyDir, etcdVersion, hashDir, startPlainEtcd, walFrames, walSegments, writeAt, writeValues,
} from '../harness/datadirs';
import { EtcdTestCluster } from '../harness/etcd-cluster';

let root: string;
let version: string;
/** One member, snapshots every 10 entries, small values then three 4 kB ones (the last records span sectors). */
let base: string;
/** The same with 1 MiB values, so the WAL has two 64 MB segments and the snapshot etcd starts from is in the second. */
let twoSegments: string;

const codes = (d: Diagnosis) => d.findings.map((f) => f.code);
const explain = (d: Diagnosis) => d.findings.map((f) => `${f.code}: ${f.message}`).join('\n');

function untouched<T>(dir: string, fn: () => T): T {
  const before = hashDir(dir);
  const result = fn();
  assert.equal(hashDir(dir), before, `diagnosis changed ${dir}`);
  return result;
}

function damagedCopy(from: string, name: string): string {
  return copyDir(from, path.join(root, name));
}

/** Starts the real etcd on a dir and reports whether it came up; always stops it again. */
async function etcdStarts(dir: string): Promise<{ up: boolean; error: string | null }> {
  try {
    const etcd = await startPlainEtcd(dir);
    await etcd.stop();
    return { up: true, error: null };
  } catch (err) {
    return { up: false, error: (err as Error).message };
  }
}

function u64le(n: bigint): Buffer {
  const b = Buffer.alloc(8);
  b.writeBigUInt64LE(BigInt.asUintN(64, n));
  return b;
}

describe(`diagnosis tells the truth about damaged data dirs (the etcd under test)`, { timeout: 600000 }, () => {
  before(async () => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'etcd-ops-truth-'));
    version = await etcdVersion();
    base = path.join(root, 'base');
    const etcd = await startPlainEtcd(base, ['--snapshot-count', '10']);
    try {
      await writeValues(etcd.clientUrl, 45, 64, 1, '/small/');
      await writeValues(etcd.clientUrl, 3, 4096, 1, '/big/');
    } finally {
      await etcd.stop();
    }
    twoSegments = path.join(root, 'two-segments');
    const big = await startPlainEtcd(twoSegments, ['--snapshot-count', '10']);
    try {
      await writeValues(big.clientUrl, 20, 64, 1, '/small/');
      await writeValues(big.clientUrl, 70, 1 << 20, 4);
      await writeValues(big.clientUrl, 30, 64, 1, '/after/');
    } finally {
      await big.stop();
    }
  });
  after(() => fs.rmSync(root, { recursive: true, force: true }));

  it('the undamaged dirs are joined, with the schema version this etcd writes', () => {
    const d = untouched(base, () => diagnoseDataDir({ dataDir: base }));
    assert.equal(d.state, 'joined', explain(d));
    assert.ok(!codes(d).some((c) => c.startsWith('wal-')), explain(d));
    const minor = Number(version.split('.')[1]);
    const schema = d.details.schema;
    if (minor >= 6) {
      assert.equal(schema?.source, 'storageVersion');
      assert.match(schema!.version, new RegExp(`^3\\.${minor}\\.`));
    } else {
      assert.equal(schema?.version, minor === 5 ? '3.5' : '3.4');
    }
    // 3.7 boots from the WAL's snapshot records; older versions from the newest matching snap file.
    assert.equal(d.details.bootSnapshot?.source, minor >= 7 ? 'wal-record' : 'snap-file');
    assert.equal(diagnoseDataDir({ dataDir: twoSegments }).state, 'joined');
  });

  it('a length field flipped deep inside the log is damage (corrupt), not a torn tail; etcd truncates there', async () => {
    const dir = damagedCopy(base, 'flipped-length');
    const seg = walSegments(dir).pop()!;
    const frames = walFrames(seg);
    const victim = frames[Math.floor(frames.length / 2)];
    const dataEnd = frames[frames.length - 1].end;
    // Garbage over the top bytes of the length: it now runs past the end of the 64 MB file.
    writeAt(seg, victim.offset + 4, Buffer.from([0x5a, 0xa5, 0x3c]));
    const d = untouched(dir, () => diagnoseDataDir({ dataDir: dir }));
    assert.equal(d.state, 'corrupt', explain(d));
    assert.ok(!codes(d).includes('wal-torn-tail'), explain(d));
    const f = d.findings.find((x) => x.code === 'wal-damaged-frame')!;
    assert.ok(f, explain(d));
    assert.match(f.message, new RegExp(`damaged at byte ${victim.offset} of `));
    assert.match(f.message, new RegExp(`with ${dataEnd - victim.offset} bytes of written data behind it holding ${frames.length - frames.indexOf(victim) - 1} valid record`));
    assert.match(f.message, /truncates the segment at byte \d+ .*loses its newest hard state and every entry after the damage/);
    assert.equal(d.details.walDamage?.offset, victim.offset);

    // What etcd itself does with it: 3.5+ repairs (cuts at that frame, keeping a .broken copy); 3.4 refuses
    // a frame this long before reading it. Either way the member cannot go on as it was.
    const started = await etcdStarts(dir);
    const broken = fs.readdirSync(path.dirname(seg)).filter((n) => n.endsWith('.broken'));
    if (version.startsWith('3.4.')) {
      assert.match(f.message, /etcd 3\.4 refuses to start on it/);
      assert.equal(started.up, false);
      assert.match(started.error ?? '', /max entry size limit exceeded/);
    } else {
      assert.doesNotMatch(f.message, /3\.4 refuses/);
      assert.equal(broken.length, 1, `etcd repaired the WAL: ${fs.readdirSync(path.dirname(seg))}`);
    }
  });

  it('a length that runs into the preallocated zeros, with records behind it, is damage too', () => {
    const dir = damagedCopy(base, 'long-length');
    const seg = walSegments(dir).pop()!;
    const frames = walFrames(seg);
    const victim = frames[Math.floor(frames.length / 3)];
    const dataEnd = frames[frames.length - 1].end;
    const len = BigInt(dataEnd - victim.offset + 8192);
    writeAt(seg, victim.offset, u64le(len));
    const d = diagnoseDataDir({ dataDir: dir });
    assert.equal(d.state, 'corrupt', explain(d));
    assert.ok(codes(d).includes('wal-damaged-frame'), explain(d));
  });

  it('a real torn write (zeroed sectors at the very end) stays a torn tail', () => {
    const dir = damagedCopy(base, 'torn');
    const seg = walSegments(dir).pop()!;
    const frames = walFrames(seg);
    const last = [...frames].reverse().find((f) => f.type === 2 && f.end - f.offset > 2048)!;
    assert.ok(last, 'a 4 kB entry near the end');
    const from = Math.ceil((last.offset + 600) / 512) * 512;
    writeAt(seg, from, Buffer.alloc(frames[frames.length - 1].end - from));
    const d = diagnoseDataDir({ dataDir: dir });
    assert.equal(d.state, 'joined', explain(d));
    const torn = d.findings.find((x) => x.code === 'wal-torn-tail');
    assert.match(torn?.message ?? '', new RegExp(`at byte ${last.offset}`));
  });

  it('a removal above the commit index (never committed) does not make the member removed', () => {
    const dir = damagedCopy(base, 'uncommitted-removal');
    const before = diagnoseDataDir({ dataDir: dir });
    const seg = walSegments(dir).pop()!;
    const frames = walFrames(seg);
    const last = frames[frames.length - 1];
    const runningCrc = [...frames].reverse().find((f) => f.type !== 4)!.crc;
    // Appended as etcd appends: the next index, the same term, the CRC chain continued, a hard state left behind.
    const index = before.details.lastIndex! + 1;
    const tail = new WalWriter(runningCrc).record(REC.entry, entry(index, before.details.lastTerm!, 1, confChangeV1(1, BigInt(`0x${before.memberId}`)))).bytes(0);
    writeAt(seg, last.end, tail);
    const d = untouched(dir, () => diagnoseDataDir({ dataDir: dir }));
    assert.ok(before.details.hardState!.commit < index);
    assert.equal(d.details.lastIndex, index, 'the appended entry was read');
    assert.equal(d.state, 'joined', explain(d));
    const pending = d.findings.find((f) => f.code === 'wal-uncommitted-removal');
    assert.match(pending?.message ?? '', new RegExp(`at index ${index}, above its commit index ${before.details.hardState!.commit}`));
  });

  it('a voter the db still marks isLearner (the 3.5 promotion bug) is a warning, not a learner', () => {
    const dir = damagedCopy(base, 'stale-learner');
    const dbFile = path.join(dir, 'member', 'snap', 'db');
    const bytes = fs.readFileSync(dbFile);
    // bbolt copies pages on write, so older copies of the member lie in freed pages too: flag every copy.
    let patched = 0;
    for (let name = bytes.indexOf('"name":"solo"'); name >= 0; name = bytes.indexOf('"name":"solo"', name + 1)) {
      const start = bytes.lastIndexOf('{', name);
      const end = bytes.indexOf('}', name) + 1;
      const json = bytes.subarray(start, end).toString('latin1');
      // Same length, so the bbolt page stays as etcd wrote it: the client URLs give way to the learner flag.
      const urls = /"clientURLs":\[[^\]]*\]/.exec(json)?.[0];
      const flagged = '"isLearner":true,"clientURLs":[]';
      if (!urls || urls.length < flagged.length) continue;
      writeAt(dbFile, start + json.indexOf(urls), Buffer.from(flagged.padEnd(urls.length, ' ')));
      patched++;
    }
    assert.ok(patched > 0);
    const d = untouched(dir, () => diagnoseDataDir({ dataDir: dir }));
    assert.equal(d.details.db?.members?.[0].isLearner, true, 'the reader sees the flag');
    assert.equal(d.state, 'joined', explain(d));
    const f = d.findings.find((x) => x.code === 'db-stale-learner-flag');
    assert.match(f?.message ?? '', new RegExp(`marks solo ${d.memberId} a learner, but raft's configuration has it as a voter`));
    assert.match(f!.remediation, Number(version.split('.')[1]) >= 6 ? /replace this member/ : /3\.5\.24 or later/);
  });

  it('records etcd does not decode at start (older segments) only warn, and etcd does start', async () => {
    const clean = diagnoseDataDir({ dataDir: twoSegments });
    const segs = walSegments(twoSegments);
    assert.equal(segs.length, 2);
    const secondFirstIndex = Number(BigInt(`0x${path.basename(segs[1]).slice(17, 33)}`));
    assert.ok(clean.details.bootSnapshot!.index >= secondFirstIndex, `the snapshot (${clean.details.bootSnapshot?.index}) is in the second segment (from ${secondFirstIndex})`);

    const dir = damagedCopy(twoSegments, 'old-segment-type');
    const first = walSegments(dir)[0];
    const victim = walFrames(first).filter((f) => f.type === 2)[5];
    // The record type is outside the CRC: etcd's snapshot scan skips unknown types, and its log read starts later.
    writeAt(first, victim.offset + 9, Buffer.from([6]));
    const d = untouched(dir, () => diagnoseDataDir({ dataDir: dir }));
    assert.equal(d.state, 'joined', explain(d));
    const w = d.findings.find((f) => f.code === 'wal-old-segment-damaged');
    assert.equal(w?.severity, 'warning');
    assert.match(w!.message, /unexpected record type 6/);
    const started = await etcdStarts(dir);
    assert.ok(started.up, `etcd ${version} starts on it: ${started.error}`);
  });

  it('a CRC mismatch in an older segment is still corrupt: etcd reads every segment for its snapshot records', async () => {
    const dir = damagedCopy(twoSegments, 'old-segment-crc');
    const first = walSegments(dir)[0];
    const victim = walFrames(first).filter((f) => f.type === 2 && f.data.length > 64)[3];
    const at = victim.end - 16;
    const fd = fs.openSync(first, 'r');
    const b = Buffer.alloc(1);
    fs.readSync(fd, b, 0, 1, at);
    fs.closeSync(fd);
    writeAt(first, at, Buffer.from([b[0] ^ 0x40]));
    const d = diagnoseDataDir({ dataDir: dir });
    assert.equal(d.state, 'corrupt', explain(d));
    assert.ok(codes(d).includes('wal-bad-crc'), explain(d));
    const started = await etcdStarts(dir);
    assert.equal(started.up, false, `etcd ${version} refuses it too`);
  });
});

describe('the extension compares a data dir with the configured cluster of the same id', { timeout: 180000 }, () => {
  let a: EtcdTestCluster;
  let b: EtcdTestCluster;
  let strangerDir: string;
  let tmp: string;
  before(async () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'etcd-ops-match-'));
    a = await EtcdTestCluster.start({ members: 1, tmpRoot: tmp });
    b = await EtcdTestCluster.start({ members: 1, pki: a.pki, tmpRoot: tmp });
    strangerDir = path.join(tmp, 'stranger');
    const etcd = await startPlainEtcd(strangerDir);
    await writeValues(etcd.clientUrl, 3, 16, 1);
    await etcd.stop();
  });
  after(async () => {
    await a?.close();
    await b?.close();
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('matches by the WAL cluster id, says "no configured cluster matches" otherwise, never split brain against another', async () => {
    const health = async (c: EtcdTestCluster, name: string) => refreshCluster({ name, endpoints: c.endpoints, tls: c.tls, timeoutMs: 3000 });
    const configured = [{ label: 'B', health: await health(b, 'B') }, { label: 'A', health: await health(a, 'A') }];
    assert.ok(configured.every((c) => c.health.clusterId), 'both clusters were read');
    const aDir = a.members[0].dataDir;

    // A's own member dir: compared with A, though B is configured first.
    const own = diagnoseDataDir({ dataDir: aDir, liveFor: (id) => liveViewForDataDir(configured, id, aDir) });
    assert.equal(own.clusterId, configured[1].health.clusterId);
    assert.equal(own.state, 'joined', explain(own));
    assert.ok(!codes(own).includes('live-view-unavailable'), explain(own));

    // A dir of a third cluster: no live view, and no claim about B or A.
    const stranger = diagnoseDataDir({ dataDir: strangerDir, liveFor: (id) => liveViewForDataDir(configured, id, strangerDir) });
    assert.equal(stranger.state, 'joined', explain(stranger));
    assert.ok(!codes(stranger).includes('state-foreign-cluster'));
    const why = stranger.findings.find((f) => f.code === 'live-view-unavailable')!;
    assert.match(why.message, new RegExp(`no configured cluster matches cluster ${stranger.clusterId} \\(B is ${configured[0].health.clusterId}, A is ${configured[1].health.clusterId}\\)`));

    // A profile that names the dir as its own is the cluster it should belong to: a mismatch is reported.
    const named = [{ ...configured[0], dataDir: strangerDir }, configured[1]];
    assert.equal(diagnoseDataDir({ dataDir: strangerDir, liveFor: (id) => liveViewForDataDir(named, id, strangerDir) }).state, 'foreign-cluster');
  });
});
