// Property test of `snapshot status` on mutated bytes of a real snapshot saved from etcd: every case answers
// (never a throw, a hang or an unbounded error list), and any change to a saved file's bytes is reported
// as damage: what the page graph misses, the sha256 trailer catches. 10,000 cases a run; FUZZ_RUNS=<n> for more.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import { bufferReader } from '../../src/core/snapshot/page-graph';
import { snapshotStatusOf } from '../../src/core/snapshot/status';
import { EtcdTestCluster } from '../harness/etcd-cluster';
import { describeEtcd } from '../harness/etcd-version';

const TOTAL = Number(process.env.FUZZ_RUNS) > 0 ? Number(process.env.FUZZ_RUNS) : 10000;
const MAX_CASE_MS = 2000;

type Mutation =
  | { kind: 'flip'; page: number; at: number; mask: number }
  | { kind: 'u64'; page: number; at: number; value: bigint }
  | { kind: 'u16'; page: number; at: number; value: number }
  | { kind: 'truncate'; where: number }
  | { kind: 'splice'; where: number; bytes: Uint8Array }
  | { kind: 'zero'; page: number; len: number };

const frac = fc.double({ min: 0, max: 1, noNaN: true, maxExcluded: true });
// Offsets in a page's header and first elements are where the structure is; the rest are data.
const inPage = fc.oneof(fc.integer({ min: 0, max: 15 }), fc.integer({ min: 16, max: 200 }), fc.integer({ min: 0, max: 4095 }));
const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant('flip' as const), page: frac, at: inPage, mask: fc.integer({ min: 1, max: 255 }) }),
  fc.record({ kind: fc.constant('u64' as const), page: frac, at: inPage, value: fc.oneof(fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }), fc.constantFrom(0n, 1n, 2n, 3n, 0xffffffffffffffffn, 1n << 40n)) }),
  fc.record({ kind: fc.constant('u16' as const), page: frac, at: inPage, value: fc.oneof(fc.constantFrom(0, 1, 2, 4, 0x10, 0xffff), fc.integer({ min: 0, max: 0xffff })) }),
  fc.record({ kind: fc.constant('truncate' as const), where: frac }),
  fc.record({ kind: fc.constant('splice' as const), where: frac, bytes: fc.uint8Array({ minLength: 1, maxLength: 600 }) }),
  fc.record({ kind: fc.constant('zero' as const), page: frac, len: fc.integer({ min: 1, max: 8192 }) }),
);

function mutate(seed: Buffer, list: Mutation[], pageSize: number): Buffer {
  let b = Buffer.from(seed);
  const pages = () => Math.max(1, Math.floor(b.length / pageSize));
  const at = (page: number, off: number) => Math.floor(page * pages()) * pageSize + off;
  for (const m of list) {
    switch (m.kind) {
      case 'flip': { const i = at(m.page, m.at); if (i < b.length) b[i] ^= m.mask; break; }
      case 'u64': { const i = at(m.page, m.at); if (i + 8 <= b.length) b.writeBigUInt64LE(m.value, i); break; }
      case 'u16': { const i = at(m.page, m.at); if (i + 2 <= b.length) b.writeUInt16LE(m.value, i); break; }
      case 'truncate': b = b.subarray(0, Math.floor(m.where * b.length)); break;
      case 'splice': { const i = Math.floor(m.where * b.length); b = Buffer.concat([b.subarray(0, i), m.bytes, b.subarray(i)]); break; }
      case 'zero': { const i = at(m.page, 0); b.fill(0, Math.min(i, b.length), Math.min(i + m.len, b.length)); break; }
    }
  }
  return b;
}

describe(`snapshot status fuzz (${describeEtcd()})`, { timeout: 300_000 }, () => {
  let cluster: EtcdTestCluster;
  let tmp: string;
  let saved: Buffer;
  let pageSize: number;

  before(async () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'etcd-ops-snapfuzz-'));
    cluster = await EtcdTestCluster.start({ members: 1 });
    for (let i = 0; i < 120; i++) await cluster.etcdctl(['put', `/registry/k${i}`, `value-${i}-`.repeat(1 + (i % 9) * 20)]);
    for (let i = 0; i < 10; i++) await cluster.etcdctl(['del', `/registry/k${i * 3}`]);
    const file = path.join(tmp, 'seed.db');
    await cluster.etcdctl(['snapshot', 'save', file], cluster.endpoints, 60_000);
    saved = fs.readFileSync(file);
    pageSize = saved.readUInt32LE(24);
    await cluster.close();
  });

  after(async () => {
    await cluster?.close();
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  });

  function answers(bytes: Buffer) {
    const t = performance.now();
    const s = snapshotStatusOf(bufferReader(bytes), 'fuzz.db');
    const ms = performance.now() - t;
    assert.ok(ms < MAX_CASE_MS, `took ${Math.round(ms)} ms`);
    assert.ok(s.integrity.errors.length <= 60, `${s.integrity.errors.length} errors kept`);
    assert.equal(s.ok, s.integrity.errors.length === 0);
    return s;
  }

  it('the seed is whole', () => {
    const s = answers(saved);
    assert.equal(s.ok, true, s.integrity.errors.join('\n'));
    assert.equal(s.trailer, 'valid');
    assert.ok(s.integrity.pagesInUse > 10, `${s.integrity.pagesInUse} pages in use`);
  });

  it(`any change to a saved file is damage (${Math.round(TOTAL * 0.7)} cases)`, () => {
    const dbOnly = saved.subarray(0, saved.length - 32);
    let damaged = 0;
    fc.assert(fc.property(fc.array(mutation, { minLength: 1, maxLength: 5 }), (list) => {
      const bytes = mutate(saved, list, pageSize);
      const s = answers(bytes);
      // Unchanged bytes, or exactly the db with its trailer cut (a plain db copy), may be whole.
      if (bytes.equals(saved) || bytes.equals(dbOnly)) return;
      assert.equal(s.ok, false, `a changed file passed: ${JSON.stringify(list, (_, v) => (typeof v === 'bigint' ? v.toString() : v))}`);
      damaged++;
    }), { numRuns: Math.round(TOTAL * 0.7), seed: Number(process.env.FUZZ_SEED) || undefined });
    assert.ok(damaged > TOTAL * 0.5, `${damaged} damaged cases`);
  });

  it(`the page graph alone on a db without trailer never throws or hangs (${Math.round(TOTAL * 0.3)} cases)`, () => {
    const dbOnly = Buffer.from(saved.subarray(0, saved.length - 32));
    let caught = 0;
    fc.assert(fc.property(fc.array(mutation, { minLength: 1, maxLength: 5 }), (list) => {
      const s = answers(mutate(dbOnly, list, pageSize));
      if (!s.ok) caught++;
    }), { numRuns: Math.round(TOTAL * 0.3) });
    // Most mutations hit data bytes the graph cannot judge; the structural ones must be caught.
    assert.ok(caught > 0);
  });
});
