// Real etcd data dirs in every join state, made at test time by the etcd ETCD_OPS_ETCD_VERSION selects (nothing binary is
// committed): a 3-member TLS cluster A with a learner and a removed member, a one-member cluster B, and
// copies pruned or damaged from them. Also a content+mtime hash of a directory, to prove readers write nothing.
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { EtcdTestCluster, HarnessMember } from './etcd-cluster';

export interface LiveMember { id: string; name: string; isLearner: boolean }
export interface LiveSnapshot { clusterId: string; members: LiveMember[] }

export interface DataDirFixtures {
  /** Cluster A, still running (m1, m2 voters; m4 learner, stopped; m3 removed). */
  cluster: EtcdTestCluster;
  root: string;
  /** Live view of cluster A as etcdctl prints it (hex ids). */
  live: LiveSnapshot;
  dirs: {
    fresh: string;
    certsOnly: string;
    /** Certificates for the certs-only node (a copy of cluster A's test PKI). */
    certsOnlyPki: string;
    dbWithoutWal: string;
    joined: string;
    learner: string;
    removed: string;
    foreign: string;
    corrupt: string;
  };
  ids: { joined: string; learner: string; removed: string; foreign: string; foreignCluster: string };
  close(): Promise<void>;
}

/** `etcdctl member list -w fields` -> cluster id and members, ids in hex (JSON would lose uint64 precision). */
export function parseMemberFields(out: string): LiveSnapshot {
  const lines = out.split('\n').map((l) => /^"(\w+)" : (.*)$/.exec(l.trim())).filter((m): m is RegExpExecArray => m !== null);
  let clusterId = '';
  const members: LiveMember[] = [];
  for (const [, k, v] of lines) {
    if (k === 'ClusterID') clusterId = BigInt(v).toString(16);
    else if (k === 'ID') members.push({ id: BigInt(v).toString(16), name: '', isLearner: false });
    else if (k === 'Name' && members.length) members[members.length - 1].name = JSON.parse(v) as string;
    else if (k === 'IsLearner' && members.length) members[members.length - 1].isLearner = v === 'true';
  }
  return { clusterId, members };
}

export async function liveSnapshot(cluster: EtcdTestCluster, endpoints = cluster.members.filter((m) => m.process).map((m) => m.clientUrl)): Promise<LiveSnapshot> {
  return parseMemberFields(await cluster.etcdctl(['member', 'list', '-w', 'fields'], endpoints));
}

export async function memberId(cluster: EtcdTestCluster, m: HarnessMember): Promise<string> {
  const out = await cluster.etcdctl(['endpoint', 'status', '-w', 'fields'], [m.clientUrl]);
  const id = /"MemberID" : (\d+)/.exec(out)?.[1];
  if (!id) throw new Error(`no member id in: ${out}`);
  return BigInt(id).toString(16);
}

export function copyDir(from: string, to: string): string {
  fs.cpSync(from, to, { recursive: true, preserveTimestamps: true });
  return to;
}

/**
 * Flips one byte of a value the fixture wrote (`value-1`) inside the first WAL segment: the protobuf stays
 * well-formed, so only the CRC can tell, as with bit rot.
 */
export function damageWal(dataDir: string): void {
  const walDir = path.join(dataDir, 'member', 'wal');
  const seg = fs.readdirSync(walDir).filter((n) => n.endsWith('.wal')).sort()[0];
  const file = path.join(walDir, seg);
  const fd = fs.openSync(file, 'r+');
  try {
    const head = Buffer.alloc(1 << 20);
    fs.readSync(fd, head, 0, head.length, 0);
    const at = head.indexOf('value-1');
    if (at < 0) throw new Error(`no written value found in ${file}`);
    fs.writeSync(fd, Buffer.from('V'), 0, 1, at);
  } finally {
    fs.closeSync(fd);
  }
}

/** sha256 over every file's relative path, size, mtime and bytes: equal before and after = nothing written. */
export function hashDir(dir: string): string {
  const h = createHash('sha256');
  const walk = (d: string) => {
    for (const name of fs.readdirSync(d).sort()) {
      const p = path.join(d, name);
      const st = fs.lstatSync(p);
      h.update(`${path.relative(dir, p)}\0${st.mode}\0${st.size}\0${st.mtimeMs}\0`);
      if (st.isDirectory()) walk(p);
      else if (st.isFile()) {
        const fd = fs.openSync(p, 'r');
        try {
          const buf = Buffer.allocUnsafe(1 << 20);
          for (let off = 0; ;) {
            const n = fs.readSync(fd, buf, 0, buf.length, off);
            if (!n) break;
            h.update(buf.subarray(0, n));
            off += n;
          }
        } finally {
          fs.closeSync(fd);
        }
      }
    }
  };
  walk(dir);
  return h.digest('hex');
}

async function retry<T>(fn: () => Promise<T>, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await fn();
    } catch (err) {
      if (Date.now() > deadline || !/unhealthy cluster|not enough started members/.test((err as Error).message)) throw err;
      await new Promise((r) => setTimeout(r, 500));
    }
  }
}

async function stop(cluster: EtcdTestCluster, m: HarnessMember): Promise<void> {
  if (m.process) await cluster.kill(m.name);
}

/**
 * Builds every fixture once (about 10 s). Cluster A keeps m1 and m2 running so tests can ask it live;
 * everything lives under one temp root removed by close().
 */
export async function makeDataDirFixtures(): Promise<DataDirFixtures> {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'etcd-ops-datadirs-'));
  const cluster = await EtcdTestCluster.start({ members: 3 });
  let foreignCluster: EtcdTestCluster | null = null;
  try {
    for (let i = 0; i < 20; i++) await cluster.etcdctl(['put', `/registry/test/${i}`, `value-${i}`]);
    const [m1, m2, m3] = cluster.members;
    const ids = { joined: await memberId(cluster, m2), removed: await memberId(cluster, m3), learner: '', foreign: '', foreignCluster: '' };

    // etcd refuses member changes until every peer has been connected for 5 s ("unhealthy cluster").
    const learner = await retry(() => cluster.addMember({ learner: true }), 20000);
    ids.learner = (await liveSnapshot(cluster)).members.find((m) => m.name === learner.name)!.id;

    // Removed: etcdctl member remove, as an operator does; the member stops itself once it learns it.
    await retry(() => cluster.etcdctl(['member', 'remove', ids.removed], [m1.clientUrl, m2.clientUrl]), 20000);
    await cluster.waitUntil(async () => m3.process === null, 10000, 'the removed member to exit').catch(() => stop(cluster, m3));
    await stop(cluster, m3);

    const dirs = {} as DataDirFixtures['dirs'];
    dirs.removed = copyDir(m3.dataDir, path.join(root, 'removed'));
    // Stopped members give consistent copies; m2 comes back so the cluster keeps quorum for live tests.
    await stop(cluster, learner);
    dirs.learner = copyDir(learner.dataDir, path.join(root, 'learner'));
    await stop(cluster, m2);
    dirs.joined = copyDir(m2.dataDir, path.join(root, 'joined'));
    await cluster.restart(m2.name);

    foreignCluster = await EtcdTestCluster.start({ members: 1, pki: cluster.pki, tmpRoot: root });
    await foreignCluster.etcdctl(['put', 'other', 'cluster']);
    const b = foreignCluster.members[0];
    const bView = await liveSnapshot(foreignCluster);
    ids.foreign = bView.members[0].id;
    ids.foreignCluster = bView.clusterId;
    await foreignCluster.kill(0);
    dirs.foreign = copyDir(b.dataDir, path.join(root, 'foreign'));
    await foreignCluster.close();
    foreignCluster = null;

    dirs.fresh = path.join(root, 'fresh');
    fs.mkdirSync(dirs.fresh);
    dirs.certsOnly = path.join(root, 'certs-only', 'etcd');
    fs.mkdirSync(dirs.certsOnly, { recursive: true });
    dirs.certsOnlyPki = copyDir(cluster.pki.dir, path.join(root, 'certs-only', 'pki'));
    dirs.dbWithoutWal = copyDir(dirs.joined, path.join(root, 'db-without-wal'));
    fs.rmSync(path.join(dirs.dbWithoutWal, 'member', 'wal'), { recursive: true });
    dirs.corrupt = copyDir(dirs.joined, path.join(root, 'corrupt'));
    damageWal(dirs.corrupt);

    const live = await liveSnapshot(cluster, [m1.clientUrl, m2.clientUrl]);
    return {
      cluster, root, live, dirs, ids,
      async close() {
        await cluster.close();
        fs.rmSync(root, { recursive: true, force: true });
      },
    };
  } catch (err) {
    await foreignCluster?.close();
    await cluster.close();
    fs.rmSync(root, { recursive: true, force: true });
    throw err;
  }
}

export interface PlainEtcd {
  clientUrl: string;
  dataDir: string;
  stop(): Promise<void>;
}

/**
 * One plain-HTTP etcd on loopback with the flags a test needs (e.g. a low --snapshot-count so snap files
 * and snapshot markers appear). For data dirs whose shape matters more than TLS.
 */
export async function startPlainEtcd(dataDir: string, extraArgs: string[] = [], options: { etcdBin?: string } = {}): Promise<PlainEtcd> {
  const { spawn } = await import('node:child_process');
  const { freePort } = await import('./etcd-cluster');
  const { etcdBinaries } = await import('./etcd-version');
  const [cp, pp] = [await freePort(), await freePort()];
  const clientUrl = `http://127.0.0.1:${cp}`;
  const peerUrl = `http://127.0.0.1:${pp}`;
  const log: string[] = [];
  const child = spawn(options.etcdBin ?? etcdBinaries().etcd, ['--name', 'solo', '--data-dir', dataDir, '--listen-client-urls', clientUrl, '--advertise-client-urls', clientUrl,
    '--listen-peer-urls', peerUrl, '--initial-advertise-peer-urls', peerUrl, '--initial-cluster', `solo=${peerUrl}`,
    '--initial-cluster-token', `solo-${process.pid}-${cp}`, '--logger', 'zap', '--log-outputs', 'stderr', '--log-level', 'warn',
    '--quota-backend-bytes', String(4 * 1024 * 1024 * 1024), ...extraArgs], { stdio: ['ignore', 'ignore', 'pipe'] });
  child.stderr!.setEncoding('utf8');
  child.stderr!.on('data', (c: string) => { log.push(c); if (log.length > 20) log.shift(); });
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  const deadline = Date.now() + 20000;
  for (;;) {
    try {
      const res = await fetch(`${clientUrl}/health`, { signal: AbortSignal.timeout(1000) });
      if (res.ok) break;
    } catch { /* not up yet */ }
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`etcd did not become healthy: ${log.join('').slice(-800)}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    clientUrl, dataDir,
    async stop() {
      if (child.exitCode === null) { child.kill('SIGTERM'); await Promise.race([exited, new Promise((r) => setTimeout(r, 10000))]); }
      if (child.exitCode === null) { child.kill('SIGKILL'); await exited; }
    },
  };
}

/**
 * Writes `count` values of `valueBytes` through the etcd3 client, `parallel` at a time (large values make
 * large dbs and WALs quickly: 1 MiB x 1000 = 1 GiB).
 */
export async function writeValues(clientUrl: string, count: number, valueBytes: number, parallel = 8, prefix = '/bench/'): Promise<void> {
  const { Etcd3 } = await import('etcd3');
  const client = new Etcd3({ hosts: clientUrl, defaultCallOptions: () => ({ deadline: Date.now() + 60000 }) });
  try {
    const value = Buffer.alloc(valueBytes);
    let next = 0;
    const worker = async () => {
      while (next < count) {
        const i = next++;
        value.writeUInt32LE(i, 0);
        await client.put(`${prefix}${String(i).padStart(8, '0')}`).value(value);
      }
    };
    await Promise.all(Array.from({ length: parallel }, worker));
  } finally {
    client.close();
  }
}

/**
 * A stopped single-member data dir with snap files and snapshot markers (--snapshot-count 10), optionally
 * with `bigValues` 1 MiB values so the WAL spans more than one 64 MB segment.
 */
export async function makeSnapshottedDataDir(dataDir: string, options: { keys?: number; bigValues?: number; etcdBin?: string } = {}): Promise<string> {
  const etcd = await startPlainEtcd(dataDir, ['--snapshot-count', '10'], { etcdBin: options.etcdBin });
  try {
    await writeValues(etcd.clientUrl, options.keys ?? 45, 64, 1, '/small/');
    if (options.bigValues) await writeValues(etcd.clientUrl, options.bigValues, 1 << 20, 4);
  } finally {
    await etcd.stop();
  }
  return dataDir;
}

export interface ChildDbRead {
  /** The DataDirError code, 'ok', or 'untyped: ...' for anything else thrown. */
  code: string | null;
  /** Peak RSS the child reported (process.resourceUsage().maxRSS), or the last one seen before it was stopped. */
  maxRssBytes: number;
  /** Why the child was stopped early (RSS over the bound, or the time limit), null when it finished. */
  killed: string | null;
}

/**
 * Reads a db file with readEtcdDb in a child process and reports its peak RSS. The parent watches the
 * child's RSS and stops it once it passes the bound, so a reader that regresses fails the test without
 * taking the machine's memory.
 */
export async function readDbInChild(file: string, options: { maxRssBytes: number; timeoutMs: number }): Promise<ChildDbRead> {
  const { spawn } = await import('node:child_process');
  const repo = path.resolve(__dirname, '../..');
  const code = `
    const { readEtcdDb } = require(${JSON.stringify(path.join(repo, 'src/core/datadir/etcd-db.ts'))});
    const { DataDirError } = require(${JSON.stringify(path.join(repo, 'src/core/datadir/errors.ts'))});
    let code = 'ok';
    try { readEtcdDb(process.argv[1]); } catch (e) { code = e instanceof DataDirError ? e.code : 'untyped: ' + String(e && e.message); }
    process.stdout.write(JSON.stringify({ code, maxRSS: process.resourceUsage().maxRSS * 1024 }));`;
  const child = spawn(process.execPath, ['--import', 'tsx', '-e', code, file], { cwd: repo, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.setEncoding('utf8').on('data', (c: string) => { out += c; });
  child.stderr!.resume();
  let killed: string | null = null;
  let lastRss = 0;
  const rssOf = (pid: number): number => {
    try { return Number(/VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) * 1024; } catch { return 0; }
  };
  const watch = setInterval(() => {
    lastRss = Math.max(lastRss, rssOf(child.pid!));
    if (lastRss > options.maxRssBytes && !killed) { killed = `RSS ${lastRss} bytes over ${options.maxRssBytes}`; child.kill('SIGKILL'); }
  }, 50);
  const timer = setTimeout(() => { if (!killed) { killed = `still running after ${options.timeoutMs} ms`; child.kill('SIGKILL'); } }, options.timeoutMs);
  await new Promise<void>((resolve) => child.once('exit', () => resolve()));
  clearInterval(watch);
  clearTimeout(timer);
  if (killed) return { code: null, maxRssBytes: lastRss, killed };
  const parsed = JSON.parse(out) as { code: string; maxRSS: number };
  return { code: parsed.code, maxRssBytes: Math.max(parsed.maxRSS, lastRss), killed: null };
}

/** `etcd --version` of the binary the fixtures start (ETCD_OPS_ETCD_VERSION decides, as for the test clusters). */
export async function etcdVersion(etcdBin?: string): Promise<string> {
  const { execFileSync } = await import('node:child_process');
  const { etcdBinaries } = await import('./etcd-version');
  etcdBin ??= etcdBinaries().etcd;
  const out = execFileSync(etcdBin, ['--version'], { encoding: 'utf8', timeout: 10000 });
  const v = /etcd Version: (\d+\.\d+\.\d+)/.exec(out)?.[1];
  if (!v) throw new Error(`no version in: ${out}`);
  return v;
}

export interface WalFrame { offset: number; end: number; type: number; crc: number; data: Buffer }

/** The written frames of one WAL segment as etcd framed them (test-side parser, to aim damage at exact bytes). */
export function walFrames(file: string): WalFrame[] {
  const bytes = fs.readFileSync(file);
  const frames: WalFrame[] = [];
  for (let off = 0; off + 8 <= bytes.length;) {
    const len = bytes.readBigInt64LE(off);
    if (len === 0n) break;
    const rec = Number(BigInt.asUintN(64, len) & 0x00ffffffffffffffn);
    const pad = len < 0n ? Number((BigInt.asUintN(64, len) >> 56n) & 7n) : 0;
    const body = bytes.subarray(off + 8, off + 8 + rec);
    // walpb.Record: type (field 1), crc (field 2), data (field 3), each as etcd writes them, in order.
    let p = 0;
    const varint = () => { let v = 0n; let shift = 0n; for (;;) { const b = body[p++]; v |= BigInt(b & 0x7f) << shift; if (b < 0x80) return v; shift += 7n; } };
    let type = 0; let crc = 0; let data = Buffer.alloc(0);
    while (p < body.length) {
      const key = Number(varint());
      if (key === 0x08) type = Number(varint());
      else if (key === 0x10) crc = Number(varint() & 0xffffffffn);
      else if (key === 0x1a) { const n = Number(varint()); data = Buffer.from(body.subarray(p, p + n)); p += n; } else throw new Error(`unexpected field key ${key} at ${off}`);
    }
    frames.push({ offset: off, end: off + 8 + rec + pad, type, crc, data });
    off += 8 + rec + pad;
  }
  return frames;
}

/** Overwrites bytes of a file in place (the tests damage copies of real data dirs). */
export function writeAt(file: string, offset: number, bytes: Buffer): void {
  const fd = fs.openSync(file, 'r+');
  try { fs.writeSync(fd, bytes, 0, bytes.length, offset); } finally { fs.closeSync(fd); }
}

/** The newest segment of a data dir's WAL, and all of them in order. */
export function walSegments(dataDir: string): string[] {
  const walDir = path.join(dataDir, 'member', 'wal');
  return fs.readdirSync(walDir).filter((n) => n.endsWith('.wal')).sort().map((n) => path.join(walDir, n));
}
