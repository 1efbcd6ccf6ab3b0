// Data-dir diagnosis cost against db size. Three data dirs written through a real etcd (db ~20 kB, ~100 MB,
// ~1 GB with 1 MiB values), each diagnosed in-process and as the CLI process (`node dist/cli.js diagnose`),
// next to `etcdctl snapshot status <db>` on the same db (what an operator runs to look at a db).
// Two shapes per size:
//  - "restored": `etcdctl snapshot restore` of that db (--skip-hash-check, as for a db copied from a data
//    dir): same tiny WAL, only the db differs. This isolates the db-size dependence (goal: 1 GB <= 2x 20 kB).
//  - "as written": the dir as etcd left it. Its WAL still holds every value written since the last raft
//    snapshot (etcd's default --snapshot-count is 100000), and the diagnosis verifies the whole WAL as etcd
//    does at start, so that time follows the WAL size, not the db size.
// BENCH_QUICK=1 skips the 1 GB case. Dirs live under os.tmpdir() and are deleted at the end.
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { diagnoseDataDir } from '../src/core/datadir/diagnose';
import { startPlainEtcd, writeValues } from '../test/harness/datadirs';
import { etcdBinaries, snapshotCommand } from '../test/harness/etcd-version';
import { median, report, round, timeProcess } from './lib';

const ROOT = path.resolve(__dirname, '..');
const CLI = path.join(ROOT, 'dist', 'cli.js');
const QUICK = process.env.BENCH_QUICK === '1';
const MiB = 1 << 20;

interface Case { label: string; values: number; valueBytes: number }
const CASES: Case[] = [
  { label: '20 kB', values: 10, valueBytes: 100 },
  { label: '100 MB', values: 100, valueBytes: MiB },
  ...(QUICK ? [] : [{ label: '1 GB', values: 1000, valueBytes: MiB }]),
];

function dirBytes(dir: string, filter: (name: string) => boolean): number {
  let n = 0;
  for (const e of fs.readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (e.isFile() && filter(e.name)) n += fs.statSync(path.join(e.parentPath ?? (e as unknown as { path: string }).path, e.name)).size;
  }
  return n;
}

/** Bytes of WAL records actually written (segments are preallocated to 64 MB). */
function walDataBytes(dataDir: string): number {
  const d = diagnoseDataDir({ dataDir });
  return d.details.walBytesRead;
}

async function makeDir(root: string, c: Case): Promise<{ written: string; restored: string; makeMs: number }> {
  const written = path.join(root, `${c.label.replace(' ', '')}-written`);
  const t = performance.now();
  const etcd = await startPlainEtcd(written);
  try {
    await writeValues(etcd.clientUrl, c.values, c.valueBytes, 8);
  } finally {
    await etcd.stop();
  }
  const makeMs = performance.now() - t;
  const restored = path.join(root, `${c.label.replace(' ', '')}-restored`);
  const restore = snapshotCommand(etcdBinaries(), 'restore', [path.join(written, 'member', 'snap', 'db'), '--skip-hash-check', '--data-dir', restored,
    '--name', 'solo', '--initial-cluster', 'solo=http://127.0.0.1:2380', '--initial-advertise-peer-urls', 'http://127.0.0.1:2380']);
  execFileSync(restore.cmd, restore.args, { env: { ...process.env, ...restore.env }, stdio: ['ignore', 'ignore', 'pipe'] });
  return { written, restored, makeMs };
}

function inProcess(dataDir: string, rounds: number): { ms: number; dbMs: number; walMs: number; state: string } {
  const runs: number[] = [];
  let last = diagnoseDataDir({ dataDir }); // warm-up (page cache and JIT, as for the CLI runs below)
  for (let i = 0; i < rounds; i++) {
    const t = performance.now();
    last = diagnoseDataDir({ dataDir });
    runs.push(performance.now() - t);
  }
  return { ms: median(runs), dbMs: last.details.timings.dbMs, walMs: last.details.timings.walMs, state: last.state };
}

async function processTimes(dataDir: string, rounds: number): Promise<{ cli: number; etcdctl: number }> {
  const cli: number[] = [];
  const ctl: number[] = [];
  const db = path.join(dataDir, 'member', 'snap', 'db');
  for (let i = 0; i < rounds; i++) {
    // Alternate which goes first, so neither always meets a warmer page cache.
    const a = () => timeProcess(process.execPath, [CLI, 'diagnose', '--data-dir', dataDir, '--json']).then((ms) => cli.push(ms));
    const status = snapshotCommand(etcdBinaries(), 'status', [db, '-w', 'json']);
    const b = () => timeProcess(status.cmd, status.args, { env: status.env, timeoutMs: 600000 }).then((ms) => ctl.push(ms));
    if (i % 2) { await b(); await a(); } else { await a(); await b(); }
  }
  return { cli: median(cli), etcdctl: median(ctl) };
}

async function main(): Promise<void> {
  if (!fs.existsSync(CLI)) execFileSync(process.execPath, ['esbuild.mjs'], { cwd: ROOT, stdio: 'inherit' });
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'etcd-ops-bench-diagnose-'));
  const rows: [string, string | number][] = [];
  const figures: Record<string, Record<string, number | string>> = {};
  try {
    for (const c of CASES) {
      const { written, restored, makeMs } = await makeDir(root, c);
      const dbBytes = fs.statSync(path.join(written, 'member', 'snap', 'db')).size;
      for (const [shape, dir] of [['restored', restored], ['as written', written]] as const) {
        const ip = inProcess(dir, 5);
        const pt = await processTimes(dir, 5);
        const walData = walDataBytes(dir);
        const key = `${c.label} ${shape}`;
        figures[key] = {
          dbBytes, walBytesRead: walData, walFiles: dirBytes(path.join(dir, 'member', 'wal'), (n) => n.endsWith('.wal')),
          state: ip.state, inProcessMs: round(ip.ms, 2), dbReadMs: round(ip.dbMs, 2), walReadMs: round(ip.walMs, 2),
          cliMs: round(pt.cli), etcdctlSnapshotStatusMs: round(pt.etcdctl), etcdctlOverCli: round(pt.etcdctl / pt.cli, 2),
          ...(shape === 'as written' ? { makeSeconds: round(makeMs / 1000, 1) } : {}),
        };
        rows.push([`${key.padEnd(18)} db ${(dbBytes / MiB).toFixed(1).padStart(7)} MiB, WAL read ${(walData / MiB).toFixed(1).padStart(7)} MiB`,
          `in-process ${round(ip.ms, 1)} ms (db ${round(ip.dbMs, 2)} ms, WAL ${round(ip.walMs, 1)} ms) | CLI ${round(pt.cli)} ms | etcdctl snapshot status ${round(pt.etcdctl)} ms (${round(pt.etcdctl / pt.cli, 1)}x)`]);
      }
      // Free the disk before the next size.
      fs.rmSync(written, { recursive: true, force: true });
      fs.rmSync(restored, { recursive: true, force: true });
    }
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
  const big = QUICK ? '100 MB' : '1 GB';
  const ratio = (k: keyof (typeof figures)[string], shape: string) => round(Number(figures[`${big} ${shape}`][k]) / Number(figures[`20 kB ${shape}`][k]), 2);
  const ratios = {
    bigCase: big,
    restoredInProcess: ratio('inProcessMs', 'restored'),
    restoredCli: ratio('cliMs', 'restored'),
    restoredDbRead: ratio('dbReadMs', 'restored'),
    asWrittenInProcess: ratio('inProcessMs', 'as written'),
    etcdctlSnapshotStatus: ratio('etcdctlSnapshotStatusMs', 'restored'),
    goalMet: ratio('inProcessMs', 'restored') <= 2 && ratio('cliMs', 'restored') <= 2,
  };
  rows.push([`ratio ${big} / 20 kB (restored: db size only)`, `in-process ${ratios.restoredInProcess}x, CLI ${ratios.restoredCli}x, db read ${ratios.restoredDbRead}x (goal <= 2x: ${ratios.goalMet ? 'met' : 'NOT met'}); etcdctl snapshot status ${ratios.etcdctlSnapshotStatus}x`]);
  rows.push([`ratio ${big} / 20 kB (as written: WAL grows too)`, `in-process ${ratios.asWrittenInProcess}x`]);
  report('diagnose', rows, { figures, ratios });
}

main().catch((err) => { console.error(`diagnose bench failed: ${(err as Error).message}`); process.exit(1); });
