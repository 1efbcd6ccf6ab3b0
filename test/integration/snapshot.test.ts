// @etcd-compat
// `etcd-ops snapshot save|status` on real etcd: a save from a caught-up follower that etcdutl (etcdctl on 3.4)
// reads with the same revision, keys, size and hash; refusals and cancellation that leave no file behind;
// damaged files (meta pages, a branch page, the freelist pointer, truncation, the trailer) said to be damaged
// by the real CLI in a child process with an RSS bound; a running member's db answered at once.
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { EndpointPool } from '../../src/core/etcd/live-health';
import { saveSnapshot } from '../../src/core/snapshot/save';
import { snapshotStatus } from '../../src/core/snapshot/status';
import { ensureBuilt, CLI, runCli, tlsFlags } from '../harness/cli';
import { EtcdTestCluster } from '../harness/etcd-cluster';
import { atLeast, describeEtcd, snapshotCommand } from '../harness/etcd-version';

const RSS_BOUND = 250 << 20;

interface EtcdutlStatus { hash: number; revision: number; totalKey: number; totalSize: number }

function etcdutlStatus(c: EtcdTestCluster, file: string): Promise<EtcdutlStatus> {
  const s = snapshotCommand(c.binaries, 'status', [file, '-w', 'json']);
  return new Promise((resolve, reject) => {
    execFile(s.cmd, s.args, { env: { ...process.env, ...s.env }, timeout: 60_000 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`${s.cmd} snapshot status: ${stderr || err.message}`));
      else resolve(JSON.parse(stdout) as EtcdutlStatus);
    });
  });
}

/** The built CLI in a child whose RSS is watched: killed (and reported) past the bound or the time limit. */
async function cliInChild(args: string[], limits: { maxRssBytes: number; timeoutMs: number }): Promise<{ code: number | null; stdout: string; stderr: string; rss: number; killed: string | null; ms: number }> {
  const started = Date.now();
  const child = spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (c: string) => { stdout += c; });
  child.stderr.setEncoding('utf8').on('data', (c: string) => { stderr += c; });
  let rss = 0;
  let killed: string | null = null;
  const watch = setInterval(() => {
    try { rss = Math.max(rss, Number(/VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${child.pid}/status`, 'utf8'))?.[1] ?? 0) * 1024); } catch { /* exited */ }
    if (rss > limits.maxRssBytes && !killed) { killed = `RSS ${rss} over ${limits.maxRssBytes}`; child.kill('SIGKILL'); }
  }, 20);
  const timer = setTimeout(() => { killed ??= `still running after ${limits.timeoutMs} ms`; child.kill('SIGKILL'); }, limits.timeoutMs);
  const code = await new Promise<number | null>((resolve) => child.once('exit', (c) => resolve(c)));
  clearInterval(watch);
  clearTimeout(timer);
  return { code, stdout, stderr, rss, killed, ms: Date.now() - started };
}

/** Page ids of `flags` (0x01 branch, 0x02 leaf) whose header names their own id: real pages, not overflow. */
function pagesOfType(bytes: Buffer, pageSize: number, flags: number): number[] {
  const out: number[] = [];
  for (let p = 2; (p + 1) * pageSize <= bytes.length; p++) {
    const at = p * pageSize;
    if (bytes.readBigUInt64LE(at) === BigInt(p) && bytes.readUInt16LE(at + 8) === flags) out.push(p);
  }
  return out;
}

/**
 * Branch pages reachable from the newest meta's root, found by a walk independent of the product's (a stale
 * branch page left unfreed, as 3.4/3.5 dbs carry, is no part of the tree, and damage there changes nothing).
 */
function reachableBranches(bytes: Buffer, pageSize: number): number[] {
  const metaAt = (bytes.readBigUInt64LE(16 + 48) >= bytes.readBigUInt64LE(pageSize + 16 + 48) ? 0 : pageSize) + 16;
  const out: number[] = [];
  const visit = (pgid: number, top: boolean) => {
    const at = pgid * pageSize;
    const flags = bytes.readUInt16LE(at + 8);
    const count = bytes.readUInt16LE(at + 10);
    for (let i = 0; i < count; i++) {
      const el = at + 16 + i * 16;
      if (flags === 0x01) visit(Number(bytes.readBigUInt64LE(el + 8)), top);
      else if (top && bytes.readUInt32LE(el) & 1) {
        const v = el + bytes.readUInt32LE(el + 4) + bytes.readUInt32LE(el + 8);
        const root = Number(bytes.readBigUInt64LE(v));
        if (root) visit(root, false);
      }
    }
    if (flags === 0x01) out.push(pgid);
  };
  visit(Number(bytes.readBigUInt64LE(metaAt + 16)), true);
  return out;
}

function fnv1a64(bytes: Buffer): bigint {
  let h = 0xcbf29ce484222325n;
  for (const b of bytes) h = BigInt.asUintN(64, (h ^ BigInt(b)) * 0x100000001b3n);
  return h;
}

describe(`snapshot save and status (${describeEtcd()})`, { timeout: 300_000 }, () => {
  let cluster: EtcdTestCluster;
  let tmp: string;
  let conn: string[];

  before(async () => {
    ensureBuilt();
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'etcd-ops-snapshot-'));
    cluster = await EtcdTestCluster.start({ members: 3 });
    conn = ['--endpoints', cluster.endpoints.join(','), ...tlsFlags(cluster.tls)];
    // Enough keys for branch pages, values past a page for overflow pages, deletions for tombstones.
    const puts: Promise<string>[] = [];
    for (let i = 0; i < 400; i++) {
      puts.push(cluster.etcdctl(['put', `/registry/pods/ns-${i % 7}/pod-${i}`, `v${i}-`.repeat(i % 50 === 0 ? 2000 : 20 + (i % 30))]));
      if (puts.length >= 8) await Promise.all(puts.splice(0));
    }
    await Promise.all(puts);
    for (let i = 0; i < 20; i++) await cluster.etcdctl(['del', `/registry/pods/ns-${i % 7}/pod-${i}`]);
    await cluster.etcdctl(['put', '/registry/pods/ns-0/pod-0', 'again']);
  });

  after(async () => {
    await cluster?.close();
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  });

  const totalKeysOf = (s: { totalKeys: number; totalEntries: number }) => (atLeast(cluster.binaries.minor, '3.6') ? s.totalKeys : s.totalEntries);

  it('saves from a caught-up follower; etcdutl reads the same revision, keys, size and hash', async () => {
    const file = path.join(tmp, 'saved.db');
    const run = await runCli(['snapshot', 'save', file, '--json', ...conn], { timeoutMs: 120_000 });
    assert.equal(run.code, 0, run.stderr + run.stdout);
    const saved = JSON.parse(run.stdout);
    assert.equal(saved.ok, true);
    assert.equal(saved.file, file);
    assert.equal(saved.fromMember.role, 'follower', saved.choice);
    assert.ok(cluster.members.some((m) => m.clientUrl === saved.fromMember.endpoint));
    assert.equal(fs.existsSync(`${file}.part`), false);
    const bytes = fs.readFileSync(file);
    assert.equal(saved.size, bytes.length);
    assert.equal(bytes.length % 512, 32, 'the file carries the sha256 trailer etcd sends');
    assert.equal(saved.sha256, createHash('sha256').update(bytes.subarray(0, bytes.length - 32)).digest('hex'));
    assert.equal(saved.sha256, bytes.subarray(bytes.length - 32).toString('hex'));

    const status = await runCli(['snapshot', 'status', file, '--json']);
    assert.equal(status.code, 0, status.stdout);
    const ours = JSON.parse(status.stdout);
    const theirs = await etcdutlStatus(cluster, file);
    assert.equal(ours.ok, true);
    assert.deepEqual(ours.integrity.errors, []);
    assert.equal(ours.trailer, 'valid');
    assert.equal(ours.revision, theirs.revision);
    assert.equal(totalKeysOf(ours), theirs.totalKey);
    assert.equal(ours.size, theirs.totalSize);
    assert.equal(ours.hash, theirs.hash);
    assert.equal(saved.revision, theirs.revision);
    // The revision is the cluster's: the last write (the re-put) is in it.
    const current = JSON.parse(await cluster.etcdctl(['get', '/registry/pods/ns-0/pod-0', '-w', 'json'])).header.revision;
    assert.equal(ours.revision, Number(current));
  });

  it('reads a file etcdctl saved the same way etcdutl does', async () => {
    const file = path.join(tmp, 'etcdctl.db');
    await cluster.etcdctl(['snapshot', 'save', file], [cluster.endpoints[0]], 60_000);
    const ours = snapshotStatus(file);
    const theirs = await etcdutlStatus(cluster, file);
    assert.equal(ours.ok, true, ours.integrity.errors.join('\n'));
    assert.deepEqual([ours.revision, totalKeysOf(ours), ours.size, ours.hash], [theirs.revision, theirs.totalKey, theirs.totalSize, theirs.hash]);
  });

  it('refuses to replace an existing FILE without --yes, and replaces it with --yes', async () => {
    const file = path.join(tmp, 'existing.db');
    fs.writeFileSync(file, 'precious');
    const refused = await runCli(['snapshot', 'save', file, '--json', ...conn], { timeoutMs: 60_000 });
    assert.equal(refused.code, 1);
    assert.equal(JSON.parse(refused.stdout).refused, true);
    assert.match(JSON.parse(refused.stdout).reason, /exists; give --yes/);
    assert.equal(fs.readFileSync(file, 'utf8'), 'precious');
    assert.equal(fs.existsSync(`${file}.part`), false);
    const replaced = await runCli(['snapshot', 'save', file, '--yes', ...conn], { timeoutMs: 120_000 });
    assert.equal(replaced.code, 0, replaced.stderr);
    assert.match(replaced.stdout, /saved and checked/);
    assert.equal(snapshotStatus(file).ok, true);
  });

  it('cancelled mid-stream: no FILE and no FILE.part left', async () => {
    const file = path.join(tmp, 'cancelled.db');
    const pool = new EndpointPool({ name: 't', endpoints: cluster.endpoints, tls: cluster.tls, timeoutMs: 5000 });
    const abort = new AbortController();
    let sawPart = false;
    try {
      const result = await saveSnapshot(pool, file, {
        signal: abort.signal,
        onProgress: (p) => { if (p.phase === 'streaming') { sawPart ||= fs.existsSync(`${file}.part`); abort.abort(); } },
      });
      assert.equal(result.cancelled, true, result.reason ?? '');
      assert.equal(result.ok, false);
      assert.ok(result.bytesStreamed > 0);
    } finally {
      pool.close();
    }
    assert.equal(sawPart, true, 'the stream was being written to FILE.part');
    assert.equal(fs.existsSync(file), false);
    assert.equal(fs.existsSync(`${file}.part`), false);
  });

  it('a member that stops mid-stream fails the save at the idle deadline, and nothing is left', async () => {
    // 24 MiB more, so the stream outlasts what the sockets can buffer when the member is stopped.
    const { Etcd3 } = await import('etcd3');
    const writer = new Etcd3({
      hosts: cluster.endpoints[0],
      credentials: { rootCertificate: fs.readFileSync(cluster.pki.ca), certChain: fs.readFileSync(cluster.pki.clientCert), privateKey: fs.readFileSync(cluster.pki.clientKey) },
    });
    try {
      for (let i = 0; i < 24; i++) await writer.put(`/big/${i}`).value(Buffer.alloc(1 << 20, i));
    } finally {
      writer.close();
    }
    const file = path.join(tmp, 'stalled.db');
    const pool = new EndpointPool({ name: 't', endpoints: cluster.endpoints, tls: cluster.tls, timeoutMs: 5000 });
    let stopped: string | null = null;
    const started = Date.now();
    try {
      const result = await saveSnapshot(pool, file, {
        idleMs: 1500,
        onProgress: (p) => {
          if (p.phase !== 'streaming' || stopped) return;
          stopped = cluster.members.find((m) => m.clientUrl === p.member?.endpoint)!.name;
          cluster.pause(stopped);
        },
      });
      assert.ok(stopped, 'the stream started');
      assert.equal(result.ok, false);
      assert.equal(result.cancelled, false);
      assert.match(result.reason ?? '', /no data for 1500 ms/);
      assert.ok(Date.now() - started < 30_000);
    } finally {
      if (stopped) cluster.resume(stopped);
      pool.close();
    }
    assert.equal(fs.existsSync(file), false);
    assert.equal(fs.existsSync(`${file}.part`), false);
  });

  it('says damaged for broken metas, a branch page, the freelist pointer, truncation and the trailer, within bounds', async () => {
    const good = fs.readFileSync(path.join(tmp, 'saved.db'));
    const ps = good.readUInt32LE(16 + 8);
    const branches = reachableBranches(good, ps);
    assert.ok(branches.length > 0, 'the test db has branch pages');
    const leaves = pagesOfType(good, ps, 0x02);
    const reseal = (b: Buffer, metaAt: number) => { b.writeBigUInt64LE(fnv1a64(b.subarray(metaAt + 16, metaAt + 16 + 56)), metaAt + 16 + 56); };
    const cases: { name: string; make: () => Buffer; expect: RegExp }[] = [
      { name: 'meta 0 checksum', make: () => { const b = Buffer.from(good); b[16 + 20] ^= 0xff; return b; }, expect: /meta page 0: meta checksum mismatch/ },
      { name: 'both metas', make: () => { const b = Buffer.from(good); b[16 + 20] ^= 0xff; b[ps + 16 + 20] ^= 0xff; return b; }, expect: /no valid meta page/ },
      { name: 'branch page child pointer', make: () => { const b = Buffer.from(good); b.writeBigUInt64LE(0xffffn, branches[0] * ps + 16 + 8); return b; }, expect: /out of range|beyond/ },
      { name: 'branch page flags', make: () => { const b = Buffer.from(good); b.writeUInt16LE(0x20, branches[0] * ps + 8); return b; }, expect: /expected a branch or leaf page/ },
      { name: 'leaf element moved (caught by the sha256 trailer)', make: () => { const b = Buffer.from(good); const at = leaves[leaves.length - 1] * ps; b.writeUInt16LE(0x02, at + 8); const el = at + 16; b.writeUInt32LE(b.readUInt32LE(el + 4) + 1, el + 4); return b; }, expect: /sha256 trailer mismatch/ },
      {
        name: 'freelist pointer at a leaf (checksum resealed)',
        make: () => { const b = Buffer.from(good); for (const m of [0, ps]) { b.writeBigUInt64LE(BigInt(leaves[0]), m + 16 + 32); reseal(b, m); } return b; },
        expect: /freelist: page \d+ has flags 0x2/,
      },
      { name: 'truncated to half', make: () => good.subarray(0, Math.floor(good.length / 2)), expect: /truncated|beyond the end/ },
      { name: 'trailer byte flipped', make: () => { const b = Buffer.from(good); b[b.length - 1] ^= 1; return b; }, expect: /sha256 trailer mismatch/ },
      { name: 'trailer cut', make: () => good.subarray(0, good.length - 32 + 5), expect: /neither whole pages|truncated/ },
    ];
    for (const c of cases) {
      const file = path.join(tmp, `damaged-${c.name.replace(/\W+/g, '-')}.db`);
      fs.writeFileSync(file, c.make());
      const run = await cliInChild(['snapshot', 'status', file, '--json'], { maxRssBytes: RSS_BOUND, timeoutMs: 30_000 });
      assert.equal(run.killed, null, `${c.name}: ${run.killed}`);
      assert.equal(run.code, 1, `${c.name}: exit ${run.code} ${run.stderr}`);
      assert.equal(run.stderr, '', `${c.name}: no stack trace`);
      const out = JSON.parse(run.stdout);
      assert.equal(out.ok, false, c.name);
      assert.equal(out.integrity.ok, false, c.name);
      assert.match(out.integrity.errors.join('\n'), c.expect, c.name);
      fs.rmSync(file);
    }
  });

  it('a running member\'s member/snap/db answers at once, where etcdutl waits on bbolt\'s lock', async () => {
    const db = path.join(cluster.members[0].dataDir, 'member', 'snap', 'db');
    const run = await cliInChild(['snapshot', 'status', db, '--json'], { maxRssBytes: RSS_BOUND, timeoutMs: 20_000 });
    assert.equal(run.killed, null);
    assert.ok(run.ms < 10_000, `took ${run.ms} ms`);
    const out = JSON.parse(run.stdout);
    assert.equal(out.trailer, 'absent');
    assert.ok(out.revision > 400, `revision ${out.revision}`);
    if (!out.changedDuringCheck) assert.equal(out.ok, true, out.integrity.errors.join('\n'));
    // etcdutl (bolt.Open read-only takes a shared flock) is still waiting when ours has long answered.
    const s = snapshotCommand(cluster.binaries, 'status', [db, '-w', 'json']);
    const theirs = spawn(s.cmd, s.args, { env: { ...process.env, ...s.env }, stdio: 'ignore' });
    const exited = await new Promise<boolean>((resolve) => {
      const t = setTimeout(() => resolve(false), 3000);
      theirs.once('exit', () => { clearTimeout(t); resolve(true); });
    });
    if (!exited) theirs.kill('SIGKILL');
    assert.equal(exited, false, 'etcdutl returned on a locked db: the claim in the help text would be wrong');
  });
});
