// Live-health speed: `etcd-ops status` vs `etcdctl endpoint status` + `endpoint health` as whole processes
// (all up, and member 1 dead), in-process refresh vs the slowest single Status call (3 and 5 members),
// and loading + activating dist/extension.js.
import * as path from 'node:path';
import { EndpointPool, refreshCluster } from '../src/core/etcd/live-health';
import { EtcdTestCluster } from '../test/harness/etcd-cluster';
import { etcdBinaries } from '../test/harness/etcd-version';
import { median, report, round, timeProcess } from './lib';

const CLI = path.resolve(__dirname, '..', 'dist', 'cli.js');

async function cliVsEtcdctl(cluster: EtcdTestCluster, rounds: number) {
  const flags = ['--cacert', cluster.tls.caFile, '--cert', cluster.tls.certFile, '--key', cluster.tls.keyFile];
  const ep = `--endpoints=${cluster.endpoints.join(',')}`;
  const ours: number[] = [];
  const theirs: number[] = [];
  for (let i = 0; i < rounds; i++) {
    // Alternate so neither side always runs on a warmer machine.
    ours.push(await timeProcess(process.execPath, [CLI, 'status', ep, ...flags, '--json'], { allowFailure: false }));
    const t0 = performance.now();
    await timeProcess(etcdBinaries().etcdctl, [ep, ...flags, 'endpoint', 'status'], { allowFailure: true, env: etcdBinaries().ctlEnv });
    await timeProcess(etcdBinaries().etcdctl, [ep, ...flags, 'endpoint', 'health'], { allowFailure: true, env: etcdBinaries().ctlEnv });
    theirs.push(performance.now() - t0);
  }
  return { ours: median(ours), etcdctl: median(theirs) };
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
    allUp = await cliVsEtcdctl(cluster, quick ? 5 : 15);
    await cluster.kill(0);
    await cluster.waitUntil(async () => (await cluster.leaderName()) !== null, 10000, 'a leader');
    m1Dead = await cliVsEtcdctl(cluster, quick ? 1 : 3);
  } finally {
    await cluster.close();
  }
  const r3 = await refreshVsSlowestStatus(3, quick ? 10 : 30);
  const r5 = await refreshVsSlowestStatus(5, quick ? 10 : 30);
  const activationMs = await extensionActivation(quick ? 3 : 7);
  const json = {
    statusAllUpMs: round(allUp.ours), etcdctlAllUpMs: round(allUp.etcdctl), statusAllUpRatio: round(allUp.ours / allUp.etcdctl, 2),
    statusM1DeadMs: round(m1Dead.ours), etcdctlM1DeadMs: round(m1Dead.etcdctl), statusM1DeadRatio: round(m1Dead.ours / m1Dead.etcdctl, 3),
    refresh3Ms: round(r3.refreshMs), refresh3VsSlowestStatus: round(r3.ratio, 2),
    refresh5Ms: round(r5.refreshMs), refresh5VsSlowestStatus: round(r5.ratio, 2),
    extensionLoadActivateMs: round(activationMs),
  };
  report('status', [
    ['etcd-ops status, all up (median)', `${json.statusAllUpMs} ms`],
    ['etcdctl endpoint status+health, all up', `${json.etcdctlAllUpMs} ms`],
    ['  ratio (goal <= 1.0)', `${json.statusAllUpRatio}x`],
    ['etcd-ops status, member 1 dead', `${json.statusM1DeadMs} ms`],
    ['etcdctl endpoint status+health, member 1 dead', `${json.etcdctlM1DeadMs} ms`],
    ['  ratio (goal <= 1.0)', `${json.statusM1DeadRatio}x`],
    ['in-process refresh, 3 members', `${json.refresh3Ms} ms = ${json.refresh3VsSlowestStatus}x slowest Status (goal <= 1.5)`],
    ['in-process refresh, 5 members', `${json.refresh5Ms} ms = ${json.refresh5VsSlowestStatus}x slowest Status (goal <= 1.5)`],
    ['load dist/extension.js + activate', `${json.extensionLoadActivateMs} ms (goal <= 50)`],
  ], json);
}

main().catch((err) => { console.error(err); process.exit(1); });
