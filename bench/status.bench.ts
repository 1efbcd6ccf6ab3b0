// Live-health speed: `etcd-ops status` vs `etcdctl endpoint status` + `endpoint health` as whole processes
// (all up, and member 1 dead) beside the floor (`node -e 0`, and node doing the same network work with no gRPC
// library: floor-probe.js), in-process refresh vs the slowest single Status call (3, 5 and 7 members, and 5
// and 7 vs 3), and loading + activating dist/extension.js.
import * as path from 'node:path';
import { EndpointPool, refreshCluster } from '../src/core/etcd/live-health';
import { EtcdTestCluster } from '../test/harness/etcd-cluster';
import { etcdBinaries } from '../test/harness/etcd-version';
import { median, report, round, timeProcess } from './lib';

const CLI = path.resolve(__dirname, '..', 'dist', 'cli.js');
const FLOOR = path.resolve(__dirname, 'floor-probe.js');

async function cliVsEtcdctl(cluster: EtcdTestCluster, rounds: number, withFloor = false) {
  const flags = ['--cacert', cluster.tls.caFile, '--cert', cluster.tls.certFile, '--key', cluster.tls.keyFile];
  const ep = `--endpoints=${cluster.endpoints.join(',')}`;
  const ours: number[] = [];
  const theirs: number[] = [];
  const ratios: number[] = [];
  const nodeStart: number[] = [];
  const rawNetwork: number[] = [];
  for (let i = 0; i < rounds; i++) {
    // Alternate so neither side always runs on a warmer machine; ratios pair by pair.
    const a = await timeProcess(process.execPath, [CLI, 'status', ep, ...flags, '--json'], { allowFailure: false });
    const t0 = performance.now();
    await timeProcess(etcdBinaries().etcdctl, [ep, ...flags, 'endpoint', 'status'], { allowFailure: true, env: etcdBinaries().ctlEnv });
    await timeProcess(etcdBinaries().etcdctl, [ep, ...flags, 'endpoint', 'health'], { allowFailure: true, env: etcdBinaries().ctlEnv });
    const b = performance.now() - t0;
    ours.push(a); theirs.push(b); ratios.push(a / b);
    if (withFloor) {
      nodeStart.push((await timeProcess(process.execPath, ['-e', '0'])) / b);
      rawNetwork.push((await timeProcess(process.execPath, [FLOOR, cluster.endpoints.join(','), cluster.tls.caFile, cluster.tls.certFile, cluster.tls.keyFile])) / b);
    }
  }
  return { ours: median(ours), etcdctl: median(theirs), ratio: median(ratios), nodeStartRatio: withFloor ? median(nodeStart) : NaN, rawNetworkRatio: withFloor ? median(rawNetwork) : NaN };
}

async function refreshVsSlowestStatus(members: number, rounds: number) {
  const cluster = await EtcdTestCluster.start({ members });
  try {
    const profile = { name: 'bench', endpoints: cluster.endpoints, tls: cluster.tls, timeoutMs: 2000 };
    const pool = new EndpointPool(profile);
    await refreshCluster(profile, { pool }); // warm connections, as the extension's pool keeps them
    const ratios: number[] = [];
    const refreshMs: number[] = [];
    for (let i = 0; i < rounds; i++) {
      const single = await Promise.all(cluster.endpoints.map(async (e) => {
        const t = performance.now(); await pool.client(e).status(); return performance.now() - t;
      }));
      const t = performance.now();
      await refreshCluster(profile, { pool });
      const r = performance.now() - t;
      refreshMs.push(r);
      ratios.push(r / Math.max(...single));
    }
    pool.close();
    return { refreshMs: median(refreshMs), ratio: median(ratios) };
  } finally {
    await cluster.close();
  }
}

async function extensionActivation(rounds: number): Promise<number> {
  // A fresh process each round: require dist/extension.js and call activate() against a minimal vscode
  // module that records registrations (timing only; behaviour is tested in real VS Code by the e2e suite).
  const script = path.resolve(__dirname, 'activation-probe.js');
  const times: number[] = [];
  for (let i = 0; i < rounds; i++) {
    const out = await new Promise<string>((resolve, reject) => {
      require('node:child_process').execFile(process.execPath, [script], (err: Error | null, stdout: string) => (err ? reject(err) : resolve(stdout)));
    });
    times.push(Number(/ACTIVATION_MS (\S+)/.exec(out)![1]));
  }
  return median(times);
}

async function main() {
  const quick = process.env.BENCH_QUICK === '1';
  const cluster = await EtcdTestCluster.start({ members: 3 });
  let allUp, m1Dead;
  try {
    allUp = await cliVsEtcdctl(cluster, quick ? 5 : 15, true);
    await cluster.kill(0);
    await cluster.waitUntil(async () => (await cluster.leaderName()) !== null, 10000, 'a leader');
    m1Dead = await cliVsEtcdctl(cluster, quick ? 1 : 3);
  } finally {
    await cluster.close();
  }
  const r3 = await refreshVsSlowestStatus(3, quick ? 10 : 30);
  const r5 = await refreshVsSlowestStatus(5, quick ? 10 : 30);
  const r7 = await refreshVsSlowestStatus(7, quick ? 10 : 30);
  const activationMs = await extensionActivation(quick ? 3 : 7);
  const json = {
    statusAllUpMs: round(allUp.ours), etcdctlAllUpMs: round(allUp.etcdctl), statusAllUpRatio: round(allUp.ratio, 2),
    floorNodeStartRatio: round(allUp.nodeStartRatio, 2), floorRawNetworkRatio: round(allUp.rawNetworkRatio, 2),
    statusM1DeadMs: round(m1Dead.ours), etcdctlM1DeadMs: round(m1Dead.etcdctl), statusM1DeadRatio: round(m1Dead.ratio, 3),
    refresh3Ms: round(r3.refreshMs), refresh3VsSlowestStatus: round(r3.ratio, 2),
    refresh5Ms: round(r5.refreshMs), refresh5VsSlowestStatus: round(r5.ratio, 2),
    refresh7Ms: round(r7.refreshMs), refresh7VsSlowestStatus: round(r7.ratio, 2),
    refresh5Vs3: round(r5.refreshMs / r3.refreshMs, 2), refresh7Vs3: round(r7.refreshMs / r3.refreshMs, 2),
    extensionLoadActivateMs: round(activationMs),
  };
  report('status', [
    ['etcd-ops status, all up (median)', `${json.statusAllUpMs} ms`],
    ['etcdctl endpoint status+health, all up', `${json.etcdctlAllUpMs} ms`],
    ['  ratio (goal <= 2.5)', `${json.statusAllUpRatio}x`],
    ['  floor: node -e 0', `${json.floorNodeStartRatio}x etcdctl`],
    ['  floor: node + the same network work, no gRPC library', `${json.floorRawNetworkRatio}x etcdctl`],
    ['etcd-ops status, member 1 dead', `${json.statusM1DeadMs} ms`],
    ['etcdctl endpoint status+health, member 1 dead', `${json.etcdctlM1DeadMs} ms`],
    ['  ratio (goal <= 1.0)', `${json.statusM1DeadRatio}x`],
    ['in-process refresh, 3 members', `${json.refresh3Ms} ms = ${json.refresh3VsSlowestStatus}x slowest Status (goal <= 1.5)`],
    ['in-process refresh, 5 members', `${json.refresh5Ms} ms = ${json.refresh5VsSlowestStatus}x slowest Status (goal <= 1.5)`],
    ['in-process refresh, 7 members', `${json.refresh7Ms} ms = ${json.refresh7VsSlowestStatus}x slowest Status (goal <= 1.5)`],
    ['  refresh 5 / refresh 3, 7 / 3 (goal <= 1.3)', `${json.refresh5Vs3}x, ${json.refresh7Vs3}x`],
    ['load dist/extension.js + activate', `${json.extensionLoadActivateMs} ms (goal <= 50)`],
  ], json);
}

main().catch((err) => { console.error(err); process.exit(1); });
