// `etcd-ops snapshot status` of a 1 GB snapshot against `etcdutl snapshot status` (etcdctl on 3.4) on the same
// file, each as the process an operator runs, page cache warm, median of interleaved runs. Ours includes the
// whole-file integrity check and the sha256 trailer (etcdutl runs bbolt's check, not the sha256). Goal <= 1.0x.
// The snapshot is written once through a real etcd (200,000 values of 5,000 bytes, as Kubernetes objects are
// a few kB) and cached under os.tmpdir() by etcd version; BENCH_QUICK=1 uses 20,000 values (~100 MB).
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { startPlainEtcd, writeValues } from '../test/harness/datadirs';
import { etcdBinaries, snapshotCommand } from '../test/harness/etcd-version';
import { median, report, round, timeProcess } from './lib';

const ROOT = path.resolve(__dirname, '..');
const CLI = path.join(ROOT, 'dist', 'cli.js');
const QUICK = process.env.BENCH_QUICK === '1';
const VALUES = QUICK ? 20_000 : 200_000;
const VALUE_BYTES = 5000;
const RUNS = 3;

async function cachedSnapshot(): Promise<{ file: string; makeMs: number | null }> {
  const b = etcdBinaries();
  const file = path.join(os.tmpdir(), `etcd-ops-bench-snapshot-${b.version}-${VALUES}x${VALUE_BYTES}.db`);
  if (fs.existsSync(file)) return { file, makeMs: null };
  const t = performance.now();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'etcd-ops-bench-snapdir-'));
  try {
    const etcd = await startPlainEtcd(path.join(dir, 'data'), ['--snapshot-count', '10000']);
    try {
      await writeValues(etcd.clientUrl, VALUES, VALUE_BYTES, 32);
      const part = `${file}.part`;
      execFileSync(b.etcdctl, [`--endpoints=${etcd.clientUrl}`, '--command-timeout=600s', 'snapshot', 'save', part],
        { env: { ...process.env, ...b.ctlEnv }, stdio: ['ignore', 'ignore', 'pipe'], timeout: 900_000 });
      fs.renameSync(part, file);
    } finally {
      await etcd.stop();
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
  return { file, makeMs: performance.now() - t };
}

async function main(): Promise<void> {
  const b = etcdBinaries();
  const { file, makeMs } = await cachedSnapshot();
  const size = fs.statSync(file).size;
  const theirs = snapshotCommand(b, 'status', [file, '-w', 'json']);
  const env = { ...process.env, ...theirs.env };
  const ours = [CLI, 'snapshot', 'status', file, '--json'];
  // Same figures from both before timing anything: a fast wrong answer is no result.
  const a = JSON.parse(execFileSync(process.execPath, ours, { encoding: 'utf8', maxBuffer: 16 << 20 }));
  const t = JSON.parse(execFileSync(theirs.cmd, theirs.args, { encoding: 'utf8', env }));
  const agree = a.ok && a.hash === t.hash && a.revision === t.revision && a.size === t.totalSize
    && (b.minor === '3.4' || b.minor === '3.5' ? a.totalEntries : a.totalKeys) === t.totalKey;
  if (!agree) throw new Error(`the two disagree: ours ${JSON.stringify({ ok: a.ok, hash: a.hash, revision: a.revision, size: a.size, keys: a.totalKeys })} vs ${JSON.stringify(t)}`);
  const oursMs: number[] = [];
  const theirsMs: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    oursMs.push(await timeProcess(process.execPath, ours, { timeoutMs: 600_000 }));
    theirsMs.push(await timeProcess(theirs.cmd, theirs.args, { env, timeoutMs: 600_000 }));
  }
  const o = median(oursMs);
  const e = median(theirsMs);
  report('snapshot status', [
    ['snapshot', `${round(size / (1 << 20))} MiB, ${a.totalKeys} keys, ${a.integrity.pagesInUse} pages (${b.version})${makeMs === null ? ', cached' : `, made in ${round(makeMs / 1000)} s`}`],
    ['etcd-ops snapshot status (check + sha256)', `${round(o)} ms (runs ${oursMs.map((x) => round(x, 0)).join(', ')})`],
    [`${path.basename(theirs.cmd)} snapshot status`, `${round(e)} ms (runs ${theirsMs.map((x) => round(x, 0)).join(', ')})`],
    ['ratio (goal <= 1.0)', `${round(o / e, 2)}x`],
  ], { sizeBytes: size, keys: a.totalKeys, oursMs: round(o), etcdutlMs: round(e), ratio: round(o / e, 2), goal: 1.0, etcd: b.version });
}

main().catch((err) => { console.error(err); process.exit(1); });
