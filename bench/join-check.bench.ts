// Join readiness speed: `etcd-ops join-check` as a process vs what an operator runs by hand to check the
// same things with etcdctl (member list, endpoint status, endpoint health), with all members up and with
// member 1 dead (then etcdctl waits for it and join-check bounds the wait with --timeout).
import * as path from 'node:path';
import { EtcdTestCluster } from '../test/harness/etcd-cluster';
import { etcdBinaries } from '../test/harness/etcd-version';
import { median, report, round, timeProcess } from './lib';

const CLI = path.resolve(__dirname, '..', 'dist', 'cli.js');

async function rounds(cluster: EtcdTestCluster, n: number, expectReady: boolean) {
  const flags = ['--cacert', cluster.tls.caFile, '--cert', cluster.tls.certFile, '--key', cluster.tls.keyFile];
  const ep = `--endpoints=${cluster.endpoints.join(',')}`;
  const { etcdctl, ctlEnv } = etcdBinaries();
  const ours: number[] = [];
  const theirs: number[] = [];
  for (let i = 0; i < n; i++) {
    ours.push(await timeProcess(process.execPath, [CLI, 'join-check', '--distro', 'etcd', '--name', 'm9', '--peer-urls', 'https://127.0.0.1:1', ep, ...flags, '--json'],
      { allowFailure: !expectReady, env: { ETCDCTL_ENDPOINTS: '' } }));
    const t0 = performance.now();
    for (const args of [['member', 'list'], ['endpoint', 'status'], ['endpoint', 'health']]) {
      await timeProcess(etcdctl, [ep, ...flags, ...args], { allowFailure: true, env: ctlEnv });
    }
    theirs.push(performance.now() - t0);
  }
  return { ours: median(ours), etcdctl: median(theirs) };
}

async function main() {
  const quick = process.env.BENCH_QUICK === '1';
  const cluster = await EtcdTestCluster.start({ members: 3 });
  let allUp, m1Dead;
  try {
    allUp = await rounds(cluster, quick ? 3 : 10, true);
    await cluster.kill(0);
    await cluster.waitUntil(async () => (await cluster.leaderName()) !== null, 10000, 'a leader');
    m1Dead = await rounds(cluster, quick ? 1 : 3, true);
  } finally {
    await cluster.close();
  }
  const json = {
    joinCheckAllUpMs: round(allUp.ours), etcdctlAllUpMs: round(allUp.etcdctl), joinCheckAllUpRatio: round(allUp.ours / allUp.etcdctl, 2),
    joinCheckM1DeadMs: round(m1Dead.ours), etcdctlM1DeadMs: round(m1Dead.etcdctl), joinCheckM1DeadRatio: round(m1Dead.ours / m1Dead.etcdctl, 2),
  };
  report('join-check', [
    ['etcd-ops join-check, all up (median)', `${json.joinCheckAllUpMs} ms`],
    ['etcdctl member list + endpoint status + health', `${json.etcdctlAllUpMs} ms`],
    ['  ratio', `${json.joinCheckAllUpRatio}x`],
    ['etcd-ops join-check, member 1 dead', `${json.joinCheckM1DeadMs} ms`],
    ['etcdctl member list + endpoint status + health', `${json.etcdctlM1DeadMs} ms`],
    ['  ratio', `${json.joinCheckM1DeadRatio}x`],
  ], json);
}

main().catch((err) => { console.error(err); process.exit(1); });
