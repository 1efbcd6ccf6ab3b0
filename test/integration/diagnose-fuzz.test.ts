// Property tests that mutate real bytes (a WAL, snap file and db written by etcd, PEM files made by openssl)
// and assert the readers only ever answer or throw their typed error: no crash, no hang, no read larger
// than the input. ~10,000 cases in a normal run; FUZZ_RUNS=<total> for a long one.
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import { basicConstraintsCA, keyUsageOf } from '../../src/core/certs/der';
import { inspectCertificates } from '../../src/core/certs/inspect';
import { CertFileError, parseCertificates, parsePrivateKey } from '../../src/core/certs/pem';
import { BufferSource } from '../../src/core/datadir/byte-source';
import { DataDirError } from '../../src/core/datadir/errors';
import { readEtcdDbSource } from '../../src/core/datadir/etcd-db';
import { readSnap } from '../../src/core/datadir/snap';
import { readWalSegmentsLenient } from '../../src/core/datadir/wal';
import { makeTestPki, TestPki } from '../harness/certs';
import { makeSnapshottedDataDir } from '../harness/datadirs';
import { CraftedGraph, craftedDb } from '../unit/datadir/bolt-builder';
import { readDbInChild } from '../harness/datadirs';

// Share of the total per target; the total is 10,000 unless FUZZ_RUNS says otherwise.
const TOTAL = Number(process.env.FUZZ_RUNS) > 0 ? Number(process.env.FUZZ_RUNS) : 10000;
const runs = (share: number) => Math.max(1, Math.round(TOTAL * share));
const MAX_CASE_MS = 2000;

let root: string;
let wal: Buffer;
let snap: Buffer;
let db: Buffer;
let pki: TestPki;
let maxArrayBufferGrowth = 0;

type Mutation =
  | { kind: 'flip'; at: number; mask: number }
  | { kind: 'truncate'; at: number }
  | { kind: 'u64'; at: number; value: bigint }
  | { kind: 'u32'; at: number; value: number }
  | { kind: 'splice'; at: number; bytes: Uint8Array }
  | { kind: 'zero'; at: number; len: number };

const where = fc.double({ min: 0, max: 1, noNaN: true, maxExcluded: true });
const interesting64 = fc.oneof(fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }), fc.constantFrom(0n, 1n, 2n ** 63n, 2n ** 64n - 1n, 0x00ffffffffffffffn, 0x87000000000000ffn, 4096n, 2n ** 32n));
const interesting32 = fc.oneof(fc.nat(), fc.constantFrom(0, 1, 0xffff, 0xffffffff, 4096, 0x80000000));
const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant('flip' as const), at: where, mask: fc.integer({ min: 1, max: 255 }) }),
  fc.record({ kind: fc.constant('truncate' as const), at: where }),
  fc.record({ kind: fc.constant('u64' as const), at: where, value: interesting64 }),
  fc.record({ kind: fc.constant('u32' as const), at: where, value: interesting32 }),
  fc.record({ kind: fc.constant('splice' as const), at: where, bytes: fc.uint8Array({ maxLength: 64 }) }),
  fc.record({ kind: fc.constant('zero' as const), at: where, len: fc.integer({ min: 1, max: 4096 }) }),
);
const mutations = fc.array(mutation, { minLength: 1, maxLength: 6 });

function mutate(seed: Buffer, list: Mutation[], align = 1): Buffer {
  let b = Buffer.from(seed);
  for (const m of list) {
    const at = Math.floor((m.at * b.length) / align) * align;
    switch (m.kind) {
      case 'flip': if (b.length) b[at] ^= m.mask; break;
      case 'truncate': b = b.subarray(0, at); break;
      case 'u64': if (at + 8 <= b.length) b.writeBigUInt64LE(m.value, at); break;
      case 'u32': if (at + 4 <= b.length) b.writeUInt32LE(m.value >>> 0, at); break;
      case 'splice': b = Buffer.concat([b.subarray(0, at), m.bytes, b.subarray(at)]); break;
      case 'zero': b.fill(0, Math.min(at, b.length), Math.min(at + m.len, b.length)); break;
    }
  }
  return b;
}

/** Runs one reader on one input: typed error or result, in bounded time, reading no more than the input. */
function check<T>(run: () => T, isTyped: (e: unknown) => boolean, sources: BufferSource[]): T | null {
  const abBefore = process.memoryUsage().arrayBuffers;
  const t = performance.now();
  let result: T | null = null;
  try {
    result = run();
  } catch (err) {
    assert.ok(isTyped(err), `untyped error: ${(err as Error)?.stack ?? err}`);
    assert.ok((err as Error).message.length > 0 && !(err as Error).message.includes('\n    at '));
  }
  const ms = performance.now() - t;
  assert.ok(ms < MAX_CASE_MS, `one case took ${ms} ms`);
  for (const s of sources) assert.ok(s.largestRead <= s.size, `read ${s.largestRead} bytes of ${s.size}`);
  maxArrayBufferGrowth = Math.max(maxArrayBufferGrowth, process.memoryUsage().arrayBuffers - abBefore);
  return result;
}

const isDataDirError = (e: unknown) => e instanceof DataDirError;

/** Recomputes the FNV checksum of a bbolt meta page, so mutations inside it reach the page walker. */
function resignMeta(b: Buffer, pageOffset: number): void {
  const m = pageOffset + 16;
  if (m + 64 > b.length) return;
  let h = 0xcbf29ce484222325n;
  for (const x of b.subarray(m, m + 56)) h = BigInt.asUintN(64, (h ^ BigInt(x)) * 0x100000001b3n);
  b.writeBigUInt64LE(h, m + 56);
}

describe('readers on mutated real bytes', { timeout: 600000 }, () => {
  before(async () => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'etcd-ops-fuzz-'));
    const dir = await makeSnapshottedDataDir(path.join(root, 'etcd'));
    const walDir = path.join(dir, 'member', 'wal');
    const seg = fs.readdirSync(walDir).filter((n) => n.endsWith('.wal')).sort()[0];
    // The written part of the 64 MB preallocated segment, plus some of its zeros.
    const whole = fs.readFileSync(path.join(walDir, seg));
    let end = whole.length;
    while (end > 0 && whole[end - 1] === 0) end--;
    wal = whole.subarray(0, Math.min(whole.length, end + 4096));
    const snapName = fs.readdirSync(path.join(dir, 'member', 'snap')).filter((n) => n.endsWith('.snap')).sort().pop()!;
    snap = fs.readFileSync(path.join(dir, 'member', 'snap', snapName));
    db = fs.readFileSync(path.join(dir, 'member', 'snap', 'db'));
    pki = makeTestPki(path.join(root, 'pki'));
    // The seeds themselves are valid: mutations, not the harness, make the errors.
    const ok = readWalSegmentsLenient([{ name: 'seed.wal', source: new BufferSource('seed.wal', wal) }]);
    assert.equal(ok.error, null);
    assert.ok(ok.contents.entryCount > 40 && ok.contents.snapshots.length > 1);
    assert.ok(readSnap(new BufferSource('seed.snap', snap)).index > 0);
    assert.ok(readEtcdDbSource(new BufferSource('db', db)).members?.length === 1);
  });
  after(() => {
    fs.rmSync(root, { recursive: true, force: true });
    assert.ok(maxArrayBufferGrowth < 256 * 1024 * 1024, `a case grew buffers by ${maxArrayBufferGrowth} bytes`);
  });

  it('WAL: mutated segment, alone and followed by a second segment', () => {
    fc.assert(fc.property(mutations, fc.boolean(), (list, twoSegments) => {
      const bytes = mutate(wal, list, list[0].kind === 'u64' ? 8 : 1);
      const sources = [new BufferSource('0.wal', bytes)];
      if (twoSegments) sources.push(new BufferSource('1.wal', wal));
      const r = check(() => readWalSegmentsLenient(sources.map((s) => ({ name: s.name, source: s }))), isDataDirError, sources);
      // The lenient reader reports errors as values; they must be typed too.
      if (r) {
        assert.ok(r.error === null || r.error instanceof DataDirError);
        assert.ok(r.contents.entryCount <= sources.reduce((n, s) => n + s.size, 0) / 8);
      }
    }), { numRuns: runs(0.28) });
  });

  it('WAL: random bytes', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 20000 }), (bytes) => {
      const s = new BufferSource('r.wal', Buffer.from(bytes));
      check(() => readWalSegmentsLenient([{ name: 'r.wal', source: s }]), isDataDirError, [s]);
    }), { numRuns: runs(0.03) });
  });

  it('snap file', () => {
    fc.assert(fc.property(mutations, (list) => {
      const s = new BufferSource('s.snap', mutate(snap, list));
      check(() => readSnap(s), isDataDirError, [s]);
    }), { numRuns: runs(0.15) });
  });

  it('db: mutated pages, and mutated meta pages re-signed so the walker meets the damage', () => {
    // Most of a db is pages the reader never visits; half the cases aim at the pages it does read.
    const newest = [0, 4096].sort((a, b) => Number(db.readBigUInt64LE(b + 16 + 48) - db.readBigUInt64LE(a + 16 + 48)))[0];
    const rootAt = Number(db.readBigUInt64LE(newest + 16 + 16)) * 4096;
    fc.assert(fc.property(mutations, fc.boolean(), fc.boolean(), (list, resign, focus) => {
      const bytes = focus
        ? Buffer.concat([db.subarray(0, rootAt), mutate(db.subarray(rootAt, rootAt + 4096), list, 4), db.subarray(rootAt + 4096)])
        : mutate(db, list, 8);
      if (resign) { resignMeta(bytes, 0); resignMeta(bytes, 4096); }
      const s = new BufferSource('db', bytes);
      check(() => readEtcdDbSource(s, { maxDepth: 32, maxPagesPerWalk: 20000 }), isDataDirError, [s]);
    }), { numRuns: runs(0.2) });
  });

  it('db: meta fields pointed anywhere (root, high-water mark, page size), checksum valid', () => {
    fc.assert(fc.property(fc.constantFrom(8, 16, 40), interesting64, fc.constantFrom(0, 4096), (field, value, page) => {
      const bytes = Buffer.from(db);
      const m = page + 16;
      if (field === 8) bytes.writeUInt32LE(Number(value & 0xffffffffn), m + 8); else bytes.writeBigUInt64LE(value, m + field);
      bytes.writeBigUInt64LE(BigInt.asUintN(64, BigInt(Number.MAX_SAFE_INTEGER)), 4096 + 16 + 48); // make the mutated meta the newest when valid
      resignMeta(bytes, 0); resignMeta(bytes, 4096);
      const s = new BufferSource('db', bytes);
      check(() => readEtcdDbSource(s), isDataDirError, [s]);
    }), { numRuns: runs(0.1) });
  });

  it('PEM certificates and keys', () => {
    const certPem = fs.readFileSync(pki.serverCert);
    const keyPem = fs.readFileSync(pki.serverKey);
    const isCertError = (e: unknown) => e instanceof CertFileError;
    fc.assert(fc.property(mutations, fc.boolean(), (list, key) => {
      const bytes = mutate(key ? keyPem : certPem, list);
      const certs = check(() => (key ? (parsePrivateKey(bytes, 'k.key'), null) : parseCertificates(bytes, 'c.crt')), isCertError, []);
      for (const c of certs ?? []) { keyUsageOf(c.raw); basicConstraintsCA(c.raw); }
    }), { numRuns: runs(0.14) });
  });

  it('DER: KeyUsage and basicConstraints parsers never throw on mutated certificates', () => {
    const der = new X509Certificate(fs.readFileSync(pki.serverCert)).raw;
    fc.assert(fc.property(mutations, (list) => {
      const bytes = mutate(der, list);
      const t = performance.now();
      const ku = keyUsageOf(bytes);
      basicConstraintsCA(bytes);
      assert.ok(ku === null || ku.length <= 9);
      assert.ok(performance.now() - t < MAX_CASE_MS);
    }), { numRuns: runs(0.08) });
  });

  it('whole certificate directory with one mutated file', () => {
    const dir = path.join(root, 'certdir');
    fs.mkdirSync(dir);
    for (const f of [pki.ca, pki.caKey, pki.serverCert, pki.serverKey, pki.clientCert, pki.clientKey]) fs.copyFileSync(f, path.join(dir, path.basename(f)));
    const victims = ['ca.crt', 'server.crt', 'server.key', 'client.crt'];
    fc.assert(fc.property(fc.constantFrom(...victims), mutations, (victim, list) => {
      const file = path.join(dir, victim);
      const original = fs.readFileSync(file);
      fs.writeFileSync(file, mutate(original, list));
      try {
        const t = performance.now();
        const r = inspectCertificates(dir); // must never throw for bad bytes
        assert.ok(performance.now() - t < MAX_CASE_MS);
        assert.ok(r.certificates.length + r.findings.length > 0);
      } finally {
        fs.writeFileSync(file, original);
      }
    }), { numRuns: runs(0.02) });
  });
});

describe('db reader on adversarial page graphs, in a child process', { timeout: 300000 }, () => {
  // A 32 MiB file; the reader may use a few times its own budget, never gigabytes.
  const MAX_RSS_BYTES = 400 * 1024 * 1024;
  let dir: string;
  before(() => { dir = fs.mkdtempSync(path.join(os.tmpdir(), 'etcd-ops-crafted-')); });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  const graphs: CraftedGraph[] = ['overlapping-overflow', 'huge-count', 'cycle', 'branch-to-meta', 'branch-to-freelist'];
  for (const kind of graphs) {
    it(`${kind}: a typed error, peak RSS bounded`, async () => {
      const file = path.join(dir, `${kind}.db`);
      fs.writeFileSync(file, craftedDb(kind));
      const r = await readDbInChild(file, { maxRssBytes: MAX_RSS_BYTES, timeoutMs: 60000 });
      assert.equal(r.killed, null, `the reader was stopped: ${r.killed}`);
      assert.ok(r.code && r.code !== 'ok' && !r.code.startsWith('untyped'), `expected a DataDirError code, got ${r.code}`);
      assert.ok(r.maxRssBytes < MAX_RSS_BYTES, `peak RSS ${r.maxRssBytes} bytes`);
    });
  }
});
